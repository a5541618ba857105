"""The messages between a kiosk and its back-office: both sides import these models, so the
wire format is written down once.

Every body is JSON. Models refuse unknown fields and wrong types (``extra="forbid"``, strict),
so a malformed request is a 4xx with a code on the back-office and a clear error on the kiosk,
never a half-understood message. None of these carries a PIN, a PUK or a CAN; the heartbeat
carries no personal data at all, and an audit event's ``data`` holds only codes, ids and counts
(:data:`EVENT_DATA_VALUE` keeps it flat and small).

Paths (all under the mTLS listener except the two enrollment ones)::

    GET  /enroll/ca.pem                 the back-office CA (PEM), fetched before pinning it
    POST /enroll                        EnrollRequest -> EnrollResponse   (no client certificate)
    POST /api/v1/renew                  RenewRequest -> RenewResponse
    POST /api/v1/heartbeat              Heartbeat -> HeartbeatReply
    GET  /api/v1/ping                   -> HeartbeatReply (kiosk doctor: changes nothing)
    POST /api/v1/events                 EventBatch -> EventAck
    GET  /api/v1/commands?wait=SECONDS  -> CommandList (long-poll: answers as soon as one is due)
    POST /api/v1/commands/{id}/ack      CommandAck -> {}
    POST /api/v1/l3/nonce               -> NonceReply
    POST /api/v1/l3/verify              L3Proof -> L3Verdict
    POST /api/v1/tickets                Ticket -> TicketAck

Errors, on every path: a 4xx/5xx status with ``ErrorBody`` (``{"error": {"code", "message"}}``).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

API_PREFIX = "/api/v1"
ENROLL_PATH = "/enroll"
CA_PATH = "/enroll/ca.pem"

# An audit event's values: flat, short, never a free text the journey did not choose.
EVENT_DATA_VALUE = str | int | bool | None
MAX_EVENTS_PER_BATCH = 500
MAX_COMMAND_WAIT_SECONDS = 30
Key = Annotated[str, StringConstraints(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
ShortText = Annotated[str, StringConstraints(max_length=64)]
Message = Annotated[str, StringConstraints(max_length=500)]
Pem = Annotated[str, StringConstraints(max_length=16_384)]
B64 = Annotated[str, StringConstraints(max_length=16_384, pattern=r"^[A-Za-z0-9+/=]*$")]


class Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorDetail(Wire):
    code: str
    message: str


class ErrorBody(Wire):
    error: ErrorDetail


# -- enrollment and renewal --------------------------------------------------------------------


class EnrollRequest(Wire):
    """The token's secret part (never the CA pin, which stays on the kiosk) and a PKCS#10 CSR
    in PEM; the back-office takes only the public key from the CSR, never its subject."""

    token: Annotated[str, StringConstraints(min_length=16, max_length=128)]
    csr: Pem


class EnrollResponse(Wire):
    kiosk: ShortText
    certificate: Pem  # the kiosk's client certificate
    ca: Pem  # the back-office CA, to pin
    api_url: Annotated[str, StringConstraints(max_length=300)]  # the mTLS listener


class RenewRequest(Wire):
    csr: Pem


class RenewResponse(Wire):
    certificate: Pem


# -- heartbeat ---------------------------------------------------------------------------------


class KioskState(enum.Enum):
    IDLE = "idle"
    IN_JOURNEY = "in-journey"
    LOCKED = "locked"
    OUT_OF_ORDER = "out-of-order"


class Heartbeat(Wire):
    state: KioskState
    journey: ShortText | None = None  # which journey, when state is in-journey
    reader_present: bool
    versions: dict[ShortText, ShortText] = Field(default_factory=dict, max_length=16)
    uptime_seconds: int = Field(ge=0)
    outbox_depth: int = Field(ge=0)
    outbox_alarm: bool = False  # the outbox is near its bound, or has dropped events
    outbox_dropped: int = Field(0, ge=0)
    health: HealthReport | None = None  # issue 12: power, heat, storage, printer (below)


class HeartbeatReply(Wire):
    server_time: datetime


# -- audit events ------------------------------------------------------------------------------


class Event(Wire):
    """One audit event. ``key`` is the idempotency key, made when the event was committed to
    the outbox; ``seq`` is the outbox's order, which the back-office keeps per kiosk."""

    key: Key
    seq: int = Field(ge=1)
    at: datetime
    kind: Annotated[str, StringConstraints(min_length=1, max_length=64,
                                           pattern=r"^[a-z][a-z0-9_.-]*$")]
    data: dict[ShortText, EVENT_DATA_VALUE] = Field(default_factory=dict, max_length=32)


class EventBatch(Wire):
    events: list[Event] = Field(min_length=1, max_length=MAX_EVENTS_PER_BATCH)


class EventAck(Wire):
    """The keys the back-office now holds (new or already there): the kiosk deletes these."""

    acked: list[Key]


# -- commands ----------------------------------------------------------------------------------


class CommandKind(enum.Enum):
    LOCK = "lock"
    UNLOCK = "unlock"
    NOTICE = "notice"


class Command(Wire):
    id: int
    kind: CommandKind
    message: Message | None = None  # the clerk's words, shown as typed (lock, notice)
    created_at: datetime


class CommandList(Wire):
    commands: list[Command]


class CommandAck(Wire):
    ok: bool = True
    detail: ShortText | None = None


# -- level-3 authentication checked by the back-office ----------------------------------------


class NonceReply(Wire):
    nonce_id: Annotated[str, StringConstraints(min_length=8, max_length=64)]
    nonce: B64  # 32 random bytes; the card signs their SHA-256
    expires_at: datetime


class L3Proof(Wire):
    """What the card gave: its authentication certificate (DER, as read from the card, padding
    and all), the signature of key 81 over SHA-256(nonce), the card serial and NIS."""

    nonce_id: Annotated[str, StringConstraints(min_length=8, max_length=64)]
    certificate: B64
    signature: B64
    card_serial: ShortText
    nis: ShortText


class CertificateVerdict(enum.Enum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    UNTRUSTED = "untrusted"
    INVALID = "invalid"
    UNREADABLE = "unreadable"


class L3Verdict(Wire):
    """The back-office's verdict, which the kiosk shows as it is."""

    verification_id: int
    works: bool  # certificate valid and signature over the nonce valid
    certificate: CertificateVerdict
    signature_valid: bool
    revocation: ShortText  # good / revoked / not-checked / unknown / soft-fail


# -- hand-off tickets (issue 11: reprint of lost codes, PUK recovery at the counter) ----------

# A DG2 face is 10-20 KB on a CIE; the bound leaves room for a large one, base64 included.
MAX_PHOTO_BYTES = 96 * 1024
PhotoB64 = Annotated[str, StringConstraints(max_length=(MAX_PHOTO_BYTES + 2) // 3 * 4,
                                            pattern=r"^[A-Za-z0-9+/=]*$")]
# What a kiosk can check of an e-mail address without sending mail: one @, a dotted domain,
# no spaces or quotes (RFC 5321's practical subset; the clerk's CieOnline checks the rest).
EMAIL_PATTERN = r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"
Email = Annotated[str, StringConstraints(min_length=6, max_length=254, pattern=EMAIL_PATTERN)]
TicketNumber = Annotated[str, StringConstraints(min_length=3, max_length=16,
                                                pattern=r"^[A-Z0-9]{1,8}-[0-9]{3,7}$")]


class TicketKind(enum.Enum):
    REPRINT = "reprint"  # PIN and PUK lost: the clerk reprints them in CieOnline
    PUK_RECOVERY = "puk_recovery"  # the PUK lost: asked at the counter instead of the CieID app


class Delivery(enum.Enum):
    """How the citizen wants the codes (the Ministry's two ways)."""

    COUNTER = "counter"  # both halves on paper at the counter
    COUNTER_AND_EMAIL = "counter_and_email"  # first half at the counter, second by e-mail


class IdentitySource(enum.Enum):
    CHIP = "chip"  # read by the kiosk from the card, with PACE (the CAN), and verified
    SMARTPHONE = "smartphone"  # the Comune's OpenID provider, through "continue with smartphone"


class PassiveAuth(enum.Enum):
    """Passive authentication: the issuer signed exactly the data groups read."""

    TRUSTED = "trusted"
    UNTRUSTED = "untrusted"  # signed, but by no CSCA the kiosk trusts
    INVALID = "invalid"  # a bad signature or a data group that does not match its hash
    NOT_APPLICABLE = "not-applicable"  # no card was read: the identity came from the smartphone


class ChipAuth(enum.Enum):
    """Chip authentication: the chip holds DG14's private key, so it is no copy."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_SUPPORTED = "not-supported"
    NOT_APPLICABLE = "not-applicable"  # no card was read: the identity came from the smartphone


class TicketIdentity(Wire):
    """Who the card says the citizen is, and how far to believe it: the verdicts travel
    apart (with each data group's hash check), never folded into one "ok". From the
    smartphone login there is no chip: no document, birth date or photo, and both verdicts
    are ``not-applicable`` (:class:`Ticket` holds each source to its own shape)."""

    given_name: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    surname: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    codice_fiscale: Annotated[str, StringConstraints(max_length=16)] | None = None
    document_number: Annotated[str, StringConstraints(min_length=1, max_length=16)] | None = None
    # YYYY-MM-DD (or YYMMDD)
    date_of_birth: Annotated[str, StringConstraints(max_length=10)] | None = None
    photo: PhotoB64 | None = None  # DG2's image as the chip gave it (JPEG 2000 usually)
    photo_format: Annotated[str, StringConstraints(max_length=8)] | None = None  # jp2 j2k jpeg
    passive_auth: PassiveAuth
    chip_auth: ChipAuth
    data_groups: dict[Annotated[str, StringConstraints(max_length=2)],
                      Annotated[str, StringConstraints(max_length=16)]] = Field(
        default_factory=dict, max_length=16)  # SOD number -> match | mismatch | absent


class Ticket(Wire):
    """A hand-off to the anagrafe desk. ``key`` is the outbox's idempotency key; ``number``
    the one the citizen holds, made on the kiosk (its prefix, a per-kiosk counter) so that
    the screen can show it offline. No PIN, PUK or CAN: the kiosk never has the codes, and
    the CAN stays in the card session."""

    key: Key
    number: TicketNumber
    kind: TicketKind
    at: datetime
    delivery: Delivery
    email: Email | None = None  # only with COUNTER_AND_EMAIL
    identity_source: IdentitySource = IdentitySource.CHIP
    identity: TicketIdentity

    @model_validator(mode="after")
    def _email_with_its_delivery(self) -> Ticket:
        if (self.email is not None) != (self.delivery is Delivery.COUNTER_AND_EMAIL):
            raise ValueError("an e-mail address goes with the counter_and_email delivery only")
        return self

    @model_validator(mode="after")
    def _identity_shaped_by_its_source(self) -> Ticket:
        """A chip's identity has its document and real verdicts; a smartphone's has neither
        chip data nor verdicts, so the clerk never mistakes one for the other."""
        who = self.identity
        unchecked = (who.passive_auth is PassiveAuth.NOT_APPLICABLE,
                     who.chip_auth is ChipAuth.NOT_APPLICABLE)
        if self.identity_source is IdentitySource.SMARTPHONE:
            if not all(unchecked) or who.photo is not None or who.document_number is not None:
                raise ValueError("a smartphone identity has no photo, no document and "
                                 "not-applicable verdicts")
        elif any(unchecked) or who.document_number is None or who.date_of_birth is None:
            raise ValueError("a chip identity has its document number, date of birth and "
                             "both verdicts")
        return self


class TicketAck(Wire):
    """The back-office holds the ticket (new or already there): the kiosk deletes it."""

    key: Key
    number: TicketNumber


# -- "continue with smartphone" ---------------------------------------------------------------
#   POST /api/v1/phone/link             -> PhoneLink
#   POST /api/v1/phone/redeem           PhoneRedeem -> PhoneIdentity
# Refusals of redeem (ErrorBody codes): PHONE_LOGIN_NOT_FOUND, PHONE_LINK_EXPIRED,
# PHONE_CODE_EXPIRED, PHONE_CODE_USED, PHONE_CODE_OTHER_KIOSK, PHONE_CODE_WRONG,
# PHONE_TOO_MANY_TRIES; of both: PHONE_DISABLED.

PhoneLoginId = Annotated[str, StringConstraints(min_length=16, max_length=64,
                                                pattern=r"^[A-Za-z0-9_-]+$")]
IDENTITY_SOURCE_SMARTPHONE = IdentitySource.SMARTPHONE.value


class PhoneLink(Wire):
    """The one-time URL the kiosk shows as a QR, bound to the kiosk that asked."""

    login_id: PhoneLoginId
    url: Annotated[str, StringConstraints(max_length=500)]
    expires_at: datetime


class PhoneRedeem(Wire):
    """The code the citizen read on the phone and typed on the kiosk, for the kiosk's login."""

    login_id: PhoneLoginId
    code: Annotated[str, StringConstraints(min_length=4, max_length=12, pattern=r"^[0-9]+$")]


class PhoneIdentity(Wire):
    """Who the provider said the citizen is: what the kiosk session is now bound to."""

    given_name: Annotated[str, StringConstraints(max_length=128)]
    family_name: Annotated[str, StringConstraints(max_length=128)]
    fiscal_number: Annotated[str, StringConstraints(max_length=32)]
    identity_source: ShortText


# -- health (issue 12): what the kiosk's hardware says, in every heartbeat ---------------------
# A reading the kiosk could not take is None ("unknown"), never a guess: the back-office
# shows no badge for it, ``kiosk doctor`` says it could not tell.

HOT_CELSIUS = 80.0  # the Pi's firmware starts its soft throttling here (85 °C: hard)
LOW_DISK_BYTES = 200 * 1024 * 1024  # the outbox, the logs and an update need room
LOW_DISK_FRACTION = 0.05
PRINTER_OK, PRINTER_ABSENT, PRINTER_PAPER_LOW = "ok", "absent", "paper_low"


class HealthProblem(enum.Enum):
    """What the console's board shows a badge for (the kiosk decides nothing: the back-office
    reads the problems off the report with :meth:`HealthReport.problems`)."""

    UNDER_VOLTAGE = "under-voltage"  # now or since boot: the power supply is too weak
    THROTTLED = "throttled"  # now or since boot: the CPU was slowed (heat or power)
    FS_ERRORS = "fs-errors"  # ext4 counted errors, or remounted the filesystem read-only
    HOT = "hot"
    LOW_DISK = "low-disk"
    PRINTER = "printer"  # cannot print (paper out, cover open, fault, gone)
    PAPER_LOW = "paper-low"  # still prints; the roll wants changing
    FRONTPANEL = "frontpanel"  # configured, but not answering: no watchdog, no tamper latch


class HealthReport(Wire):
    under_voltage_now: bool | None = None
    under_voltage_since_boot: bool | None = None
    throttled_now: bool | None = None
    throttled_since_boot: bool | None = None
    temperature_celsius: float | None = Field(None, ge=-100, le=300)
    fs_errors: int | None = Field(None, ge=0)  # ext4's errors_count, all filesystems
    fs_read_only: bool | None = None  # the state directory's filesystem went read-only
    disk_free_bytes: int | None = Field(None, ge=0)  # of the state directory's filesystem
    disk_total_bytes: int | None = Field(None, ge=0)
    # "ok", "paper_low", "absent" (no printer configured), or the error code of a printer
    # that cannot print (PRINTER_PAPER_OUT, PRINTER_COVER_OPEN, PRINTER_FAULT, PRINTER_GONE)
    printer: Annotated[str, StringConstraints(max_length=32, pattern=r"^[A-Za-z_]+$")] \
        | None = None
    frontpanel_present: bool | None = None  # None: no front panel configured

    def problems(self) -> list[HealthProblem]:
        found = []
        if self.under_voltage_now or self.under_voltage_since_boot:
            found.append(HealthProblem.UNDER_VOLTAGE)
        if self.throttled_now or self.throttled_since_boot:
            found.append(HealthProblem.THROTTLED)
        if self.fs_errors or self.fs_read_only:
            found.append(HealthProblem.FS_ERRORS)
        if self.temperature_celsius is not None and self.temperature_celsius >= HOT_CELSIUS:
            found.append(HealthProblem.HOT)
        if self.disk_low():
            found.append(HealthProblem.LOW_DISK)
        if self.printer == PRINTER_PAPER_LOW:
            found.append(HealthProblem.PAPER_LOW)
        elif self.printer not in (None, PRINTER_OK, PRINTER_ABSENT):
            found.append(HealthProblem.PRINTER)
        if self.frontpanel_present is False:
            found.append(HealthProblem.FRONTPANEL)
        return found

    def disk_low(self) -> bool:
        free, total = self.disk_free_bytes, self.disk_total_bytes
        if free is None:
            return False
        return free < LOW_DISK_BYTES or (bool(total) and free < LOW_DISK_FRACTION * (total or 1))


Heartbeat.model_rebuild()
