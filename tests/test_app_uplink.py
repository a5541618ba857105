"""The kiosk and its back-office together, as ``scripts/dev.sh demo`` runs them: ``kiosk run``'s
:class:`~kiosk.app.Kiosk` on the sim profile, enrolled with ``kiosk enroll`` into a real
back-office (nginx, mutual TLS, the application, SQLite or PostgreSQL).

A citizen tests the PIN: the back-office issues the nonce the card signs and gives the verdict
the screen shows; the journey's audit events and the heartbeat reach the database; a clerk's
lock reaches the screen and is acknowledged. After every journey that handles a secret, no
form of the PIN, the PUK or the new PIN is in a request the kiosk sent, a log line, a file of
the kiosk (outbox included) or of the back-office, or a row of its database.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from kiosk import config
from kiosk.app import Kiosk
from kiosk.backoffice.models import Base, Command, Event, Verification
from kiosk.backoffice.models import Kiosk as KioskRow
from kiosk.hardware.audio import RecordingSpeaker
from kiosk.journeys import (
    CallClerk,
    Cancel,
    Choice,
    Chosen,
    CloseHelp,
    Confirmed,
    Desk,
    DigitTyped,
    Language,
    LanguageChosen,
    Screen,
)
from kiosk.sim import issuing, pki
from kiosk.uplink.schemas import CommandKind
from tests.backoffice.conftest import postgres  # noqa: F401 - registers the fixture
from tests.backoffice.stack import Stack, backoffice_stack  # noqa: F401
from tests.conftest import TEST_NEW_PIN, TEST_PIN, TEST_PUK, run_kiosk
from tests.secret_scan import findings, forms

PIN, PUK = TEST_PIN, TEST_PUK
SECRETS = [TEST_PIN, TEST_PUK, TEST_NEW_PIN]


@dataclass
class Online:
    kiosk: Kiosk
    name: str
    stack: Stack
    state: Path


def kiosk_config(state: Path, anchors: Path, uplink: str = "l3_timeout_seconds = 10.0") -> str:
    """The sim profile with a back-office link; ``uplink``: more lines of its section."""
    return f"""profile = "sim"
[profiles.sim]
reader = "sim:card.json"
state_dir = "{state}"
display = {{ mode = "headless", size = [800, 480] }}
certificates = {{ anchors = ["{anchors}"] }}
[profiles.sim.uplink]
heartbeat_seconds = 1.0
backoff_max_seconds = 1.0
{uplink}
"""


def enroll_kiosk(state: Path, stack: Stack) -> tuple[Path, str]:
    """A sim-profile kiosk in ``state`` with the demo card, enrolled by ``kiosk enroll``
    into ``stack``: its configuration file and its name."""
    card_pki = stack.directory / "level3" / "pki"
    issuing.write_card(state / "card.json", card_pki, pin=PIN, puk=PUK)
    source = state / "kiosk.toml"
    source.write_text(kiosk_config(state, card_pki / pki.AUTH_CA_FILE))
    name, token = stack.add_kiosk()
    enrolled = run_kiosk("enroll", "--url", stack.enroll_url, "--config", str(source),
                         "--json", stdin=token + "\n")
    assert json.loads(enrolled.stdout).get("enrolled") is True, enrolled.stderr
    return source, name


@pytest.fixture
def online(tmp_path: Path, backoffice_stack: Stack) -> Iterator[Online]:  # noqa: F811
    stack = backoffice_stack
    source, name = enroll_kiosk(tmp_path, stack)
    kiosk = Kiosk(config.load(source), speaker=RecordingSpeaker())
    kiosk.start()
    try:
        yield Online(kiosk, name, stack, tmp_path)
    finally:
        kiosk.stop()


def pump_until(kiosk: Kiosk, done: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"stuck at {kiosk.session.view.screen}"
        kiosk.pump(0.05)


def wait_for(check: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the back-office never saw it"
        time.sleep(0.1)


def kinds_received(stack: Stack, kiosk: str) -> list[str]:
    with stack.session() as session:
        return list(session.scalars(
            select(Event.kind).join(KioskRow, Event.kiosk_id == KioskRow.id)
            .where(KioskRow.name == kiosk).order_by(Event.id)))


def open_journey(online: Online, choice: Choice) -> None:
    """From the attract screen (or the menu), in English, to the journey ``choice``."""
    kiosk, session = online.kiosk, online.kiosk.session
    if session.view.screen is Screen.ATTRACT:
        session.handle(Chosen(Choice.START))
        session.handle(LanguageChosen(Language.EN))
    assert session.view.screen is Screen.MENU
    session.handle(Chosen(choice))
    if not session.card_present:
        kiosk.toggle_sim_card()


def type_digits(online: Online, digits: str, at: Screen) -> None:
    kiosk, session = online.kiosk, online.kiosk.session
    pump_until(kiosk, lambda: session.view.screen is at)
    for digit in digits.encode():
        session.handle(DigitTyped(digit))
    session.handle(Confirmed())


def choose(online: Online, at: Screen, choice: Choice) -> None:
    kiosk, session = online.kiosk, online.kiosk.session
    pump_until(kiosk, lambda: session.view.screen is at)
    session.handle(Chosen(choice))


def database_text(stack: Stack) -> bytes:
    """Every row of every table, as text: what a leak would have to hide from."""
    rows = []
    with stack.session() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(text(f"SELECT * FROM {table.name}")):
                rows.append(repr(tuple(row)))
    return "\n".join(rows).encode()


@pytest.mark.slow
def test_a_citizen_tests_the_pin_and_the_back_office_judges_and_records_it(
        online: Online) -> None:
    kiosk, session, stack = online.kiosk, online.kiosk.session, online.stack
    session.handle(Chosen(Choice.START))
    session.handle(LanguageChosen(Language.EN))
    session.handle(Chosen(Choice.TEST_PIN))
    kiosk.toggle_sim_card()
    pump_until(kiosk, lambda: session.view.screen is Screen.ENTER_PIN)
    for digit in PIN.encode():
        session.handle(DigitTyped(digit))
    session.handle(Confirmed())
    pump_until(kiosk, lambda: session.view.screen is Screen.PIN_WORKS)
    facts = dict(session.view.facts)
    assert facts["checked_by"] == "identity.checked.back_office"
    assert facts["works_for_entra_con_cie"] is True
    with stack.session() as db:
        verdicts = db.scalars(select(Verification).join(KioskRow).where(
            KioskRow.name == online.name)).all()
    assert [(v.works, v.signature_valid) for v in verdicts] == [(True, True)]

    session.handle(Chosen(Choice.DONE))
    pump_until(kiosk, lambda: session.view.screen is Screen.ATTRACT)
    expected = ["session.started", "journey.started", "journey.outcome", "journey.ended",
                "session.ended"]
    wait_for(lambda: kinds_received(stack, online.name) == expected)

    def reported_idle() -> bool:
        with stack.session() as db:
            row = db.scalars(select(KioskRow).where(KioskRow.name == online.name)).one()
        return row.last_seen_at is not None and row.state == "idle"

    wait_for(reported_idle)  # the next heartbeat after the session's end

    pin_forms = forms(PIN)
    assert findings(online.state, [PIN]) == []  # the outbox, the key, the log: every file
    assert (online.state / "uplink" / "outbox.db").exists()
    rows = database_text(stack)
    assert b"journey.outcome" in rows and not any(form in rows for form in pin_forms)
    if stack.config.database_url.startswith("sqlite"):
        assert findings(stack.config.state_path, [PIN]) == []  # the file, WAL included


@pytest.mark.slow
def test_a_clerk_locks_the_kiosk_and_unlocks_it(online: Online) -> None:
    kiosk, session, stack = online.kiosk, online.kiosk.session, online.stack
    done = stack.cli("command", online.name, "lock", "--message", "Torno alle 14")
    assert done.returncode == 0, done.stderr
    pump_until(kiosk, lambda: session.view.screen is Screen.OUT_OF_ORDER)
    assert "Torno alle 14" in str(dict(session.view.facts).values())

    def acked(kind: CommandKind) -> bool:
        with stack.session() as db:
            commands = db.scalars(select(Command).join(KioskRow).where(
                KioskRow.name == online.name, Command.kind == kind.value)).all()
        return len(commands) == 1 and commands[0].acked_at is not None

    wait_for(lambda: acked(CommandKind.LOCK))
    wait_for(lambda: kinds_received(stack, online.name)[-1:] == ["kiosk.locked"])
    stack.issue(online.name, CommandKind.UNLOCK)
    pump_until(kiosk, lambda: session.view.screen is Screen.ATTRACT)
    wait_for(lambda: acked(CommandKind.UNLOCK))


def record_requests(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every request the kiosk's uplink sends from now on (path and body), the real request
    seen on its way out; for the secret scans."""
    sent: list[bytes] = []
    send = httpx.Client.send

    def recording(client: httpx.Client, request: httpx.Request, **options: Any) -> httpx.Response:
        sent.append(request.url.raw_path + b"\n" + request.content)
        return send(client, request, **options)

    monkeypatch.setattr(httpx.Client, "send", recording)
    return sent


@pytest.mark.slow
def test_no_secret_in_a_request_a_log_a_file_or_a_row_after_every_journey(
        online: Online, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    sent = record_requests(monkeypatch)
    caplog.set_level(logging.DEBUG)
    kiosk, session, stack = online.kiosk, online.kiosk.session, online.stack

    open_journey(online, Choice.TEST_PIN)  # a wrong PIN: the PUK's digits
    type_digits(online, PUK, Screen.ENTER_PIN)
    pump_until(kiosk, lambda: session.view.screen is Screen.WRONG_PIN)
    session.handle(Cancel())  # "Torna al menu"
    open_journey(online, Choice.TEST_PIN)  # the right one, checked by the back-office
    type_digits(online, PIN, Screen.ENTER_PIN)
    choose(online, Screen.PIN_WORKS, Choice.DONE)
    open_journey(online, Choice.CHANGE_PIN)
    type_digits(online, PIN, Screen.ENTER_OLD_PIN)
    choose(online, Screen.NEW_PIN_RULES, Choice.CONTINUE)
    type_digits(online, TEST_NEW_PIN, Screen.ENTER_NEW_PIN)
    type_digits(online, TEST_NEW_PIN, Screen.REPEAT_NEW_PIN)
    choose(online, Screen.PIN_CHANGED, Choice.DONE)
    open_journey(online, Choice.UNBLOCK_PIN)  # back to the first PIN with the PUK
    choose(online, Screen.PUK_TRIES, Choice.CONTINUE)
    type_digits(online, PUK, Screen.ENTER_PUK)
    choose(online, Screen.NEW_PIN_RULES, Choice.CONTINUE)
    type_digits(online, PIN, Screen.ENTER_NEW_PIN)
    type_digits(online, PIN, Screen.REPEAT_NEW_PIN)
    choose(online, Screen.PIN_UNBLOCKED, Choice.DONE)
    pump_until(kiosk, lambda: session.view.screen is Screen.ATTRACT)

    outcomes = ["WRONG_PIN", "PIN_WORKS", "PIN_CHANGED", "PIN_UNBLOCKED"]

    def all_arrived() -> bool:
        with stack.session() as db:
            data = db.scalars(select(Event.data).join(KioskRow).where(
                KioskRow.name == online.name, Event.kind == "journey.outcome")).all()
        return [row["outcome"] for row in data] == outcomes

    wait_for(all_arrived)
    requests = b"\n".join(sent)
    assert b"/api/v1/l3/verify" in requests and b"/api/v1/events" in requests
    logged = "\n".join(record.getMessage() for record in caplog.records).encode()
    rows = database_text(stack)
    for secret in SECRETS:
        for form in forms(secret):
            assert form not in requests, f"{form!r} in a request"
            assert form not in logged, f"{form!r} in a log line"
            assert form not in rows, f"{form!r} in the back-office's database"
    assert findings(online.state, SECRETS) == []
    assert findings(stack.directory, SECRETS) == []  # SQLite, its WAL, nginx's and serve's logs


@pytest.mark.slow
def test_a_citizen_calls_a_clerk_and_the_back_office_hears_it(online: Online) -> None:
    """With the link up the overlay says a clerk is coming; the call and its end reach the
    back-office as audit events naming the journey and the screen, nothing else."""
    kiosk, session, stack = online.kiosk, online.kiosk.session, online.stack
    # A second heartbeat in the database: the first one's answer reached the kiosk, so its
    # uplink has made contact (one sender thread sends them one after the other).
    wait_for(lambda: last_seen(online) is not None)
    first = last_seen(online)
    wait_for(lambda: last_seen(online) != first)
    open_journey(online, Choice.TEST_PIN)
    pump_until(kiosk, lambda: session.view.screen is Screen.ENTER_PIN)
    session.handle(CallClerk())
    assert session.view.help is not None and session.view.help.desk is Desk.CALLED
    session.handle(CloseHelp())
    assert session.view.help is None and session.view.screen is Screen.ENTER_PIN

    def calls() -> list[tuple[str, dict[str, Any]]]:
        with stack.session() as db:
            rows = db.execute(select(Event.kind, Event.data).join(
                KioskRow, Event.kiosk_id == KioskRow.id).where(
                KioskRow.name == online.name, Event.kind.like("help.%")).order_by(Event.id))
            return [(kind, dict(data)) for kind, data in rows]

    where = {"journey": "test-pin", "step": "pin.enter"}
    wait_for(lambda: calls() == [("help.requested", where), ("help.ended", where)])


def last_seen(online: Online) -> Any:
    with online.stack.session() as db:
        row = db.scalars(select(KioskRow).where(KioskRow.name == online.name)).one()
    return row.last_seen_at
