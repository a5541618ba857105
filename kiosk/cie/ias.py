"""An IAS session: from a fresh card to a secure channel the card trusts (PROTOCOL.md §2).

The order is the official middleware's: enter the IAS application (by AID or by MF, as the
chip family wants), read EF.SN.ICC and the NIS, then the chip's DAPP key (EF 1004) in the CIE
DF, fetch the DH group and the DAPP CA key, agree on K, open secure messaging, and run DAPP.
A session serves every task while its card stays (:mod:`kiosk.cie.link`); it remembers which
DF is current, so a protected read selects the CIE DF only when it is not already (it is,
right after the opening, which reads EF 1004 there).

Reads under secure messaging use 231-byte chunks, the most a protected answer carries
(PROTOCOL.md §2.3, §7.4), instead of the middleware's 128.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.cie import dh, ids
from kiosk.cie.apdu import Command
from kiosk.cie.atr import ChipFamily, traits
from kiosk.cie.dapp import RsaKey, authenticate, read_ca_key
from kiosk.cie.errors import ProtocolError, UnsupportedChip
from kiosk.cie.files import read_ef, select_aid
from kiosk.cie.flow import Flow, tagged
from kiosk.cie.info import enter_ias, read_nis
from kiosk.cie.secured import protected, secure
from kiosk.cie.sm import SecureChannel
from kiosk.cie.steps import Step

SM_CHUNK = 0xE7


@dataclass(slots=True, eq=False)
class IasSession:
    family: ChipFamily | None
    nis: str
    sn_icc: bytes
    channel: SecureChannel
    df: bytes | None = ids.CIE_AID  # the AID of the current DF, when known


def open_session(
    family: ChipFamily | None, random_bytes: Callable[[int], bytes] = secrets.token_bytes
) -> Flow[IasSession]:
    public = yield from tagged(Step.PUBLIC, _read_public(family))
    sn_icc, nis, chip = public
    group = yield from tagged(Step.KEY_AGREEMENT, _read_group(family))
    ca = yield from tagged(Step.KEY_AGREEMENT, read_ca_key())
    agreement = yield from tagged(Step.KEY_AGREEMENT, dh.agree(group, random_bytes))
    channel = SecureChannel.for_ias(agreement.secret)
    yield from tagged(Step.DAPP, authenticate(channel, agreement, ca, chip, random_bytes))
    return IasSession(family, nis, sn_icc, channel)


def _read_public(family: ChipFamily | None) -> Flow[tuple[bytes, str, RsaKey]]:
    """EF.SN.ICC, the NIS and the chip's DAPP key, in plain."""
    yield from enter_ias(family)
    sn_icc = yield from read_ef(ids.EF_SN_ICC)
    nis = yield from read_nis()
    chip = RsaKey.from_pkcs1((yield from read_ef(ids.EF_INT_KPUB)))
    return sn_icc, nis, chip


def _read_group(family: ChipFamily | None) -> Flow[dh.DhGroup]:
    """The DH group in the family's GET DATA form, else in the other one.

    Only "Gemalto" is documented as answering in one request (PROTOCOL.md §2.2); for newer
    or unknown chips (Gemalto2 among them) the form is uncertain, so a refusal of the first
    form is answered by trying the second rather than by giving up.
    """
    in_one = traits(family).dh_in_one_request
    try:
        return (yield from dh.read_group(in_one))
    except ProtocolError as refused:
        if refused.sw is None:
            raise
    try:
        return (yield from dh.read_group(not in_one))
    except ProtocolError as refused:
        if refused.sw is None:
            raise
        raise UnsupportedChip(
            f"the chip gives its DH group in neither form (SW {refused.sw:04X})"
        ) from None


def read_protected(session: IasSession, fid: bytes) -> Flow[bytes]:
    """Read EF ``fid`` of the CIE DF under secure messaging (selecting the DF if need be)."""
    return (yield from tagged(Step.READ, _read_protected(session, fid)))


def _read_protected(session: IasSession, fid: bytes) -> Flow[bytes]:
    if session.df != ids.CIE_AID:
        session.df = None
        answer = yield from protected(session.channel, select_aid(ids.CIE_AID))
        if not answer.ok:
            raise ProtocolError("SELECT of the CIE application refused", answer.sw)
        session.df = ids.CIE_AID
    return (yield from secure(session.channel, read_ef(fid, chunk=SM_CHUNK)))


# DigestInfo prefix of SHA-256 (RFC 8017 §9.2 note 1): the card adds the PKCS#1 padding itself.
SHA256_DIGEST_INFO = bytes.fromhex("3031300D060960864801650304020105000420")


def sign_digest(channel: SecureChannel, digest: bytes) -> Flow[bytes]:
    """Sign a SHA-256 digest with the authentication key 81 (needs a verified PIN, §2.7)."""
    if len(digest) != 32:
        raise ValueError("a SHA-256 digest is 32 bytes")
    return (yield from tagged(Step.SIGN, _sign_digest(channel, digest)))


def _sign_digest(channel: SecureChannel, digest: bytes) -> Flow[bytes]:
    answer = yield from protected(
        channel, Command(0x00, 0x22, 0x41, 0xA4, bytes.fromhex("80 01 02 84 01 81"))
    )
    if not answer.ok:
        raise ProtocolError("MSE SET of the signing key refused", answer.sw)
    answer = yield from protected(
        channel, Command(0x00, 0x88, 0x00, 0x00, SHA256_DIGEST_INFO + digest, le=256)
    )
    if not answer.ok:
        raise ProtocolError("signature refused", answer.sw)
    return answer.data
