"""The card jobs the journeys submit, built from :mod:`kiosk.cie.tasks`.

Only "check my card" composes its own flow: the tries left (as :func:`kiosk.cie.tasks.status`
reads them, spending no try) and then the authentication certificate. Whether EF ``1003`` can
be read without a PIN is not documented (PROTOCOL.md §2.1, UNCERTAIN): a card that refuses
gets "certificate not readable without the PIN", never an error, and the citizen is pointed
to "Test my PIN", which reads it after the PIN.

"Test my PIN" asks the Comune's back-office to judge it when it can (:class:`Level3`): the card
signs the SHA-256 of the back-office's nonce, and the back-office checks the signature, the
chain and revocation itself, so a tampered kiosk cannot invent a citizen. When it cannot be
reached, the kiosk signs its own random challenge, judges it alone, and the result says so; a
kiosk with no back-office at all (no checker) judges alone and says nothing of it.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass, replace

from kiosk.cie import certificate, icao, identity, ids, tasks
from kiosk.cie.errors import ProtocolError
from kiosk.cie.flow import Flow
from kiosk.cie.ias import read_protected
from kiosk.cie.link import CardLink, ias_session
from kiosk.cie.pins import Reference, tries_left
from kiosk.cie.secret import Secret
from kiosk.journeys.certificates import (
    UNREADABLE,
    CertificateCheck,
    CertificatePolicy,
    CertificateState,
)
from kiosk.journeys.ports import CardProof, Level3Checker, Nonce, RemoteVerdict
from kiosk.journeys.worker import CardJob, take

CHALLENGE_SIZE = 32


@dataclass(frozen=True, slots=True)
class CheckResult:
    status: tasks.CardStatus
    certificate: CertificateCheck


class CheckedBy(enum.Enum):
    """Who judged a level-3 authentication; the value is the message id that tells the citizen."""

    BACK_OFFICE = "identity.checked.back_office"
    KIOSK_ONLY = "identity.checked.kiosk_only"


@dataclass(frozen=True, slots=True)
class AuthResult:
    """What "Test my PIN" learned: the certificate's verdict, whether the key signed, whether
    that makes the card work for Entra con CIE, and who said so. The holder and the expiry in
    ``certificate`` are always read from the card's own certificate."""

    nis: str
    serial: str
    certificate: CertificateCheck
    signature_valid: bool
    works: bool
    checked_by: CheckedBy | None = None  # None: the kiosk has no back-office to ask


Found = tuple[tasks.CardStatus, bytes | None]


def _status_and_certificate(link: CardLink) -> Flow[Found]:
    session = yield from ias_session(link)
    pin = yield from tries_left(session.channel, Reference.PIN)
    puk = yield from tries_left(session.channel, Reference.PUK)
    status = tasks.CardStatus(link.family, session.nis, pin, puk)
    try:
        der = yield from read_protected(session, ids.EF_CERT_CIE)
    except ProtocolError:
        return status, None
    return status, der


def check(policy: CertificatePolicy) -> CardJob:
    def finish(found: Found) -> CheckResult:
        status, der = found
        return CheckResult(status, UNREADABLE if der is None else policy.judge(der))

    return CardJob("check", _status_and_certificate, finish=finish)


def status() -> CardJob:
    return CardJob("status", tasks.status)


# The back-office's certificate verdicts (kiosk.uplink.schemas.CertificateVerdict values), as
# the kiosk explains them; a verdict this kiosk does not know yet is shown as "not valid".
_REMOTE_STATES = {state.name.lower(): state for state in CertificateState}


class Level3:
    """One level-3 authentication, judged by the back-office when it answers in time.

    Both of its steps run on the card worker thread, inside the card job: :meth:`sign` asks
    the checker for a nonce (or makes a random challenge of the kiosk's own) and builds the
    card's flow; :meth:`judge` checks the proof here and, if the challenge was the
    back-office's, sends the proof (no PIN: the job's holder is wiped by then) and shows the
    back-office's verdict in place of the kiosk's.
    """

    def __init__(self, policy: CertificatePolicy, checker: Level3Checker | None) -> None:
        self.policy = policy
        self.checker = checker
        self.nonce: Nonce | None = None
        self.challenge = b""

    def sign(self, link: CardLink, pin: Secret) -> Flow[tasks.Proof]:
        self.nonce = None if self.checker is None else self.checker.nonce()
        self.challenge = (self.nonce.value if self.nonce is not None
                          else secrets.token_bytes(CHALLENGE_SIZE))
        return tasks.authenticate(link, pin, hashlib.sha256(self.challenge).digest())

    def judge(self, proof: tasks.Proof) -> AuthResult:
        local = self.policy.judge(proof.certificate)
        signed = _signed(proof.certificate, self.challenge, proof.signature)
        if self.checker is None:
            return AuthResult(proof.nis, proof.serial, local, signed, local.valid and signed)
        verdict = None
        if self.nonce is not None:
            verdict = self.checker.verify(self.nonce, CardProof(
                proof.certificate, proof.signature, proof.serial, proof.nis))
        if verdict is None:
            return AuthResult(proof.nis, proof.serial, local, signed, local.valid and signed,
                              CheckedBy.KIOSK_ONLY)
        return _remote(proof, local, verdict)


def _remote(proof: tasks.Proof, local: CertificateCheck, verdict: RemoteVerdict) -> AuthResult:
    state = _REMOTE_STATES.get(verdict.certificate, CertificateState.INVALID)
    shown = replace(local, state=state, revocation=verdict.revocation)
    return AuthResult(proof.nis, proof.serial, shown, verdict.signature_valid, verdict.works,
                      CheckedBy.BACK_OFFICE)


def authenticate(pin: Secret, policy: CertificatePolicy,
                 checker: Level3Checker | None = None) -> CardJob:
    owned = take(pin)
    level3 = Level3(policy, checker)
    return CardJob("authenticate", lambda link: level3.sign(link, owned), (owned,),
                   level3.judge)


def change(old: Secret, new: Secret) -> CardJob:
    owned = take(old), take(new)
    return CardJob("change", lambda link: tasks.change(link, *owned), owned)


def unblock(puk: Secret, new: Secret, *, confirmed: bool) -> CardJob:
    owned = take(puk), take(new)
    return CardJob(
        "unblock", lambda link: tasks.unblock(link, *owned, confirmed=confirmed), owned
    )


def _signed(padded_der: bytes, challenge: bytes, signature: bytes) -> bool:
    """Whether the card's key 81 signed the challenge (an unreadable certificate did not)."""
    try:
        return certificate.signed(certificate.load(padded_der), challenge, signature)
    except ProtocolError:
        return False


def read_identity(can: Secret, policy: CertificatePolicy) -> CardJob:
    """Who the card says its holder is, read with PACE (the CAN, spent by the job and wiped
    with it) and judged on the worker thread: passive authentication against the CSCA
    anchors, and the chip authentication's verdict."""
    owned = take(can)
    return CardJob("read-identity", lambda link: icao.read_identity(owned, link=link), (owned,),
                   lambda read: identity.judge(read, policy.documents, policy.now()))


@dataclass(frozen=True, slots=True)
class CardRead:
    """What the activation helper reads: who the chip says the holder is (read with the CAN,
    judged as for a hand-off) and the tries left (read without spending one)."""

    identity: identity.IdentityReport
    status: tasks.CardStatus


def read_card(can: Secret, policy: CertificatePolicy) -> CardJob:
    """PACE with the CAN and the eMRTD files (DG1: the card's number, the dates), then the IAS
    session's tries left, in one card session; the CAN is spent by the job and wiped with it."""
    owned = take(can)

    def flow(link: CardLink) -> Flow[tuple[icao.IcaoRead, tasks.CardStatus]]:
        read = yield from icao.read_identity(owned, link=link)
        status = yield from tasks.status(link)
        return read, status

    def finish(found: tuple[icao.IcaoRead, tasks.CardStatus]) -> CardRead:
        read, status = found
        return CardRead(identity.judge(read, policy.documents, policy.now()), status)

    return CardJob("read-card", flow, (owned,), finish)
