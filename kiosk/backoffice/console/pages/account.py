"""The signed-in person's own account: switching the second factor (TOTP) on.

The new secret waits in the session until a code from the person's authenticator app proves
they hold it; only then is it stored, and the account's other sessions end (its epoch moves
on; this one carries the new epoch). Switching it off again is the admin's, with
``kiosk backoffice user totp NAME --off``.
"""

from __future__ import annotations

import qrcode  # type: ignore[import-untyped]
import qrcode.image.svg  # type: ignore[import-untyped]
from markupsafe import Markup
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kiosk.backoffice.console import accounts, audit, csrf, nav
from kiosk.backoffice.console.accounts import Role
from kiosk.backoffice.console.i18n import N_
from kiosk.backoffice.console.web import Console, flash, see_other
from kiosk.backoffice.models import utcnow

MENU = [nav.Entry("account", N_("My account"), Role.CLERK)]
_PENDING = "totp_new"


def qr_svg(text: str) -> Markup:
    """The otpauth URI as an inline SVG QR code (made here, escaped by nobody: it is ours)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return Markup(image.to_string(encoding="unicode"))  # noqa: S704 - generated, no input


def routes(console: Console) -> list[BaseRoute]:
    async def account(request: Request, *, refused: bool = False) -> Response:
        user = await console.signed_in(request)
        secret = None
        if not user.totp:
            secret = request.session.get(_PENDING)
            if not isinstance(secret, str):
                secret = accounts.new_totp_secret()
                request.session[_PENDING] = secret
        uri = accounts.totp_uri(user.name, secret) if secret else None
        return console.page(request, "account.html", user, secret=secret,
                            qr=qr_svg(uri) if uri else None, refused=refused,
                            status=400 if refused else 200)

    async def show(request: Request) -> Response:
        return await account(request)

    async def enrol(request: Request) -> Response:
        form = await csrf.checked_form(request)
        user = await console.signed_in(request)
        secret = request.session.get(_PENDING)
        if user.totp or not isinstance(secret, str):
            return see_other("account")
        if not accounts.totp_matches(secret, str(form.get("code", ""))):
            return await account(request, refused=True)
        now = utcnow()

        def store(connection: Connection) -> int:
            accounts.set_totp(connection, user.name, secret)
            audit.record(connection, user.name, "totp.enrol", user.name, now=now)
            updated = accounts.by_id(connection, user.id)
            assert updated is not None
            return updated.auth_epoch

        request.session["epoch"] = await console.run(store)
        request.session.pop(_PENDING, None)
        flash(request, N_("The second factor is on: from now on, signing in asks for a code."))
        return see_other("account")

    return [
        Route("/account", show, methods=["GET"]),
        Route("/account/totp", enrol, methods=["POST"]),
    ]
