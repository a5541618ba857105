"""The admin's audit page: the latest actions of console users, newest first."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kiosk.backoffice.console import audit, nav
from kiosk.backoffice.console.accounts import Role
from kiosk.backoffice.console.i18n import N_
from kiosk.backoffice.console.web import Console

MENU = [nav.Entry("audit", N_("Audit log"), Role.ADMIN)]


def routes(console: Console) -> list[BaseRoute]:
    async def audit_log(request: Request) -> Response:
        user = await console.signed_in(request, Role.ADMIN)
        entries = await console.run(audit.latest)
        return console.page(request, "audit.html", user, entries=entries,
                            limit=audit.PAGE_ROWS)

    return [Route("/audit", audit_log, methods=["GET"])]
