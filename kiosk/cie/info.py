"""What a CIE tells anyone without a PIN: chip family and NIS (PROTOCOL.md §2.2 steps 1-4).

``NOT_A_CIE`` is decided by the card's answers, not by its ATR: an unknown ATR may be a new
chip family, so the flow still tries the IAS and CIE applications, and only a card that lacks
them, or whose NIS is not 12 digits, is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.cie import ids
from kiosk.cie.apdu import (
    SW_CLA_NOT_SUPPORTED,
    SW_FILE_NOT_FOUND,
    SW_INS_NOT_SUPPORTED,
    Response,
)
from kiosk.cie.atr import ChipFamily, IasSelect, family_from_atr, family_from_ef_atr, traits
from kiosk.cie.errors import NotACie, ProtocolError
from kiosk.cie.files import (
    read_binary_sfi,
    read_ef,
    select_aid,
    select_mf,
    select_mf_by_fid,
)
from kiosk.cie.flow import Flow


@dataclass(frozen=True, slots=True)
class CardInfo:
    atr: bytes
    family: ChipFamily | None
    nis: str


def identify_family(atr: bytes) -> Flow[ChipFamily | None]:
    """The family from the ATR, else from EF.ATR (how phones, which see no ATR, do it)."""
    family = family_from_atr(atr)
    if family is not None:
        return family
    answer = yield select_mf_by_fid()
    if not answer.ok:
        return None
    ef_atr = yield from _try_read_ef_atr()
    return None if ef_atr is None else family_from_ef_atr(ef_atr)


def _try_read_ef_atr() -> Flow[bytes | None]:
    try:
        return (yield from read_ef(ids.EF_ATR))
    except ProtocolError:
        return None


def enter_ias(family: ChipFamily | None) -> Flow[None]:
    if traits(family).ias_select is IasSelect.BY_MF:
        answer = yield select_mf()
    else:
        answer = yield select_aid(ids.IAS_AID)
    _require(answer, "the IAS application is missing")


def read_nis() -> Flow[str]:
    """Select the CIE DF and read the NIS by SFI with ``00 B0 81 00 0C``."""
    answer = yield select_aid(ids.CIE_AID)
    _require(answer, "the CIE application is missing")
    answer = yield read_binary_sfi(ids.SFI_ID_SERVIZI, ids.NIS_LENGTH)
    if not answer.ok:
        raise ProtocolError("EF.ID_Servizi cannot be read", answer.sw)
    nis = answer.data[: ids.NIS_LENGTH]
    if len(nis) != ids.NIS_LENGTH or not nis.isdigit():
        raise NotACie("EF.ID_Servizi does not hold a 12-digit NIS")
    return nis.decode("ascii")


def read_card_info(atr: bytes) -> Flow[CardInfo]:
    family = yield from identify_family(atr)
    yield from enter_ias(family)
    nis = yield from read_nis()
    return CardInfo(atr=atr, family=family, nis=nis)


# Answers that mean "no such application here", as a card of another kind gives them.
_ABSENT = {SW_FILE_NOT_FOUND, SW_INS_NOT_SUPPORTED, SW_CLA_NOT_SUPPORTED}


def _require(answer: Response, what: str) -> None:
    if answer.sw in _ABSENT:
        raise NotACie(f"{what} (SW {answer.sw:04X})")
    if not answer.ok:
        raise ProtocolError(what, answer.sw)
