"""Reading the eMRTD application: access control, the data groups, chip authentication.

The order follows PROTOCOL.md §4: EF.CardAccess decides PACE (with the CAN); without it, or
when PACE cannot run (a variant we lack, a refusal, a reader without extended APDUs), BAC with
the MRZ takes over if the caller gave one. A wrong CAN never falls back: it is the citizen's
typo, and :class:`WrongCan` lets the kiosk ask again. Then, under secure messaging: select the
application, read EF.COM and the data groups it lists among DG1, DG2, DG11, DG12 and DG14, and
EF.SOD. Chip authentication runs last, so a failure costs no data; every answer of the session
is chained by the SSC, so the keys it proves bind the files read before it too.

The files are returned as read, keyed by their SOD number (``"01"``, ``"0B"``…) for
:func:`kiosk.cie.sod.check_files`; :mod:`kiosk.cie.datagroups` turns them into fields. Nothing
here judges them: passive authentication and the chip-authentication verdict are the caller's.

Reads under secure messaging use 231-byte chunks with short APDUs; with ``extended`` they ask
for 1 KiB per READ BINARY in extended APDUs, for readers known to carry them (DG2 is ~10 KB).
"""

from __future__ import annotations

import dataclasses
import enum
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from kiosk.cie import bac, chip_auth, ids, pace
from kiosk.cie.apdu import EXTENDED_MAX_LE
from kiosk.cie.card_access import choose_pace, parse_card_access, read_card_access
from kiosk.cie.datagroups import listed_data_groups
from kiosk.cie.errors import (
    PaceRefused,
    PaceUnsupported,
    ProtocolError,
    ReaderNoExtendedApdu,
)
from kiosk.cie.files import select_aid
from kiosk.cie.flow import Flow, tagged
from kiosk.cie.lds import EF_COM, EF_SOD, SM_CHUNK, data_group_fid, read_file
from kiosk.cie.link import CardLink
from kiosk.cie.mrz import MrzKey
from kiosk.cie.secret import Secret
from kiosk.cie.secured import protected, secure
from kiosk.cie.sm import SecureChannel
from kiosk.cie.steps import Step

T = TypeVar("T")
EXTENDED_CHUNK = 0x400
WANTED = ("01", "02", "0B", "0C", "0E")  # DG3 needs terminal authentication: never read
_ABSENT = {0x6A82}


class Access(enum.Enum):
    PACE = "PACE"
    BAC = "BAC"


@dataclass(frozen=True, slots=True)
class IcaoRead:
    """What the eMRTD application gave: the files, how they were reached, the chip's proof."""

    access: Access
    ef_com: bytes
    files: dict[str, bytes]  # SOD number → file, for the listed ones that exist
    sod: bytes
    chip_authentication: chip_auth.ChipAuthentication


def read_identity(
    can: Secret | None,
    mrz: MrzKey | None = None,
    *,
    extended: bool = False,
    random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    link: CardLink | None = None,
) -> Flow[IcaoRead]:
    """PACE with ``can`` (else BAC with ``mrz``), then the files and chip authentication.

    With ``link``, a channel it holds from an earlier read of the same card session serves
    again (no second PACE), and the channel this read ends with is kept on it: the chip
    authentication's new one when it passed, none when it failed (neither is usable then).

    Raises :class:`WrongCan`, :class:`WrongMrz`, or, when neither method can run, the reason
    PACE could not (:class:`PaceUnsupported`, :class:`ReaderNoExtendedApdu`…).
    """
    held = link.icao if link is not None and link.icao is not None and link.icao.usable else None
    if held is not None and link is not None and link.icao_access is not None:
        access, channel = Access(link.icao_access), held
    else:
        access, channel = yield from _open(can, mrz, random_bytes)
        if link is not None:
            link.keep_icao(access.value, channel, opened=True)
    chunk = EXTENDED_CHUNK if extended else SM_CHUNK

    def read(fid: bytes) -> Flow[bytes]:
        flow = tagged(Step.READ, secure(channel, read_file(fid, chunk)))
        return (yield from (_widened(flow) if extended else flow))

    ef_com = yield from read(EF_COM)
    files: dict[str, bytes] = {}
    for number in (n for n in listed_data_groups(ef_com) if n in WANTED):
        try:
            files[number] = yield from read(data_group_fid(number))
        except ProtocolError as refused:
            if refused.sw not in _ABSENT:
                raise
    sod = yield from read(EF_SOD)
    if "0E" in files:
        proof = yield from tagged(Step.CHIP_AUTHENTICATION, chip_auth.authenticate(
            channel, files["0E"], ef_com, random_bytes))
    else:
        proof = chip_auth.ChipAuthentication(chip_auth.Result.NOT_SUPPORTED, "no DG14")
    if link is not None:
        _keep(link, access, proof)
    return IcaoRead(access, ef_com, files, sod, proof)


def _keep(link: CardLink, access: Access, proof: chip_auth.ChipAuthentication) -> None:
    if proof.result is chip_auth.Result.PASSED and proof.channel is not None:
        link.keep_icao(access.value, proof.channel, opened=False)
    elif proof.result is chip_auth.Result.FAILED:
        link.wipe()


def _open(
    can: Secret | None, mrz: MrzKey | None, random_bytes: Callable[[int], bytes]
) -> Flow[tuple[Access, SecureChannel]]:
    """The secure channel, with the eMRTD application selected under it."""
    card_access = yield from tagged(Step.PUBLIC, read_card_access())
    try:
        if card_access is None:
            raise PaceUnsupported("the card has no EF.CardAccess")
        if can is None:
            raise PaceUnsupported("no CAN was given")
        info = choose_pace(parse_card_access(card_access))
        channel = yield from tagged(Step.PACE, pace.establish(info, can, random_bytes))
    except (PaceUnsupported, PaceRefused, ReaderNoExtendedApdu):
        if mrz is None:
            raise
        answer = yield dataclasses.replace(select_aid(ids.ICAO_AID), step=Step.BAC)
        if not answer.ok:
            raise ProtocolError("SELECT of the eMRTD application refused", answer.sw) from None
        return Access.BAC, (yield from tagged(Step.BAC, bac.establish(mrz, random_bytes)))
    answer = yield from tagged(Step.PACE, protected(channel, select_aid(ids.ICAO_AID)))
    if not answer.ok:
        raise ProtocolError("SELECT of the eMRTD application refused under PACE", answer.sw)
    return Access.PACE, channel


def _widened(flow: Flow[T]) -> Flow[T]:
    """The same exchange with every APDU asking for an extended answer (Le ``00 00``).

    Only the outer Le changes: the protected Le (DO 97) and the MAC stay as the channel made
    them, since the MAC does not cover the outer Le.
    """
    try:
        command = next(flow)
        while True:
            command = flow.send((yield dataclasses.replace(command, le=EXTENDED_MAX_LE)))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
