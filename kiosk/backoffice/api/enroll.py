"""Enrollment and renewal (registry.py holds the rules; this is their HTTP face).

``GET /enroll/ca.pem`` and ``POST /enroll`` are served on nginx's enrollment listener, the one
without a client certificate (rate-limited there). ``POST /api/v1/renew`` is an ordinary mTLS
request: the kiosk renewed is the one whose certificate called, never one named in the body.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kiosk.backoffice.api.context import ApiContext
from kiosk.backoffice.ca import CertificateAuthority
from kiosk.backoffice.errors import ApiError, json_response, parse_body
from kiosk.backoffice.identity import Caller
from kiosk.backoffice.nginx import split_listen
from kiosk.backoffice.registry import Registry
from kiosk.errors import KioskError
from kiosk.uplink.schemas import (
    API_PREFIX,
    CA_PATH,
    ENROLL_PATH,
    EnrollRequest,
    EnrollResponse,
    RenewRequest,
    RenewResponse,
)

_STATUS = {"TOKEN_INVALID": 403, "KIOSK_REVOKED": 403, "CSR_INVALID": 422}


def _refused(exc: KioskError) -> ApiError:
    status = _STATUS.get(exc.code)
    if status is None:
        raise exc
    return ApiError(status, exc.code, str(exc))


def routes(context: ApiContext, ca: CertificateAuthority) -> list[BaseRoute]:
    registry = Registry(context.sessions(), ca)
    server = context.config.server
    api_url = f"https://{server.public_host}:{split_listen(server.api_listen)[1]}"

    async def ca_pem(request: Request) -> Response:
        return Response(ca.certificate_pem(), media_type="application/x-pem-file")

    async def enroll(request: Request) -> Response:
        asked = await parse_body(request, EnrollRequest, server.body_limit_bytes)
        try:
            enrolled = await run_in_threadpool(registry.redeem, asked.token, asked.csr)
        except KioskError as exc:
            raise _refused(exc) from None
        return json_response(EnrollResponse(
            kiosk=enrolled.kiosk, certificate=enrolled.certificate_pem,
            ca=ca.certificate_pem(), api_url=api_url,
        ))

    async def renew(request: Request) -> Response:
        asked = await context.body(request, RenewRequest)

        def who(connection: Connection, caller: Caller, now: dt.datetime) -> Caller:
            return caller

        caller = await context.as_kiosk(request, who)
        try:
            pem = await run_in_threadpool(registry.renew, caller.kiosk_name, asked.csr)
        except KioskError as exc:
            raise _refused(exc) from None
        return json_response(RenewResponse(certificate=pem))

    return [
        Route(CA_PATH, ca_pem, methods=["GET"]),
        Route(ENROLL_PATH, enroll, methods=["POST"]),
        Route(f"{API_PREFIX}/renew", renew, methods=["POST"]),
    ]
