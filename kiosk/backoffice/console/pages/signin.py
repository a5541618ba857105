"""Signing in and out, the optional second step (a TOTP code), and the language switch.

Both steps count their failures (throttle.py) before anything else is looked at, and a
locked account or address is refused with ``LOGIN_LOCKED`` even with the right password.
The password is checked in a worker thread (argon2id is slow on purpose) between two short
transactions, never inside one. An unknown name costs the same hash as a known one, so the
time taken does not tell which names exist.
"""

from __future__ import annotations

from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kiosk.backoffice.console import accounts, audit, csrf, nav, throttle
from kiosk.backoffice.console.accounts import Credentials, User
from kiosk.backoffice.console.errors import ConsoleError, SignInRequired
from kiosk.backoffice.console.i18n import LANGUAGES, N_
from kiosk.backoffice.console.web import Console, address, flash, see_other, url
from kiosk.backoffice.models import utcnow

MENU: list[nav.Entry] = []
# Verified against when the name is unknown: the same work as for a real account.
_DECOY_HASH = accounts.hash_password("no account has this password")


async def _check_lock(console: Console, request: Request, name: str) -> None:
    now = utcnow()
    until = await console.run(
        lambda connection: throttle.locked_until(connection, name, address(request), now))
    if until is not None:
        raise ConsoleError(429, "LOGIN_LOCKED")


async def _refuse(console: Console, request: Request, name: str, step: str) -> Response:
    now = utcnow()

    def count(connection: Connection) -> None:
        throttle.failed(connection, name, address(request), now)
        audit.record(connection, name, f"{step}.failed", detail=address(request), now=now)

    await console.run(count)
    template = "signin.html" if step == "login" else "totp.html"
    return console.page(request, template, None, status=401, refused=True, name=name)


async def _welcome(console: Console, request: Request, user: User) -> Response:
    now = utcnow()

    def record(connection: Connection) -> None:
        throttle.succeeded(connection, user.name)
        audit.record(connection, user.name, "login", detail=address(request), now=now)

    await console.run(record)
    language = request.session.get("language")
    request.session.clear()
    request.session.update({"user": user.id, "epoch": user.auth_epoch, "language": language})
    return see_other("board")


async def _pending(console: Console, request: Request) -> Credentials:
    """The account whose password was right, waiting for its TOTP code."""
    waiting = request.session.get("pending")
    if not (isinstance(waiting, list) and len(waiting) == 2):
        raise SignInRequired
    user_id, epoch = waiting

    def look(connection: Connection) -> Credentials | None:
        user = accounts.by_id(connection, user_id)
        return accounts.credentials(connection, user.name) if user else None

    found = await console.run(look)
    if found is None or found.user.auth_epoch != epoch or found.totp_secret is None:
        request.session.pop("pending", None)
        raise SignInRequired
    return found


def routes(console: Console) -> list[BaseRoute]:
    async def signin_form(request: Request) -> Response:
        try:
            await console.signed_in(request)
        except SignInRequired:
            return console.page(request, "signin.html", None, refused=False, name="")
        return see_other("board")

    async def signin(request: Request) -> Response:
        form = await csrf.checked_form(request)
        name, password = str(form.get("name", "")).strip().lower(), str(form.get("password", ""))
        await _check_lock(console, request, name)
        found: Credentials | None = await console.run(
            lambda connection: accounts.credentials(connection, name))
        good = await run_in_threadpool(
            accounts.verify_password, found.password_hash if found else _DECOY_HASH, password)
        if found is None or not good:
            return await _refuse(console, request, name, "login")
        if found.totp_secret is None:
            return await _welcome(console, request, found.user)
        request.session["pending"] = [found.user.id, found.user.auth_epoch]
        return see_other("login/totp")

    async def totp_form(request: Request) -> Response:
        found = await _pending(console, request)
        return console.page(request, "totp.html", None, refused=False, name=found.user.name)

    async def totp(request: Request) -> Response:
        form = await csrf.checked_form(request)
        found = await _pending(console, request)
        await _check_lock(console, request, found.user.name)
        assert found.totp_secret is not None
        if not accounts.totp_matches(found.totp_secret, str(form.get("code", ""))):
            return await _refuse(console, request, found.user.name, "totp")
        return await _welcome(console, request, found.user)

    async def signout(request: Request) -> Response:
        await csrf.checked_form(request)
        user = await console.signed_in(request)
        now = utcnow()
        await console.run(lambda connection: audit.record(connection, user.name, "logout",
                                                          now=now))
        language = request.session.get("language")
        request.session.clear()
        request.session["language"] = language
        flash(request, N_("You have signed out."))
        return see_other("login")

    async def choose_language(request: Request) -> Response:
        form = await csrf.checked_form(request)
        chosen = form.get("language")
        if chosen not in LANGUAGES:
            raise ConsoleError(400, "BAD_INPUT")
        request.session["language"] = chosen
        back = str(form.get("back", ""))
        return see_other(back.removeprefix(url()) if back.startswith(url()) else "board")

    return [
        Route("/login", signin_form, methods=["GET"]),
        Route("/login", signin, methods=["POST"]),
        Route("/login/totp", totp_form, methods=["GET"]),
        Route("/login/totp", totp, methods=["POST"]),
        Route("/logout", signout, methods=["POST"]),
        Route("/language", choose_language, methods=["POST"]),
    ]
