"""``POST /api/v1/phone/link`` and ``POST /api/v1/phone/redeem``: the kiosk's side of
"continue with smartphone" (phone/ holds the rest).

The link is bound to the kiosk that asked, by its verified certificate; only that kiosk can
redeem the login's code, once. Every refusal is a coded error (schemas.py lists them) that
the kiosk turns into a screen saying what to do. A refusal that counts a wrong code is
committed before it is answered.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kiosk.backoffice.api.context import ApiContext
from kiosk.backoffice.errors import ApiError, json_response
from kiosk.backoffice.identity import Caller
from kiosk.backoffice.phone import store
from kiosk.backoffice.phone.oidc import Identity
from kiosk.backoffice.phone.tokens import CodeKey
from kiosk.uplink.schemas import (
    API_PREFIX,
    IDENTITY_SOURCE_SMARTPHONE,
    PhoneIdentity,
    PhoneLink,
    PhoneRedeem,
)


def routes(context: ApiContext, key: CodeKey | None) -> list[BaseRoute]:
    settings = context.config.phone
    lifetime = dt.timedelta(seconds=settings.link_seconds)

    def enabled() -> CodeKey:
        if key is None:
            raise ApiError(404, "PHONE_DISABLED", "smartphone login is not configured here")
        return key

    async def link(request: Request) -> Response:
        enabled()

        def issue(connection: Connection, caller: Caller, now: dt.datetime
                  ) -> tuple[str, str, dt.datetime]:
            return store.issue(connection, caller.kiosk_id, now, lifetime)

        login_id, token, expires_at = await context.as_kiosk(request, issue)
        return json_response(PhoneLink(login_id=login_id, expires_at=expires_at,
                                       url=f"{settings.public_url}/phone/{token}"))

    async def redeem(request: Request) -> Response:
        codes = enabled()
        body = await context.body(request, PhoneRedeem)

        def bind(connection: Connection, caller: Caller, now: dt.datetime
                 ) -> Identity | store.Refusal:
            return store.redeem(connection, caller.kiosk_id, body.login_id, body.code,
                                key=codes, now=now, tries=settings.code_tries)

        outcome = await context.as_kiosk(request, bind)
        if isinstance(outcome, store.Refusal):
            raise ApiError(outcome.status, outcome.code, outcome.message)
        return json_response(PhoneIdentity(
            given_name=outcome.given_name, family_name=outcome.family_name,
            fiscal_number=outcome.fiscal_number, identity_source=IDENTITY_SOURCE_SMARTPHONE))

    return [
        Route(f"{API_PREFIX}/phone/link", link, methods=["POST"]),
        Route(f"{API_PREFIX}/phone/redeem", redeem, methods=["POST"]),
    ]
