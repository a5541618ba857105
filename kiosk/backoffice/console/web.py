"""What every page handler shares: who is signed in (and whether their role may see the page),
rendering a page with the layout's needs, the flash message after a form, the transaction a
page's work runs in, and the client's address.

The session (Starlette's signed cookie, app.py) holds only ids and tokens: the user's id and
``auth_epoch``, the CSRF token, the language, a pending second-factor step, one flash
message. Every request reads the user's row again, so a changed role or password takes effect
at once, and nothing about a person lives in the cookie but their id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import jinja2
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from kiosk.backoffice.api.context import ApiContext
from kiosk.backoffice.console import accounts, csrf, nav
from kiosk.backoffice.console.accounts import Role, User
from kiosk.backoffice.console.errors import ConsoleError, SignInRequired
from kiosk.backoffice.console.i18n import LANGUAGES, language_of, translations
from kiosk.backoffice.nginx import CONSOLE_PREFIX
from kiosk.backoffice.registry import Registry

T = TypeVar("T")
PREFIX = CONSOLE_PREFIX.rstrip("/")
# Scripts and styles only from the console's own files (the chart's data is JSON in the page,
# never code); inline style attributes are allowed because Chart.js sizes its canvas with
# them. No framing, no referrer leaving the console.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; "
                               "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def url(path: str = "") -> str:
    """A console path as the browser sees it ("board" -> "/console/board")."""
    return f"{PREFIX}/{path}"


def address(request: Request) -> str:
    """The client's address: nginx sets X-Forwarded-For to it, replacing any the client sent,
    and only nginx reaches the application's socket."""
    return request.headers.get("x-forwarded-for", "unknown")


def language(request: Request) -> str:
    return language_of(request.session.get("language"))


def gettext(request: Request, message: str) -> str:
    return translations(language(request)).gettext(message)


def flash(request: Request, message: str, **values: str) -> None:
    """One message for the next page (after a form's redirect), translated there."""
    request.session["flash"] = [message, values]


def see_other(path: str) -> RedirectResponse:
    return RedirectResponse(url(path), status_code=303)


@dataclass(frozen=True)
class Console:
    api: ApiContext
    templates: jinja2.Environment
    registry: Registry
    menu: list[nav.Entry]

    async def run(self, work: Callable[[Connection], T]) -> T:
        return await self.api.transaction(work)

    async def signed_in(self, request: Request, needs: Role = Role.CLERK) -> User:
        """The user of this session; SignInRequired if none, FORBIDDEN if their role is
        below ``needs``."""
        user_id, epoch = request.session.get("user"), request.session.get("epoch")
        if not isinstance(user_id, int):
            raise SignInRequired
        user = await self.run(lambda connection: accounts.by_id(connection, user_id))
        if user is None or user.auth_epoch != epoch:
            request.session.clear()
            raise SignInRequired
        if not user.role.allows(needs):
            raise ConsoleError(403, "FORBIDDEN")
        return user

    def page(self, request: Request, template: str, user: User | None, *, status: int = 200,
             **values: Any) -> HTMLResponse:
        message = request.session.pop("flash", None)
        lang = language(request)
        if isinstance(message, list) and len(message) == 2:
            text, fields = message
            flashed: str | None = translations(lang).gettext(text).format(**fields)
        else:
            flashed = None
        html = self.templates.get_template(template).render(
            language=lang, languages=LANGUAGES, user=user, url=url,
            menu=nav.visible(self.menu, user.role) if user else [],
            csrf_field=csrf.FIELD, csrf_token=csrf.token(request), flashed=flashed,
            path=request.url.path, **values)
        return HTMLResponse(html, status, headers=PAGE_HEADERS)
