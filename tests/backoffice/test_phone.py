"""The smartphone login from the back-office's side: the kiosk API (mutual TLS, a real
enrolled kiosk), the phone's pages through nginx's web listener in Chromium, and a real
OpenID provider (oidc-provider) with its own login forms. Every refusal has its code."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser
from sqlalchemy import text, update

from kiosk.backoffice.models import PhoneLogin
from tests.backoffice.phone_fixtures import (  # noqa: F401 - fixtures
    CODE,
    log_in,
    log_in_on_phone,
    open_on_phone,
    phone_backoffice,
)
from tests.backoffice.stack import KioskCredentials, Stack

pytestmark = pytest.mark.slow


def link(stack: Stack, kiosk: KioskCredentials) -> dict[str, Any]:
    with stack.client(kiosk) as client:
        answer = client.post("/api/v1/phone/link")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def redeem(stack: Stack, kiosk: KioskCredentials, login_id: str, code: str) -> httpx.Response:
    with stack.client(kiosk) as client:
        return client.post("/api/v1/phone/redeem", json={"login_id": login_id, "code": code})


def refused(answer: httpx.Response) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]["code"]


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_the_citizen_logs_in_on_the_phone_and_the_kiosk_redeems_the_code_once(
        phone_backoffice: Stack, browser: Browser) -> None:  # noqa: F811
    kiosk = phone_backoffice.enroll()
    started = link(phone_backoffice, kiosk)
    assert started["url"].startswith(f"{phone_backoffice.web_url}/phone/")
    code = log_in_on_phone(browser, started["url"], "mario")

    answer = redeem(phone_backoffice, kiosk, started["login_id"], code)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"given_name": "Mario", "family_name": "Rossi",
                             "fiscal_number": "RSSMRA80A01H501U",
                             "identity_source": "smartphone"}
    assert refused(redeem(phone_backoffice, kiosk, started["login_id"], code)) == (
        409, "PHONE_CODE_USED")
    # The same code on the kiosk's next login: it has been used.
    again = link(phone_backoffice, kiosk)
    assert refused(redeem(phone_backoffice, kiosk, again["login_id"], code)) == (
        409, "PHONE_CODE_USED")


def test_the_one_time_url_works_once(phone_backoffice: Stack, browser: Browser) -> None:  # noqa: F811
    kiosk = phone_backoffice.enroll()
    started = link(phone_backoffice, kiosk)
    first = open_on_phone(browser, started["url"])
    first.wait_for_selector("input[name=login]")  # at the provider
    second = open_on_phone(browser, started["url"])
    assert "QR già usato" in second.inner_text("h1")
    assert "already used" in second.inner_text("body")
    for page in (first, second):
        page.context.close()


def test_an_expired_qr_is_refused_on_the_phone_and_on_the_kiosk(
        phone_backoffice: Stack, browser: Browser) -> None:  # noqa: F811
    kiosk = phone_backoffice.enroll()
    started = link(phone_backoffice, kiosk)
    with phone_backoffice.sessions.begin() as session:
        session.execute(update(PhoneLogin).where(PhoneLogin.id == started["login_id"]).values(
            link_expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    page = open_on_phone(browser, started["url"])
    assert page.inner_text("h1") == "QR scaduto"
    page.context.close()
    assert refused(redeem(phone_backoffice, kiosk, started["login_id"], "123456")) == (
        410, "PHONE_LINK_EXPIRED")


def test_an_expired_code_is_refused(phone_backoffice: Stack, browser: Browser) -> None:  # noqa: F811
    kiosk = phone_backoffice.enroll()
    started = link(phone_backoffice, kiosk)
    code = log_in_on_phone(browser, started["url"], "mario")
    with phone_backoffice.sessions.begin() as session:
        session.execute(update(PhoneLogin).where(PhoneLogin.id == started["login_id"]).values(
            code_expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    assert refused(redeem(phone_backoffice, kiosk, started["login_id"], code)) == (
        410, "PHONE_CODE_EXPIRED")
    link(phone_backoffice, kiosk)  # the next login forgets the identity no one can redeem
    with phone_backoffice.session() as session:
        row = session.get_one(PhoneLogin, started["login_id"])
        assert (row.given_name, row.family_name, row.fiscal_number) == (None, None, None)


def test_a_back_office_without_a_provider_says_so(sqlite_stack: Stack) -> None:
    kiosk = sqlite_stack.enroll()
    with sqlite_stack.client(kiosk) as client:
        assert refused(client.post("/api/v1/phone/link")) == (404, "PHONE_DISABLED")
        assert refused(client.post("/api/v1/phone/redeem", json={
            "login_id": "a-login-that-is-not-there", "code": "123456"})) == (404, "PHONE_DISABLED")


def test_a_code_typed_on_another_kiosk_is_refused_there(
        phone_backoffice: Stack, browser: Browser) -> None:  # noqa: F811
    here, there = phone_backoffice.enroll(), phone_backoffice.enroll()
    started = link(phone_backoffice, here)
    code = log_in_on_phone(browser, started["url"], "anna")
    elsewhere = link(phone_backoffice, there)
    assert refused(redeem(phone_backoffice, there, elsewhere["login_id"], code)) == (
        403, "PHONE_CODE_OTHER_KIOSK")
    # Nor can the other kiosk name this kiosk's login.
    assert refused(redeem(phone_backoffice, there, started["login_id"], code)) == (
        404, "PHONE_LOGIN_NOT_FOUND")
    assert redeem(phone_backoffice, here, started["login_id"], code).status_code == 200


def test_three_wrong_codes_end_the_login(phone_backoffice: Stack, browser: Browser) -> None:  # noqa: F811
    kiosk = phone_backoffice.enroll()
    started = link(phone_backoffice, kiosk)
    code = log_in_on_phone(browser, started["url"], "mario")
    wrong = other_code(code)
    assert refused(redeem(phone_backoffice, kiosk, started["login_id"], wrong)) == (
        422, "PHONE_CODE_WRONG")
    assert refused(redeem(phone_backoffice, kiosk, started["login_id"], wrong)) == (
        422, "PHONE_CODE_WRONG")
    assert refused(redeem(phone_backoffice, kiosk, started["login_id"], wrong)) == (
        410, "PHONE_TOO_MANY_TRIES")
    assert refused(redeem(phone_backoffice, kiosk, started["login_id"], code)) == (
        410, "PHONE_TOO_MANY_TRIES")


def test_no_token_or_code_is_kept_in_clear(phone_backoffice: Stack, browser: Browser) -> None:  # noqa: F811
    kiosk = phone_backoffice.enroll()
    started = link(phone_backoffice, kiosk)
    token = started["url"].rsplit("/", 1)[1]
    page = open_on_phone(browser, started["url"])
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    code = log_in(page, "mario")
    page.context.close()
    assert redeem(phone_backoffice, kiosk, started["login_id"], code).status_code == 200
    callback = next(url for url in seen if "/phone/callback?" in url)
    provider_code = re.search(r"[?&]code=([^&]+)", callback)
    state = re.search(r"[?&]state=([^&]+)", callback)
    assert provider_code is not None and state is not None
    secrets = [token, provider_code[1], state[1]]
    rows = []
    with phone_backoffice.session() as session:
        for row in session.execute(text("SELECT * FROM phone_logins")):
            rows.append(repr(tuple(row)))
    dump = "\n".join(rows)
    logs = "\n".join(path.read_text(errors="replace")
                     for path in phone_backoffice.directory.rglob("*.log"))
    assert "smartphone" in dump and "Rossi" not in dump  # the kiosk has the identity now
    for secret in secrets:
        assert secret not in dump and secret not in logs
    digits = re.compile(rf"(?<!\d){code}(?!\d)")
    assert not digits.search(dump) and not digits.search(logs)
    assert "GET /phone/..." in logs  # the phone's requests were logged, without their path
