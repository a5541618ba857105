"""EF.CardAccess: which PACE variants the card offers, and the one this kiosk will run.

A real CIE advertises a single PACEInfo, id-PACE-DH-GM-3DES-CBC-CBC with parameterId 2
(PROTOCOL.md §4.1), and that is the only variant implemented. The file is still parsed rather
than assumed, as the PagoPA and opencie clients do, because newer cards may offer ECDH or AES
variants: when none of the offered ones is supported, :func:`choose_pace` names them in a
:class:`PaceUnsupported`, so a technician reads "id-PACE-ECDH-GM-AES-CBC-CMAC-128" in the log
instead of a generic failure.

PACEInfo ::= SEQUENCE { protocol OBJECT IDENTIFIER, version INTEGER, parameterId INTEGER
OPTIONAL } (ICAO 9303-11 §9.2.1). Entries of other protocols (Chip Authentication, Terminal
Authentication, PACEDomainParameterInfo...) are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.cie.errors import PaceUnsupported, ProtocolError
from kiosk.cie.files import read_ef, select_mf_by_fid
from kiosk.cie.flow import Flow
from kiosk.cie.modp import STANDARD_GROUPS
from kiosk.cie.security_infos import (
    ID_PACE,
    der_integer,
    parse_security_infos,
    protocol_name,
)

EF_CARD_ACCESS = bytes.fromhex("011C")
PACE_DH_GM_3DES = f"{ID_PACE}.1.1"
PACE_VERSION = 2
_ABSENT = {0x6A82, 0x6A88}


@dataclass(frozen=True, slots=True)
class PaceInfo:
    """One PACE variant the card offers."""

    protocol: str
    version: int
    parameter_id: int | None

    @property
    def name(self) -> str:
        """The variant as ICAO names it, with its domain parameters."""
        return f"{protocol_name(self.protocol)} v{self.version}, parameterId {self.parameter_id}"

    @property
    def supported(self) -> bool:
        return (
            self.protocol == PACE_DH_GM_3DES
            and self.version == PACE_VERSION
            and self.parameter_id in STANDARD_GROUPS
        )


def parse_card_access(der: bytes) -> list[PaceInfo]:
    """The PACEInfos of an EF.CardAccess, in file order."""
    return [
        PaceInfo(
            protocol=info.protocol,
            version=der_integer(info.required, "PACEInfo version"),
            parameter_id=None
            if info.optional is None
            else der_integer(info.optional, "PACEInfo parameterId"),
        )
        for info in parse_security_infos(der)
        if info.protocol.startswith(f"{ID_PACE}.")
    ]


def choose_pace(offered: list[PaceInfo]) -> PaceInfo:
    """The first supported variant, or :class:`PaceUnsupported` naming all that were offered."""
    for info in offered:
        if info.supported:
            return info
    names = "; ".join(info.name for info in offered)
    raise PaceUnsupported(names or "no PACEInfo in EF.CardAccess")


def read_card_access() -> Flow[bytes | None]:
    """Select the MF and read EF.CardAccess in plain; None when the card has none (BAC only).

    The MF is selected first because some chips refuse the read otherwise (PROTOCOL.md §4.2);
    a chip that refuses that select may still serve the file, so its answer is not checked.
    """
    yield select_mf_by_fid()
    try:
        return (yield from read_ef(EF_CARD_ACCESS))
    except ProtocolError as refused:
        if refused.sw in _ABSENT:
            return None
        raise
