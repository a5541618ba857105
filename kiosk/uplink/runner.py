"""The uplink at work inside the kiosk process: the journeys' ports on one side, the
back-office on the other, and never the citizen's screen waiting in between.

:meth:`Uplink.record` (the :class:`~kiosk.journeys.ports.EventSink`) only commits to the outbox
and wakes the sender. :meth:`Uplink.nonce` and :meth:`Uplink.verify` (the
:class:`~kiosk.journeys.ports.Level3Checker`) are the only calls that wait on the network, from
the card worker's thread, bounded by ``l3_timeout_seconds``, and answer None on any failure so
the journey falls back to the kiosk's own check. :meth:`Uplink.link` and :meth:`Uplink.redeem`
(the :class:`~kiosk.journeys.ports.PhoneLogin` of "continue with smartphone") wait the same
way, on the same connection, and answer the back-office's refusal code, or
``UPLINK_UNREACHABLE``, so the journey can say what to do. :meth:`Uplink.file` (the
:class:`~kiosk.journeys.ports.TicketDesk`) commits a hand-off ticket to the outbox and gives
its number at once, online or not.

Two threads do the rest, each with its own keep-alive connection:

- the *sender* drains the outbox (tickets first, one a request: each carries a photo; then
  events in batches), sends a heartbeat every ``heartbeat_seconds`` and
  renews the certificate when it is within ``renew_before_days`` of expiry; one connection and
  one backoff for all three, as they fail together when the back-office is away;
- the *command poller* long-polls ``/commands``, hands each command to the app's callback and
  acknowledges it. A command whose acknowledgement was lost comes again; it is acknowledged
  without running twice in this process.

A kiosk that is not enrolled yet queues its events and looks for an enrollment now and then,
so ``kiosk enroll`` takes effect without a restart.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from kiosk.config import Uplink as UplinkSettings
from kiosk.durable import write_atomically
from kiosk.errors import KioskError
from kiosk.journeys.ports import (
    CardProof,
    EventValue,
    FiledTicket,
    HandOff,
    Nonce,
    PhoneIdentity,
    PhoneLink,
    PhoneRefused,
    RemoteVerdict,
)
from kiosk.uplink import enroll
from kiosk.uplink.backoff import Backoff
from kiosk.uplink.client import UplinkClient, UplinkError
from kiosk.uplink.credentials import CredentialsError, Identity, Store
from kiosk.uplink.outbox import Outbox, OutboxError, OutboxStatus
from kiosk.uplink.schemas import (
    Command,
    CommandAck,
    EventBatch,
    HealthReport,
    Heartbeat,
    KioskState,
    L3Proof,
    PhoneRedeem,
    Ticket,
)
from kiosk.uplink.tickets import ticket_maker

log = logging.getLogger(__name__)

LONG_POLL_SECONDS = 25
ENROLLMENT_LOOK_SECONDS = 10.0
RENEWAL_RETRY_SECONDS = 600.0
STOP_SECONDS = 2.0
OUTBOX_FILE = "outbox.db"
# The back-office's answers that refuse a ticket itself (not the kiosk, not the moment).
_TICKET_REFUSALS = frozenset({"BODY_INVALID", "BODY_MALFORMED", "BODY_TOO_LARGE"})
CONTACT_FILE = "contact.json"
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class KioskSnapshot:
    """What the heartbeat says about the kiosk, from the app: never personal data."""

    state: KioskState
    journey: str | None = None
    reader_present: bool = False
    health: HealthReport | None = None


def uplink_directory(state_dir: Path) -> Path:
    return state_dir / "uplink"


class Uplink:
    """The kiosk's uplink. ``snapshot`` and ``on_command`` are called from the uplink's own
    threads: they must be quick and thread-safe (the app posts to its UI queue)."""

    def __init__(self, settings: UplinkSettings, state_dir: Path, *,
                 snapshot: Callable[[], KioskSnapshot],
                 on_command: Callable[[Command], None],
                 versions: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self.store = Store(uplink_directory(state_dir))
        self.store.prepare()
        self.outbox = Outbox(self.store.directory / OUTBOX_FILE, settings.outbox_max_events)
        self._snapshot = snapshot
        self._on_command = on_command
        self._versions = dict(versions or {})
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._identity: Identity | None = None
        self._last_contact: datetime | None = None
        self._last_error: str | None = None
        self._l3_lock = threading.Lock()
        self._l3: tuple[Identity, UplinkClient] | None = None

    # -- the ports -------------------------------------------------------------------------

    def record(self, kind: str, data: Mapping[str, EventValue]) -> None:
        """Commit the event to the outbox; the sender takes it from there."""
        try:
            self.outbox.put(kind, data)
        except OutboxError as exc:
            # The journey must go on: an audit trail that cannot be written is an alarm for
            # the technician (in the log, and in the heartbeat's outbox figures), not a crash.
            log.error("event %s not recorded: %s", kind, exc, extra={"fields": {"code": exc.code}})
        self._wake.set()

    def file(self, hand_off: HandOff) -> FiledTicket | None:
        """Commit the ticket to the outbox (its number made here, so the screen shows it
        offline too); the sender takes it from there. None when the outbox cannot keep it."""
        try:
            ticket = self.outbox.put_ticket(ticket_maker(hand_off, self._ticket_prefix()))
        except OutboxError as exc:
            log.error("ticket not filed: %s", exc, extra={"fields": {"code": exc.code}})
            return None
        log.info("ticket %s filed (%s)", ticket.number, ticket.kind.value)
        self._wake.set()
        return FiledTicket(ticket.number, self.online())

    def _ticket_prefix(self) -> str:
        if self.settings.ticket_prefix is not None:
            return self.settings.ticket_prefix
        identity = self._current_identity()
        name = identity.kiosk if identity is not None else ""
        return "".join(c for c in name.upper() if c.isascii() and c.isalnum())[-8:] or "K"

    def online(self) -> bool:
        """In contact lately: the last exchange went through, within a few heartbeats."""
        with self._lock:
            contact, error = self._last_contact, self._last_error
        recent = max(3 * self.settings.heartbeat_seconds, 30.0)
        return error is None and contact is not None and (
            datetime.now(UTC) - contact).total_seconds() <= recent

    def nonce(self) -> Nonce | None:
        reply = self._l3_call(lambda client: client.nonce())
        if reply is None:
            return None
        return Nonce(id=reply.nonce_id, value=base64.b64decode(reply.nonce))

    def verify(self, nonce: Nonce, proof: CardProof) -> RemoteVerdict | None:
        request = L3Proof(nonce_id=nonce.id,
                          certificate=base64.b64encode(proof.certificate).decode(),
                          signature=base64.b64encode(proof.signature).decode(),
                          card_serial=proof.card_serial, nis=proof.nis)
        verdict = self._l3_call(lambda client: client.verify(request))
        if verdict is None:
            return None
        return RemoteVerdict(verification_id=verdict.verification_id, works=verdict.works,
                             certificate=verdict.certificate.value,
                             signature_valid=verdict.signature_valid,
                             revocation=verdict.revocation)

    def link(self) -> PhoneLink | PhoneRefused:
        reply = self._phone_call(lambda client: client.phone_link())
        if isinstance(reply, PhoneRefused):
            return reply
        return PhoneLink(login_id=reply.login_id, url=reply.url)

    def redeem(self, login_id: str, code: str) -> PhoneIdentity | PhoneRefused:
        request = PhoneRedeem(login_id=login_id, code=code)
        reply = self._phone_call(lambda client: client.phone_redeem(request))
        if isinstance(reply, PhoneRefused):
            return reply
        return PhoneIdentity(given_name=reply.given_name, family_name=reply.family_name,
                             fiscal_number=reply.fiscal_number, source=reply.identity_source)

    def _l3_call(self, call: Callable[[UplinkClient], R]) -> R | None:
        answer = self._quick(call)
        if isinstance(answer, UplinkError):
            log.warning("level-3 check offline: %s", answer,
                        extra={"fields": {"code": answer.code}})
            self._failed(answer)
            return None
        return answer

    def _phone_call(self, call: Callable[[UplinkClient], R]) -> R | PhoneRefused:
        """The answer, or the back-office's refusal code (an answer too: the link works),
        or ``UPLINK_UNREACHABLE``."""
        answer = self._quick(call)
        if isinstance(answer, UplinkError) and answer.code == "UPLINK_REFUSED" \
                and answer.server_code:
            log.info("smartphone login refused: %s", answer.server_code)
            self._contacted()
            return PhoneRefused(answer.server_code)
        if isinstance(answer, UplinkError):
            log.warning("smartphone login offline: %s", answer,
                        extra={"fields": {"code": answer.code}})
            self._failed(answer)
        if answer is None or isinstance(answer, UplinkError):
            return PhoneRefused("UPLINK_UNREACHABLE")
        return answer

    def _quick(self, call: Callable[[UplinkClient], R]) -> R | UplinkError | None:
        """One short call (level 3, the smartphone login) on the client kept for them,
        bounded by ``l3_timeout_seconds``; None when the kiosk is not enrolled."""
        with self._l3_lock:
            identity = self._current_identity()
            if identity is None:
                return None
            if self._l3 is None or self._l3[0] is not identity:
                if self._l3 is not None:
                    self._l3[1].close()
                self._l3 = (identity, UplinkClient(identity, self.settings.l3_timeout_seconds))
            try:
                answer = call(self._l3[1])
            except UplinkError as exc:
                return exc
        self._contacted()
        return answer

    # -- life cycle ------------------------------------------------------------------------

    def start(self) -> None:
        if not self.settings.enabled:
            log.info("uplink disabled in the configuration: events stay in the outbox")
            return
        for name, target in (("uplink-sender", self._send_loop),
                             ("uplink-commands", self._command_loop)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """Stop both threads, waiting at most ``timeout`` seconds in all. A request still in
        flight after that is abandoned to its daemon thread: that is safe, because an event
        batch is idempotent and a command is run only if the poller is not stopping, so one
        left unacknowledged is simply delivered again."""
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads = [thread for thread in self._threads if thread.is_alive()]
        with self._l3_lock:
            if self._l3 is not None:
                self._l3[1].close()
                self._l3 = None

    def close(self) -> None:
        self.stop()
        if not self._threads:  # else an abandoned sender may still hold it: the exit closes it
            self.outbox.close()

    def status(self) -> dict[str, Any]:
        with self._lock:
            contact, error = self._last_contact, self._last_error
        return describe(self.store, self.outbox.status(), contact, error)

    # -- shared state ----------------------------------------------------------------------

    def _current_identity(self) -> Identity | None:
        """The enrollment, re-read when the files changed hands (enrolled, renewed)."""
        with self._lock:
            if self._identity is None:
                try:
                    self._identity = self.store.load()
                except CredentialsError as exc:
                    self._last_error = exc.code
                    return None
            return self._identity

    def _renewed(self, identity: Identity) -> None:
        with self._lock:
            self._identity = identity

    def _contacted(self) -> None:
        with self._lock:
            changed = self._last_error is not None or self._last_contact is None or (
                (datetime.now(UTC) - self._last_contact).total_seconds()
                >= self.settings.heartbeat_seconds)
            self._last_contact = datetime.now(UTC)
            self._last_error = None
        if changed:
            self._save_contact()

    def _failed(self, exc: KioskError) -> None:
        code = exc.server_code if isinstance(exc, UplinkError) and exc.server_code else exc.code
        with self._lock:
            changed = self._last_error != code
            self._last_error = code
        if changed:
            self._save_contact()

    def _save_contact(self) -> None:
        """For ``kiosk uplink status``, which runs in another process."""
        with self._lock:
            contact = {"last_contact": self._last_contact.isoformat()
                       if self._last_contact else None, "last_error": self._last_error}
        try:
            write_atomically(self.store.directory / CONTACT_FILE, json.dumps(contact).encode())
        except OSError as exc:
            log.warning("cannot write %s: %s", CONTACT_FILE, exc)

    # -- the sender: events, heartbeats, renewal -------------------------------------------

    def _send_loop(self) -> None:
        backoff = Backoff(self.settings.backoff_max_seconds)
        client: tuple[Identity, UplinkClient] | None = None
        next_beat = next_renewal = 0.0
        try:
            while not self._stop.is_set():
                identity = self._current_identity()
                if identity is None:
                    self._stop.wait(ENROLLMENT_LOOK_SECONDS)
                    continue
                if identity.expired():
                    self._failed(CredentialsError("the kiosk's certificate has expired: "
                                                  "enroll again", code="CERT_EXPIRED"))
                    self._stop.wait(self.settings.backoff_max_seconds)
                    continue
                if client is None or client[0] is not identity:
                    if client is not None:
                        client[1].close()
                    client = (identity, UplinkClient(identity, self.settings.timeout_seconds))
                if (enroll.renewal_due(identity, self.settings.renew_before_days)
                        and time.monotonic() >= next_renewal):
                    next_renewal = time.monotonic() + RENEWAL_RETRY_SECONDS
                    if self._renew(identity, client[1]):
                        continue
                try:
                    if time.monotonic() >= next_beat:
                        client[1].heartbeat(self._heartbeat())
                        next_beat = time.monotonic() + self.settings.heartbeat_seconds
                    full = self._drain_once(client[1])
                except (UplinkError, CredentialsError, OutboxError) as exc:
                    log.warning("uplink: %s", exc, extra={"fields": {"code": exc.code}})
                    self._failed(exc)
                    self._stop.wait(backoff.failed())
                    continue
                backoff.succeeded()
                self._contacted()
                if not full:
                    self._wake.wait(max(0.0, next_beat - time.monotonic()))
                    self._wake.clear()
        finally:
            if client is not None:
                client[1].close()

    def _renew(self, identity: Identity, client: UplinkClient) -> bool:
        """Renew the certificate; a failure is logged and retried later, and events and
        heartbeats go on with the current certificate meanwhile."""
        try:
            renewed = enroll.renew(identity, client, self.store)
        except (UplinkError, CredentialsError) as exc:
            log.warning("certificate renewal failed: %s", exc, extra={"fields": {"code": exc.code}})
            return False
        self._renewed(renewed)
        log.info("certificate renewed, valid until %s", renewed.not_after.isoformat())
        return True

    def _drain_once(self, client: UplinkClient) -> bool:
        """Send the oldest ticket, else the oldest batch of events, and forget what the
        back-office acknowledged. True when more is waiting, so the next one goes at once."""
        tickets = self.outbox.tickets(1)
        if tickets:
            self._send_ticket(client, tickets[0])
            return True
        events = self.outbox.batch(self.settings.batch_size)
        if not events:
            return False
        ack = client.events(EventBatch(events=events))
        sent = {event.key for event in events}
        acked = [key for key in ack.acked if key in sent]
        if not acked:
            raise UplinkError("POST /events: the back-office acknowledged none of the batch",
                              code="UPLINK_PROTOCOL")
        self.outbox.delete(acked)
        return len(events) == self.settings.batch_size

    def _send_ticket(self, client: UplinkClient, ticket: Ticket) -> None:
        try:
            ack = client.ticket(ticket)
        except UplinkError as exc:
            if exc.code != "UPLINK_REFUSED" or exc.server_code not in _TICKET_REFUSALS:
                raise
            self.outbox.set_aside(ticket.key, exc.server_code)
            log.error("ticket %s refused by the back-office [%s]: set aside in the outbox",
                      ticket.number, exc.server_code, extra={"fields": {"code": "TICKET_REFUSED"}})
            return
        if ack.key != ticket.key:
            raise UplinkError("POST /tickets: the back-office acknowledged another ticket",
                              code="UPLINK_PROTOCOL")
        self.outbox.delete_ticket(ticket.key)
        log.info("ticket %s delivered", ticket.number)

    def _heartbeat(self) -> Heartbeat:
        kiosk = self._snapshot()
        outbox = self.outbox.status()
        return Heartbeat(state=kiosk.state, journey=kiosk.journey,
                         reader_present=kiosk.reader_present, versions=self._versions,
                         uptime_seconds=int(time.monotonic() - self._started),
                         outbox_depth=outbox.depth, outbox_alarm=outbox.alarm,
                         outbox_dropped=outbox.dropped, health=kiosk.health)

    # -- the command poller ----------------------------------------------------------------

    def _command_loop(self) -> None:
        backoff = Backoff(self.settings.backoff_max_seconds)
        client: tuple[Identity, UplinkClient] | None = None
        done: dict[int, CommandAck] = {}  # run here, acknowledgement not yet through
        try:
            while not self._stop.is_set():
                identity = self._current_identity()
                if identity is None or identity.expired():
                    self._stop.wait(ENROLLMENT_LOOK_SECONDS)
                    continue
                if client is None or client[0] is not identity:
                    if client is not None:
                        client[1].close()
                    client = (identity, UplinkClient(identity, self.settings.timeout_seconds))
                try:
                    for command in client[1].commands(LONG_POLL_SECONDS).commands:
                        if self._stop.is_set():
                            break
                        if command.id not in done:
                            done[command.id] = self._run(command)
                        client[1].ack(command.id, done.pop(command.id))
                except UplinkError as exc:
                    if not self._stop.is_set():
                        log.warning("uplink commands: %s", exc,
                                    extra={"fields": {"code": exc.code}})
                        self._failed(exc)
                        self._stop.wait(backoff.failed())
                    continue
                backoff.succeeded()
                self._contacted()
        finally:
            if client is not None:
                client[1].close()

    def _run(self, command: Command) -> CommandAck:
        log.info("command %d: %s", command.id, command.kind.value)
        try:
            self._on_command(command)
        except Exception as exc:  # noqa: BLE001 - the app's callback: report it, keep polling
            code = exc.code if isinstance(exc, KioskError) else type(exc).__name__
            log.error("command %d failed: %s", command.id, code)
            return CommandAck(ok=False, detail=code[:64])
        return CommandAck(ok=True)


def read_contact(directory: Path) -> tuple[datetime | None, str | None]:
    try:
        saved = json.loads((directory / CONTACT_FILE).read_text(encoding="utf-8"))
        contact = saved.get("last_contact")
        return (datetime.fromisoformat(contact) if contact else None, saved.get("last_error"))
    except (OSError, ValueError, AttributeError):
        return None, None


def describe(store: Store, outbox: OutboxStatus | None, last_contact: datetime | None,
             last_error: str | None) -> dict[str, Any]:
    """What ``kiosk uplink status`` prints and :meth:`Uplink.status` returns."""
    report: dict[str, Any] = {"enrolled": False, "kiosk": None, "api_url": None, "ca_pin": None,
                              "certificate_expires": None, "certificate_expired": None,
                              "problem": None}
    try:
        identity = store.load()
    except CredentialsError as exc:
        report["problem"] = exc.code
    else:
        report.update(enrolled=True, kiosk=identity.kiosk, api_url=identity.api_url,
                      ca_pin=identity.pin,
                      certificate_expires=identity.not_after.isoformat(),
                      certificate_expired=identity.expired())
    report["last_contact"] = last_contact.isoformat() if last_contact else None
    report["last_error"] = last_error
    report.update(outbox_depth=outbox.depth if outbox else 0,
                  outbox_dropped=outbox.dropped if outbox else 0,
                  outbox_alarm=outbox.alarm if outbox else False)
    return report
