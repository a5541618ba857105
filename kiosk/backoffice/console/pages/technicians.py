"""The technicians' page: every kiosk with its enrollment and certificate expiry (the
registry's own summary, as ``kiosk backoffice kiosks`` prints it), a one-time enrollment token
for a new or re-enrolled kiosk (shown once, on the answer to the form, and never stored but
as its hash), and revocation."""

from __future__ import annotations

import datetime as dt

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kiosk.backoffice.console import audit, csrf, nav
from kiosk.backoffice.console.accounts import Role
from kiosk.backoffice.console.errors import ConsoleError
from kiosk.backoffice.console.i18n import N_
from kiosk.backoffice.console.web import Console, flash, see_other
from kiosk.backoffice.models import utcnow
from kiosk.errors import KioskError

MENU = [nav.Entry("technicians", N_("Technicians"), Role.TECHNICIAN)]
# A certificate that runs out within this is listed as due (renewal should have happened).
EXPIRING = dt.timedelta(days=2)
ENROLLMENT = {
    "pending": N_("waiting for enrollment"),
    "enrolled": N_("enrolled"),
    "expired": N_("certificate expired"),
    "revoked": N_("revoked"),
}
_STATUS = {"BAD_INPUT": 400, "KIOSK_EXISTS": 409, "KIOSK_NOT_FOUND": 404}


def routes(console: Console) -> list[BaseRoute]:
    async def page(request: Request, *, token: str | None = None,
                   token_kiosk: str | None = None) -> Response:
        user = await console.signed_in(request, Role.TECHNICIAN)
        kiosks = await run_in_threadpool(console.registry.kiosks)
        return console.page(request, "technicians.html", user, kiosks=kiosks,
                            enrollment=ENROLLMENT, now=utcnow(), expiring=EXPIRING,
                            token=token, token_kiosk=token_kiosk)

    async def technicians(request: Request) -> Response:
        return await page(request)

    async def record(user: str, action: str, kiosk: str) -> None:
        now = utcnow()
        await console.run(lambda connection: audit.record(connection, user, action, kiosk,
                                                          now=now))

    async def new_token(request: Request) -> Response:
        form = await csrf.checked_form(request)
        user = await console.signed_in(request, Role.TECHNICIAN)
        name = str(form.get("name", "")).strip()
        hours = console.api.config.enrollment.token_hours
        try:
            token = await run_in_threadpool(console.registry.add_kiosk, name, hours,
                                            reenroll=form.get("reenroll") == "on")
        except KioskError as exc:
            raise ConsoleError(_STATUS.get(exc.code, 400), exc.code) from None
        await record(user.name, "token.create", name)
        # Shown on this answer only: a reload does not post again (no-store), and no page
        # can show it later.
        return await page(request, token=token, token_kiosk=name)

    async def revoke(request: Request) -> Response:
        await csrf.checked_form(request)
        user = await console.signed_in(request, Role.TECHNICIAN)
        name = request.path_params["name"]
        try:
            await run_in_threadpool(console.registry.revoke, name)
        except KioskError as exc:
            raise ConsoleError(_STATUS.get(exc.code, 400), exc.code) from None
        await record(user.name, "kiosk.revoke", name)
        flash(request, N_("Kiosk {kiosk} is revoked: its next request is refused."),
              kiosk=name)
        return see_other("technicians")

    return [
        Route("/technicians", technicians, methods=["GET"]),
        Route("/technicians/tokens", new_token, methods=["POST"]),
        Route("/technicians/kiosks/{name}/revoke", revoke, methods=["POST"]),
    ]
