"""CSRF protection for every form: a random token kept in the signed session and echoed in a
hidden field, compared in constant time before a POST does anything.

The session cookie is already SameSite=Strict, so a cross-site form post arrives without it;
the token is the second lock, for the browsers and proxies that get SameSite wrong, and it
makes a refused post say why (``CSRF_MISSING``, ``CSRF_INVALID``) rather than look like a
signed-out clerk.
"""

from __future__ import annotations

import secrets

from starlette.datastructures import FormData
from starlette.requests import Request

from kiosk.backoffice.console.errors import ConsoleError

FIELD = "csrf"
_SESSION_KEY = "csrf"


def token(request: Request) -> str:
    """This session's token, made on first use (a signed-out visitor has one too: the
    sign-in form is a form)."""
    value = request.session.get(_SESSION_KEY)
    if not isinstance(value, str):
        value = secrets.token_urlsafe(32)
        request.session[_SESSION_KEY] = value
    return value


async def checked_form(request: Request) -> FormData:
    """The posted form, once its token matched this session's."""
    form = await request.form(max_files=0, max_fields=32)
    sent = form.get(FIELD)
    if not isinstance(sent, str) or not sent:
        raise ConsoleError(403, "CSRF_MISSING")
    expected = request.session.get(_SESSION_KEY)
    if not isinstance(expected, str) or not secrets.compare_digest(sent, expected):
        raise ConsoleError(403, "CSRF_INVALID")
    return form
