"""Is this chip a genuine CIE? The PIN-less check (PROTOCOL.md §2.9), for a card whose PIN is
blocked or unknown.

The card signs a fresh challenge with its "Servizi" key 83; the signature must open with the
public key of EF 1005. That key, the NIS, the DAPP key and the DH parameters are in turn hashed
in EF 1006, whose signer must chain to the anchors (the Italian CSCA). Together: the files are
the issuer's, and the chip holds the private key that goes with them, so it is no copy. This
proves a genuine card, not its holder: no PIN is involved.

Files are padded on the card; each is trimmed as the middleware trims it before hashing (the
NIS to 12 bytes, the others to their DER length).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import core

from kiosk.cie import csca, ids, pinless, sod
from kiosk.cie.apdu import Command
from kiosk.cie.atr import ChipFamily
from kiosk.cie.errors import ProtocolError, PublicKeyInvalid
from kiosk.cie.files import read_ef, select_aid
from kiosk.cie.flow import Flow, tagged
from kiosk.cie.info import enter_ias
from kiosk.cie.steps import Step

CHALLENGE_SIZE = 16


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the card showed without a PIN, trimmed as hashed in EF 1006."""

    files: dict[str, bytes]  # SOD data-group tag → content
    sod: bytes
    challenge: bytes
    answer: bytes


@dataclass(frozen=True, slots=True)
class ChipVerdict:
    nis: str
    signature_valid: bool
    sod_signature_valid: bool
    chain: csca.ChainCheck
    files: dict[str, sod.FileCheck]

    @property
    def genuine(self) -> bool:
        return (
            self.signature_valid
            and self.sod_signature_valid
            and self.chain.status is csca.ChainStatus.TRUSTED
            and all(check is sod.FileCheck.MATCH for check in self.files.values())
        )


def _der(padded: bytes) -> bytes:
    """The DER value at the start of a padded file."""
    try:
        return bytes(core.load(bytes(padded), strict=False).dump())
    except ValueError as exc:
        raise ProtocolError(f"a file holds no DER value ({exc})") from None


def read_evidence(family: ChipFamily | None, challenge: bytes) -> Flow[Evidence]:
    if len(challenge) != CHALLENGE_SIZE:
        raise ValueError(f"the challenge is {CHALLENGE_SIZE} bytes")
    return (yield from tagged(Step.PUBLIC, _read_evidence(family, challenge)))


def _read_evidence(family: ChipFamily | None, challenge: bytes) -> Flow[Evidence]:
    yield from enter_ias(family)
    dh_params = _der((yield from read_ef(ids.EF_DH)))
    answer = yield select_aid(ids.CIE_AID)
    if not answer.ok:
        raise ProtocolError("SELECT of the CIE application refused", answer.sw)
    nis = (yield from read_ef(ids.EF_ID_SERVIZI))[: ids.NIS_LENGTH]
    dapp_key = _der((yield from read_ef(ids.EF_INT_KPUB)))
    servizi_key = _der((yield from read_ef(ids.EF_SERVIZI_INT_KPUB)))
    security_object = yield from read_ef(ids.EF_SOD)
    answer = yield Command(0x00, 0x22, 0x41, 0xA4, bytes.fromhex("80 01 02 84 01 83"),
                           step=Step.SIGN)
    if not answer.ok:
        raise ProtocolError("MSE SET of the Servizi key refused", answer.sw)
    answer = yield Command(0x00, 0x88, 0x00, 0x00, challenge, le=256, step=Step.SIGN)
    if not answer.ok:
        raise ProtocolError("PIN-less INTERNAL AUTHENTICATE refused", answer.sw)
    files = {"A1": nis, "A4": dapp_key, "A5": servizi_key, "1B": dh_params}
    return Evidence(files, security_object, challenge, answer.data)


def judge(evidence: Evidence, anchors: Iterable[csca.Certificate], at: datetime) -> ChipVerdict:
    try:
        key = pinless.load_servizi_key(evidence.files["A5"])
        signature_valid = pinless.verify_internal_authentication(
            key, evidence.challenge, evidence.answer
        )
    except PublicKeyInvalid:
        signature_valid = False
    security_object = sod.parse_sod(evidence.sod)
    return ChipVerdict(
        nis=evidence.files["A1"].decode("ascii", "replace"),
        signature_valid=signature_valid,
        sod_signature_valid=sod.verify_signature(security_object),
        chain=csca.verify_chain(security_object.signer, anchors, at),
        files=sod.check_files(security_object, evidence.files),
    )
