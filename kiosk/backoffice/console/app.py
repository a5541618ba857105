"""The console as one application mounted under ``/console`` by the back-office's factory:
its page groups (pages/, in menu order), its static files, the signed session cookie, and
the coded error pages (HTML here, where the API answers JSON).

The session cookie is Starlette's (itsdangerous-signed, the key from keys.py): HttpOnly,
Secure (the console is only ever reached through nginx's TLS), SameSite=Strict (nothing
outside the console has a reason to send a clerk into it already signed in; a link from
elsewhere lands on the sign-in page), scoped to the console's path, and ending after a
working day without a request.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from kiosk.backoffice.api.context import ApiContext
from kiosk.backoffice.ca import CertificateAuthority
from kiosk.backoffice.console import keys, templates
from kiosk.backoffice.console.errors import EXPLANATIONS, ConsoleError, SignInRequired
from kiosk.backoffice.console.pages import (
    account,
    alerts,
    audit_log,
    board,
    live,
    signin,
    statistics,
    technicians,
    tickets,
)
from kiosk.backoffice.console.web import PREFIX, Console, see_other
from kiosk.backoffice.registry import Registry

STATIC = Path(__file__).parent / "static"
COOKIE = "kiosk_console"
SESSION_SECONDS = 8 * 3600
# In menu order; a new page group is one more module here.
PAGES = (signin, board, tickets, live, alerts, statistics, technicians, audit_log, account)
_HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}


def mount(context: ApiContext) -> Mount:
    console = Console(
        context, templates.environment(),
        Registry(context.sessions(), CertificateAuthority.from_config(context.config)),
        [entry for page in PAGES for entry in page.MENU])
    routes: list[BaseRoute] = [route for page in PAGES for route in page.routes(console)]
    routes.append(Mount("/static", StaticFiles(directory=STATIC), name="static"))

    async def refused(request: Request, exc: Exception) -> Response:
        if isinstance(exc, HTTPException):
            status, code = exc.status_code, _HTTP_CODES.get(exc.status_code, "BAD_INPUT")
        else:
            assert isinstance(exc, ConsoleError)
            status, code = exc.status, exc.code
        return await error_page(request, status, code)

    async def error_page(request: Request, status: int, code: str) -> Response:
        try:
            user = await console.signed_in(request)
        except Exception:  # noqa: BLE001 - signed out, or the very failure being shown
            user = None
        return console.page(request, "error.html", user, status=status, code=code,
                            explanation=EXPLANATIONS.get(code, EXPLANATIONS["BAD_INPUT"]))

    async def sign_in(request: Request, exc: Exception) -> Response:
        return see_other("login")

    async def failed(request: Request, exc: Exception) -> Response:
        if isinstance(exc, OperationalError | InterfaceError):
            return await error_page(request, 503, "DATABASE_UNAVAILABLE")
        return await error_page(request, 500, "INTERNAL_ERROR")

    app = Starlette(
        routes=routes,
        middleware=[Middleware(SessionMiddleware, secret_key=keys.session_key(context.config),
                               session_cookie=COOKIE, max_age=SESSION_SECONDS, path=PREFIX,
                               same_site="strict", https_only=True)],
        exception_handlers={ConsoleError: refused, HTTPException: refused,
                            SignInRequired: sign_in, Exception: failed},
    )
    return Mount(PREFIX, app=app)
