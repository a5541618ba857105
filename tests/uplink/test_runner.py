"""The kiosk's :class:`Uplink` against the real back-office (nginx, mutual TLS, the
application's workers, SQLite and PostgreSQL): what the journeys record arrives, heartbeats
land on the kiosk's row, commands reach the app and are acknowledged, level 3 is judged
there, the certificate renews itself, and a revoked kiosk is cut off without losing events."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from sqlalchemy import select

from kiosk.backoffice.models import Certificate, Command, Kiosk, Verification
from kiosk.config import Uplink as UplinkSettings
from kiosk.journeys.ports import CardProof
from kiosk.sim import pki as sim_pki
from kiosk.uplink.runner import KioskSnapshot, Uplink
from kiosk.uplink.schemas import Command as WireCommand
from kiosk.uplink.schemas import CommandKind, KioskState
from tests.backoffice.messages import kiosk_row, stored_events
from tests.backoffice.stack import Stack
from tests.uplink.home import FAST_UPLINK, KioskHome

pytestmark = pytest.mark.slow  # a real back-office per database kind

WAIT_SECONDS = 60
T = TypeVar("T")


def eventually(probe: Callable[[], T | None], what: str) -> T:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        found = probe()
        if found:
            return found
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.1)


@contextmanager
def running(home: KioskHome, on_command: Callable[[WireCommand], None] = lambda c: None,
            **settings: Any) -> Iterator[Uplink]:
    uplink = Uplink(UplinkSettings(**{**FAST_UPLINK, **settings}), home.state,
                    snapshot=lambda: KioskSnapshot(KioskState.IN_JOURNEY, "verify_pin", True),
                    on_command=on_command, versions={"kiosk": "test"})
    uplink.start()
    try:
        yield uplink
    finally:
        uplink.close()


def test_recorded_events_and_heartbeats_arrive(enrolled: Callable[..., KioskHome],
                                               backoffice_stack: Stack) -> None:
    home = enrolled()
    with running(home) as uplink:
        for n in range(45):
            uplink.record("journey.outcome", {"code": "PIN_OK", "n": n, "online": True})
        eventually(lambda: len(stored_events(backoffice_stack, home.name)) == 45,
                   "45 events stored")
        eventually(lambda: kiosk_row(backoffice_stack, home.name).state == "in-journey",
                   "a heartbeat")
        eventually(lambda: uplink.outbox.depth() == 0, "the outbox emptied")
        status = uplink.status()
    stored = stored_events(backoffice_stack, home.name)
    assert [row.data["n"] for row in stored] == list(range(45))
    assert [row.seq for row in stored] == list(range(1, 46))
    row = kiosk_row(backoffice_stack, home.name)
    assert row.last_heartbeat is not None and row.last_heartbeat["journey"] == "verify_pin"
    assert row.last_heartbeat["versions"] == {"kiosk": "test"}
    assert status["enrolled"] is True and status["last_contact"] is not None
    assert status["last_error"] is None and status["outbox_depth"] == 0
    after = home.kiosk("uplink", "status")  # another process reads what the runner left
    assert after["last_contact"] is not None and after["outbox_depth"] == 0


def test_commands_reach_the_app_and_are_acknowledged(enrolled: Callable[..., KioskHome],
                                                     backoffice_stack: Stack) -> None:
    home = enrolled()
    received: queue.Queue[WireCommand] = queue.Queue()

    def refuse_notices(command: WireCommand) -> None:
        received.put(command)
        if command.kind is CommandKind.NOTICE:
            raise RuntimeError("no screen for notices")

    with running(home, on_command=refuse_notices):
        lock = backoffice_stack.issue(home.name, CommandKind.LOCK, "Fuori servizio, scusate")
        first = received.get(timeout=WAIT_SECONDS)
        notice = backoffice_stack.issue(home.name, CommandKind.NOTICE, "Chiude alle 12")
        second = received.get(timeout=WAIT_SECONDS)

        def acked() -> list[Command] | None:
            with backoffice_stack.session() as session:
                rows = list(session.scalars(select(Command).where(
                    Command.id.in_([lock, notice]), Command.acked_at.is_not(None))
                    .order_by(Command.id)))
            return rows if len(rows) == 2 else None

        rows = eventually(acked, "both commands acknowledged")
    assert (first.id, first.kind, first.message) == (lock, CommandKind.LOCK,
                                                     "Fuori servizio, scusate")
    assert second.id == notice
    assert [(r.ack_ok, r.ack_detail) for r in rows] == [(True, None), (False, "RuntimeError")]
    assert received.empty()  # each ran once


def card(stack: Stack) -> tuple[rsa.RSAPrivateKey, bytes]:
    key = rsa.generate_private_key(65537, 2048)
    certificate = sim_pki.issue_auth_certificate(stack.card_pki, key.public_key(), {
        "codice_fiscale": "RSSMRA80A01H501U", "surname": "ROSSI", "given_name": "MARIO"})
    return key, certificate.public_bytes(serialization.Encoding.DER)


def test_level_three_is_judged_by_the_back_office(enrolled: Callable[..., KioskHome],
                                                  backoffice_stack: Stack) -> None:
    home = enrolled()
    key, certificate = card(backoffice_stack)
    with running(home) as uplink:
        nonce = uplink.nonce()
        assert nonce is not None and len(nonce.value) == 32
        signature = key.sign(nonce.value, padding.PKCS1v15(), hashes.SHA256())
        proof = CardProof(certificate=certificate, signature=signature,
                          card_serial="CA00000AA", nis="123456789012")
        verdict = uplink.verify(nonce, proof)
        forged = uplink.nonce()
        assert forged is not None
        wrong = uplink.verify(forged, CardProof(certificate, signature, "CA00000AA", "1"))
        spent = uplink.verify(nonce, proof)  # a nonce is good once: the answer is "offline"
    assert verdict is not None and verdict.works and verdict.certificate == "valid"
    assert verdict.signature_valid and verdict.revocation == "good"
    assert wrong is not None and not wrong.works and not wrong.signature_valid
    assert spent is None
    with backoffice_stack.session() as session:
        row = session.get(Verification, verdict.verification_id)
        assert row is not None and row.works and row.codice_fiscale is None


def test_the_certificate_renews_itself_before_it_expires(enrolled: Callable[..., KioskHome],
                                                         backoffice_stack: Stack) -> None:
    home = enrolled()
    cert_file = home.uplink_dir / "cert.pem"
    before = x509.load_pem_x509_certificate(cert_file.read_bytes())
    # Certificates last 7 days: with 30 days' notice, renewal is due at once.
    with running(home, renew_before_days=30.0) as uplink:

        def new_certificate() -> x509.Certificate | None:
            current = x509.load_pem_x509_certificate(cert_file.read_bytes())
            return current if current.serial_number != before.serial_number else None

        renewed = eventually(new_certificate, "a new certificate")
        uplink.record("journey.started", {"journey": "test-pin"})
        eventually(lambda: len(stored_events(backoffice_stack, home.name)) == 1,
                   "an event sent with the new certificate")
    assert renewed.public_key() == before.public_key()  # the same key: it never left
    with backoffice_stack.session() as session:
        serials = set(session.scalars(select(Certificate.serial).join(Kiosk).where(
            Kiosk.name == home.name)))
    assert format(renewed.serial_number, "x") in serials


def test_a_revoked_kiosk_is_cut_off_and_keeps_its_events(enrolled: Callable[..., KioskHome],
                                                         backoffice_stack: Stack) -> None:
    home = enrolled()
    with running(home) as uplink:
        uplink.record("journey.started", {"journey": "test-pin"})
        eventually(lambda: len(stored_events(backoffice_stack, home.name)) == 1, "sent")
        backoffice_stack.revoke(home.name)
        eventually(lambda: uplink.nonce() is None, "refused")
        uplink.record("journey.outcome", {"code": "PIN_OK"})
        eventually(lambda: uplink.status()["last_error"], "the refusal in the status")
        status = uplink.status()
    assert status["outbox_depth"] == 1  # kept, in case the kiosk is re-enrolled
    assert len(stored_events(backoffice_stack, home.name)) == 1
