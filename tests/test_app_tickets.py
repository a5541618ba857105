"""The hand-off tickets end to end: ``kiosk run``'s :class:`~kiosk.app.Kiosk` on the virtual
card, enrolled into a real back-office (nginx, mutual TLS, the application, SQLite or
PostgreSQL). A citizen who lost PIN and PUK lays the card, types its CAN, sees what the chip
says, chooses the e-mail for the second half and gets a ticket number; the ticket travels
through the outbox to ``POST /api/v1/tickets`` and lands as one row with the chip's photo (and
its browser copy) and the verdicts of passive and chip authentication. With the back-office
down the number is shown all the same, the screen says the desk will see it when the link is
back, and the ticket arrives, once, when it is. The CAN is in no request, log line, file or
row.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from kiosk import config
from kiosk.app import Kiosk
from kiosk.backoffice.models import Kiosk as KioskRow
from kiosk.backoffice.models import Ticket as TicketRow
from kiosk.hardware.audio import RecordingSpeaker
from kiosk.journeys import Choice, Chosen, Confirmed, DigitTyped, Language, LanguageChosen, Screen
from kiosk.journeys.events import CharacterTyped
from kiosk.sim import issuing
from kiosk.uplink.outbox import Outbox
from tests.backoffice.conftest import postgres  # noqa: F401 - registers the fixture
from tests.backoffice.stack import Stack, backoffice_stack, prepare_stack  # noqa: F401
from tests.conftest import TEST_PIN, TEST_PUK, run_kiosk
from tests.secret_scan import findings, forms
from tests.test_app_uplink import (
    Online,
    database_text,
    kiosk_config,
    pump_until,
    record_requests,
    wait_for,
)

CAN = "582917"
EMAIL = "mario.rossi@comune.example.it"



def start_kiosk(tmp_path: Path, stack: Stack, name: str | None = None, *,
                profile: str = "") -> Online:
    """A kiosk enrolled with ``kiosk enroll`` into ``stack`` (as ``name``, or a name of the
    stack's making), started, with the card that has :data:`CAN` not yet on the reader; its
    anchors are the card PKI's folder (the CIE authentication CA and the CSCA). ``profile``:
    more TOML, after the uplink's section (a printer, the site)."""
    card_pki = stack.directory / "level3" / "pki"
    issuing.write_card(tmp_path / "card.json", card_pki, pin=TEST_PIN, puk=TEST_PUK, can=CAN)
    source = tmp_path / "kiosk.toml"
    source.write_text(kiosk_config(tmp_path, card_pki, 'ticket_prefix = "ATRIO1"\n' + profile))
    name, token = stack.add_kiosk(name)
    enrolled = run_kiosk("enroll", "--url", stack.enroll_url, "--config", str(source),
                         "--json", stdin=token + "\n")
    assert json.loads(enrolled.stdout).get("enrolled") is True, enrolled.stderr
    kiosk = Kiosk(config.load(source), speaker=RecordingSpeaker())
    kiosk.start()
    return Online(kiosk, name, stack, tmp_path)


@pytest.fixture
def online(tmp_path: Path, backoffice_stack: Stack) -> Iterator[Online]:  # noqa: F811
    started = start_kiosk(tmp_path, backoffice_stack)
    try:
        yield started
    finally:
        started.kiosk.stop()


@pytest.fixture
def private_stack() -> Iterator[Stack]:
    """A back-office of this test's own (SQLite), which it may stop and start again."""
    stack = prepare_stack()
    try:
        stack.start()
        yield stack
    finally:
        stack.close()


def ask_for_a_reprint(online: Online, language: Language = Language.EN) -> dict[str, Any]:
    """The citizen's whole journey, in English (or ``language``), to the ticket's screen;
    its facts."""
    kiosk, session = online.kiosk, online.kiosk.session
    session.handle(Chosen(Choice.START))
    session.handle(LanguageChosen(language))
    for choice in (Choice.LOST_CODES, Choice.LOST_BOTH, Choice.GO_TO_COUNTER,
                   Choice.REQUEST_REPRINT, Choice.CONTINUE):
        session.handle(Chosen(choice))
    assert session.view.screen is Screen.LAY_CARD
    kiosk.toggle_sim_card()
    pump_until(kiosk, lambda: session.view.screen is Screen.ENTER_CAN)
    for digit in CAN.encode():
        session.handle(DigitTyped(digit))
    session.handle(Confirmed())
    pump_until(kiosk, lambda: session.view.screen is Screen.HANDOFF_IDENTITY)
    assert session.view.photo is not None
    session.handle(Chosen(Choice.CONTINUE))
    session.handle(Chosen(Choice.DELIVERY_EMAIL))
    for character in EMAIL:
        session.handle(CharacterTyped(character))
    session.handle(Confirmed())
    pump_until(kiosk, lambda: session.view.screen is Screen.TICKET_FILED)
    return dict(session.view.facts)


def tickets_of(stack: Stack, kiosk: str) -> list[TicketRow]:
    with stack.session() as db:
        return list(db.scalars(select(TicketRow).join(KioskRow, TicketRow.kiosk_id == KioskRow.id)
                               .where(KioskRow.name == kiosk)))


def outbox_tickets(online: Online) -> int:
    outbox = Outbox(online.state / "uplink" / "outbox.db", 100)
    try:
        return len(outbox.tickets(100))
    finally:
        outbox.close()


def assert_the_desk_has_it(row: TicketRow, number: str) -> None:
    assert (row.number, row.kind, row.delivery, row.status) == (
        number, "reprint", "counter_and_email", "open")
    assert row.email == EMAIL and row.identity_source == "chip"
    assert (row.passive_auth, row.chip_auth) == ("trusted", "passed")
    assert set(row.data_groups.values()) == {"match"}
    assert row.given_name and row.surname and row.codice_fiscale and row.document_number
    assert row.photo is not None and row.photo_format == "jp2"
    assert row.photo[:12] == bytes.fromhex("0000000C6A5020200D0A870A")  # as the chip gave it
    assert row.photo_browser is not None and row.photo_browser_type == "image/jpeg"
    with Image.open(io.BytesIO(row.photo_browser)) as shown:
        assert shown.format == "JPEG" and shown.width > 0


@pytest.mark.slow
def test_a_reprint_travels_from_the_card_to_the_desk_and_the_can_goes_nowhere(
        online: Online, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    sent = record_requests(monkeypatch)
    caplog.set_level(logging.DEBUG)
    uplink = online.kiosk.uplink
    assert uplink is not None
    wait_for(uplink.online)
    facts = ask_for_a_reprint(online)
    assert facts["ticket_number"] == "ATRIO1-001"
    assert facts["desk"] == "handoff.desk.sees_it"
    wait_for(lambda: len(tickets_of(online.stack, online.name)) == 1)
    (row,) = tickets_of(online.stack, online.name)
    assert_the_desk_has_it(row, "ATRIO1-001")
    wait_for(lambda: outbox_tickets(online) == 0)  # deleted once acknowledged

    requests = b"\n".join(sent)
    assert b"/api/v1/tickets" in requests
    logged = "\n".join(record.getMessage() for record in caplog.records).encode()
    rows = database_text(online.stack)
    for form in forms(CAN):
        assert form not in requests, f"{form!r} in a request"
        assert form not in logged, f"{form!r} in a log line"
        assert form not in rows, f"{form!r} in the back-office's database"
    assert findings(online.state, [CAN]) == []  # the outbox, the log, every file
    assert findings(online.stack.directory, [CAN]) == []


@pytest.mark.slow
def test_with_the_back_office_down_the_ticket_waits_and_arrives_once(
        tmp_path: Path, private_stack: Stack) -> None:
    online = start_kiosk(tmp_path, private_stack)
    try:
        uplink = online.kiosk.uplink
        assert uplink is not None
        wait_for(uplink.online)
        private_stack.stop()
        wait_for(lambda: not uplink.online())  # the next heartbeat failed
        facts = ask_for_a_reprint(online)
        assert facts["ticket_number"] == "ATRIO1-001"
        assert facts["desk"] == "handoff.desk.when_link_back"
        online.kiosk.session.handle(Chosen(Choice.DONE))
        for _ in range(20):  # a while offline: the sender keeps trying, and keeps it
            online.kiosk.pump(0.1)
        assert outbox_tickets(online) == 1
        assert tickets_of(private_stack, online.name) == []
        private_stack.start()
        wait_for(lambda: outbox_tickets(online) == 0)
        (row,) = tickets_of(private_stack, online.name)
        assert_the_desk_has_it(row, "ATRIO1-001")
    finally:
        online.kiosk.stop()
    assert findings(online.state, [CAN]) == []
    assert findings(private_stack.directory, [CAN]) == []  # the database, its WAL, the logs
