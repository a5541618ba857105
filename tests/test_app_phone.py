""""Continue with smartphone", end to end: ``kiosk run``'s :class:`~kiosk.app.Kiosk` on the sim
profile, enrolled into a real back-office (nginx, mutual TLS) that relies on a real OpenID
provider (oidc-provider); the citizen's phone is a Chromium context that opens the kiosk's QR
URL through nginx's web listener, logs in on the provider's forms and reads the code, which
is typed on the kiosk's pad. Each refusal ends on a screen that says what to do, with its
code; the back-office and the kiosk keep no code or token in clear.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select, update

from kiosk import config
from kiosk.app import Kiosk
from kiosk.backoffice.models import Kiosk as KioskRow
from kiosk.backoffice.models import PhoneLogin
from kiosk.hardware.audio import RecordingSpeaker
from kiosk.journeys import Choice, Chosen, Confirmed, DigitTyped, Language, LanguageChosen, Screen
from kiosk.uplink.credentials import ENROLLMENT
from tests.backoffice.phone_fixtures import (  # noqa: F401 - fixtures
    log_in_on_phone,
    phone_stack,
)
from tests.backoffice.stack import Stack, free_port
from tests.test_app_uplink import enroll_kiosk, kinds_received, pump_until, wait_for

pytestmark = pytest.mark.slow


@dataclass
class AtKiosk:
    kiosk: Kiosk
    name: str
    stack: Stack
    state: Path
    seen_urls: list[str] = field(default_factory=list)


def _kiosk(tmp_path: Path, stack: Stack, *, link_down: bool = False) -> Iterator[AtKiosk]:
    source, name = enroll_kiosk(tmp_path, stack)
    if link_down:  # the back-office's address now leads nowhere: the network is down
        enrollment = tmp_path / "uplink" / ENROLLMENT
        meta = json.loads(enrollment.read_text())
        enrollment.write_text(json.dumps({**meta, "api_url": f"https://127.0.0.1:{free_port()}"}))
    kiosk = Kiosk(config.load(source), speaker=RecordingSpeaker())
    kiosk.start()
    try:
        yield AtKiosk(kiosk, name, stack, tmp_path)
    finally:
        kiosk.stop()


@pytest.fixture
def at_kiosk(tmp_path: Path, phone_stack: Stack) -> Iterator[AtKiosk]:  # noqa: F811
    yield from _kiosk(tmp_path, phone_stack)


def show_qr(at: AtKiosk) -> str:
    """From wherever the session is, in Italian, to the QR: its one-time URL."""
    kiosk, session = at.kiosk, at.kiosk.session
    if session.view.screen is Screen.ATTRACT:
        session.handle(Chosen(Choice.START))
        session.handle(LanguageChosen(Language.IT))
    if session.view.screen is Screen.MENU:
        session.handle(Chosen(Choice.CONTINUE_WITH_PHONE))
    pump_until(kiosk, lambda: session.view.screen is Screen.PHONE_QR)
    url = session.view.facts["qr_url"]
    assert isinstance(url, str) and url.startswith(f"{at.stack.web_url}/phone/")
    at.seen_urls.append(url)
    return url


def type_code(at: AtKiosk, code: str) -> Screen:
    """"I have the code", the digits, OK: the screen the kiosk then rests on."""
    kiosk, session = at.kiosk, at.kiosk.session
    if session.view.screen is Screen.PHONE_QR:
        session.handle(Chosen(Choice.HAVE_CODE))
    assert session.view.screen is Screen.PHONE_CODE
    for digit in code.encode():
        session.handle(DigitTyped(digit))
    session.handle(Confirmed())
    pump_until(kiosk, lambda: session.view.screen in (Screen.PHONE_IDENTIFIED, Screen.ERROR))
    return session.view.screen


def refusal(at: AtKiosk) -> tuple[str, str, tuple[Choice, ...]]:
    """The error screen's code, its support code, and its one way forward."""
    view = at.kiosk.session.view
    assert view.screen is Screen.ERROR and view.error is not None
    assert view.can_cancel  # and one way back
    return view.error.code, view.error.support_code, view.options


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_the_citizen_continues_with_the_smartphone_and_the_session_is_bound(
        at_kiosk: AtKiosk, browser: Browser) -> None:
    session = at_kiosk.kiosk.session
    code = log_in_on_phone(browser, show_qr(at_kiosk), "mario")
    assert session.identity is None  # not before the code
    assert type_code(at_kiosk, code) is Screen.PHONE_IDENTIFIED
    facts = dict(session.view.facts)
    assert (facts["given_name"], facts["surname"], facts["codice_fiscale"]) == (
        "Mario", "Rossi", "RSSMRA80A01H501U")
    assert session.identity is not None and session.identity.source == "smartphone"

    # The same code typed again, on this kiosk's next QR: already used.
    session.handle(Chosen(Choice.CONTINUE))
    assert session.view.screen is Screen.MENU and session.identity is not None
    show_qr(at_kiosk)
    assert type_code(at_kiosk, code) is Screen.ERROR
    assert refusal(at_kiosk) == ("PHONE_CODE_USED", "E-PHN-02", (Choice.NEW_QR,))
    session.handle(Chosen(Choice.NEW_QR))
    pump_until(at_kiosk.kiosk, lambda: session.view.screen is Screen.PHONE_QR)

    expected = ["session.started", "journey.started", "session.bound", "journey.outcome"]
    wait_for(lambda: kinds_received(at_kiosk.stack, at_kiosk.name)[:4] == expected)
    # Neither the code nor the one-time URL's token in a file of the kiosk (outbox, log,
    # enrollment) or of the back-office (database, nginx's and the application's logs).
    token = at_kiosk.seen_urls[0].rsplit("/", 1)[1]
    digits = re.compile(rb"(?<![0-9])" + code.encode() + rb"(?![0-9])")
    for root in (at_kiosk.state, at_kiosk.stack.directory):
        files = [path for path in root.rglob("*") if path.is_file()]
        assert not [path for path in files if token.encode() in path.read_bytes()]
        assert not [path for path in files if digits.search(path.read_bytes())]


def test_an_expired_qr_asks_for_a_new_one(at_kiosk: AtKiosk) -> None:
    url = show_qr(at_kiosk)  # the QR the citizen does not scan in time
    this_kiosk = select(KioskRow.id).where(KioskRow.name == at_kiosk.name).scalar_subquery()
    with at_kiosk.stack.sessions.begin() as db:
        db.execute(update(PhoneLogin).where(PhoneLogin.kiosk_id == this_kiosk).values(
            link_expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    assert type_code(at_kiosk, "123456") is Screen.ERROR
    assert refusal(at_kiosk) == ("PHONE_LINK_EXPIRED", "E-PHN-03", (Choice.NEW_QR,))
    at_kiosk.kiosk.session.handle(Chosen(Choice.NEW_QR))
    assert show_qr(at_kiosk) != url


def test_a_code_of_another_kiosk_is_refused(at_kiosk: AtKiosk, browser: Browser) -> None:
    stack = at_kiosk.stack
    other = stack.enroll()
    with stack.client(other) as client:
        elsewhere: dict[str, Any] = client.post("/api/v1/phone/link").json()
    code = log_in_on_phone(browser, elsewhere["url"], "anna")
    show_qr(at_kiosk)
    assert type_code(at_kiosk, code) is Screen.ERROR
    assert refusal(at_kiosk) == ("PHONE_CODE_OTHER_KIOSK", "E-PHN-05", (Choice.RETRY,))
    at_kiosk.kiosk.session.handle(Chosen(Choice.RETRY))
    assert at_kiosk.kiosk.session.view.screen is Screen.PHONE_CODE


def test_three_wrong_codes_end_the_login(at_kiosk: AtKiosk, browser: Browser) -> None:
    session = at_kiosk.kiosk.session
    code = log_in_on_phone(browser, show_qr(at_kiosk), "mario")
    for _ in range(2):
        assert type_code(at_kiosk, other_code(code)) is Screen.ERROR
        assert refusal(at_kiosk) == ("PHONE_CODE_WRONG", "E-PHN-01", (Choice.RETRY,))
        session.handle(Chosen(Choice.RETRY))
    assert type_code(at_kiosk, other_code(code)) is Screen.ERROR
    assert refusal(at_kiosk) == ("PHONE_TOO_MANY_TRIES", "E-PHN-06", (Choice.NEW_QR,))
    session.handle(Chosen(Choice.NEW_QR))
    show_qr(at_kiosk)
    assert type_code(at_kiosk, code) is Screen.ERROR  # that login is over, its code too
    assert session.identity is None


@pytest.fixture
def link_down(tmp_path: Path, phone_stack: Stack) -> Iterator[AtKiosk]:  # noqa: F811
    yield from _kiosk(tmp_path, phone_stack, link_down=True)


def test_with_the_link_down_the_kiosk_says_so(link_down: AtKiosk) -> None:
    session = link_down.kiosk.session
    session.handle(Chosen(Choice.START))
    session.handle(LanguageChosen(Language.IT))
    session.handle(Chosen(Choice.CONTINUE_WITH_PHONE))
    pump_until(link_down.kiosk, lambda: session.view.screen is Screen.ERROR)
    assert refusal(link_down) == ("UPLINK_UNREACHABLE", "E-PHN-10", (Choice.RETRY,))
