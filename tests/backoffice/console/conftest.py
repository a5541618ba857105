"""The console's tests run against the real back-office (tests/backoffice/stack.py: ``kiosk
backoffice serve`` behind nginx's TLS) in Debian's Chromium (tests/browser.py).

- ``clerk(stack, role=…)``: a new account made with the real CLI (the password on stdin),
  as a :class:`Person` with its name and password.
- ``sign_in(page, stack, person)``: the sign-in form filled and sent, as a person would.
- ``kiosk(stack)``: an enrolled kiosk with an httpx client on the mTLS API, to send
  heartbeats and events and to poll its commands, as the kiosk's uplink does.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass

import httpx
from playwright.sync_api import Page

from tests.backoffice.messages import event, heartbeat
from tests.backoffice.stack import KioskCredentials, Stack
from tests.browser import browser  # noqa: F401 - fixture (the stacks come from ../conftest.py)

_people = itertools.count(1)


@dataclass(frozen=True)
class Person:
    name: str
    password: str
    role: str


def clerk(stack: Stack, role: str = "clerk", name: str | None = None) -> Person:
    person = Person(name or f"{role}{next(_people)}-{secrets.token_hex(2)}",
                    secrets.token_urlsafe(12), role)
    made = stack.cli("user", "add", person.name, "--role", role, stdin=person.password + "\n")
    assert made.returncode == 0, made.stderr
    return person


def console_url(stack: Stack, path: str = "") -> str:
    return f"{stack.web_url}/console/{path}"


def sign_in(page: Page, stack: Stack, person: Person, password: str | None = None) -> None:
    page.goto(console_url(stack, "login"))
    page.fill("#name", person.name)
    page.fill("#password", person.password if password is None else password)
    page.click("#sign-in")


@dataclass
class Kiosk:
    credentials: KioskCredentials
    client: httpx.Client
    _seq: itertools.count[int]

    @property
    def name(self) -> str:
        return self.credentials.name

    def heartbeat(self, **changes: object) -> None:
        answer = self.client.post("/api/v1/heartbeat", json=heartbeat(**changes))
        assert answer.status_code == 200, answer.text

    def event(self, kind: str, **data: object) -> None:
        answer = self.client.post("/api/v1/events",
                                  json={"events": [event(next(self._seq), kind, **data)]})
        assert answer.status_code == 200, answer.text

    def commands(self, wait: int = 5) -> list[dict[str, object]]:
        """The kiosk's pending commands, as its long-poll gets them."""
        answer = self.client.get("/api/v1/commands", params={"wait": wait})
        assert answer.status_code == 200, answer.text
        found: list[dict[str, object]] = answer.json()["commands"]
        return found


def kiosk(stack: Stack, name: str | None = None) -> Kiosk:
    credentials = stack.enroll(name)
    return Kiosk(credentials, stack.client(credentials), itertools.count(1))
