"""``POST /api/v1/l3/nonce`` and ``POST /api/v1/l3/verify``: level-3 authentication checked
by the back-office (level3.py judges it).

A nonce is 32 random bytes, bound to the kiosk that asked, good once and for
``level3.nonce_seconds``. It is spent in its own transaction before the (slow) certificate
check, so two verifications racing with one nonce get one verdict; another kiosk's nonce is
"not found", never "used", so a kiosk learns nothing about another's traffic.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import secrets

from sqlalchemy import Connection, insert, select, update
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kiosk.backoffice.api.context import ApiContext
from kiosk.backoffice.errors import ApiError, json_response
from kiosk.backoffice.identity import Caller
from kiosk.backoffice.level3 import Judgement, Level3Policy
from kiosk.backoffice.models import Nonce, Verification
from kiosk.uplink.schemas import API_PREFIX, L3Proof, L3Verdict, NonceReply

NONCE_BYTES = 32


def _decode(field: str, value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise ApiError(422, "BODY_INVALID", f"{field}: not base64") from None


def routes(context: ApiContext, policy: Level3Policy) -> list[BaseRoute]:
    lifetime = dt.timedelta(seconds=context.config.level3.nonce_seconds)
    keep_codice_fiscale = context.config.level3.record_codice_fiscale

    async def nonce(request: Request) -> Response:
        nonce_id, value = secrets.token_urlsafe(24), secrets.token_bytes(NONCE_BYTES)

        def issue(connection: Connection, caller: Caller, now: dt.datetime) -> dt.datetime:
            connection.execute(insert(Nonce).values(
                id=nonce_id, kiosk_id=caller.kiosk_id, value=value, created_at=now,
                expires_at=now + lifetime))
            return now + lifetime

        expires_at = await context.as_kiosk(request, issue)
        return json_response(NonceReply(nonce_id=nonce_id, expires_at=expires_at,
                                        nonce=base64.b64encode(value).decode("ascii")))

    async def verify(request: Request) -> Response:
        proof = await context.body(request, L3Proof)
        der = _decode("certificate", proof.certificate)
        signature = _decode("signature", proof.signature)

        def spend(connection: Connection, caller: Caller, now: dt.datetime
                  ) -> tuple[bytes, int]:
            row = connection.execute(
                select(Nonce.kiosk_id, Nonce.used_at, Nonce.expires_at, Nonce.value)
                .where(Nonce.id == proof.nonce_id)).one_or_none()
            if row is None or row.kiosk_id != caller.kiosk_id:
                raise ApiError(404, "NONCE_NOT_FOUND", "no such nonce for this kiosk")
            if row.used_at is not None:
                raise ApiError(409, "NONCE_USED", "this nonce has been used")
            if row.expires_at <= now:
                raise ApiError(410, "NONCE_EXPIRED", "this nonce has expired")
            spent = connection.execute(update(Nonce).where(
                Nonce.id == proof.nonce_id, Nonce.used_at.is_(None)).values(used_at=now))
            if spent.rowcount != 1:
                raise ApiError(409, "NONCE_USED", "this nonce has been used")
            return row.value, caller.kiosk_id

        challenge, kiosk_id = await context.as_kiosk(request, spend)
        judged = await run_in_threadpool(policy.judge, der, challenge, signature,
                                         dt.datetime.now(dt.UTC))
        verification_id = await _record(context, kiosk_id, proof.nonce_id, judged,
                                        keep_codice_fiscale)
        return json_response(L3Verdict(
            verification_id=verification_id, works=judged.works,
            certificate=judged.certificate, signature_valid=judged.signature_valid,
            revocation=judged.revocation,
        ))

    return [
        Route(f"{API_PREFIX}/l3/nonce", nonce, methods=["POST"]),
        Route(f"{API_PREFIX}/l3/verify", verify, methods=["POST"]),
    ]


async def _record(context: ApiContext, kiosk_id: int, nonce_id: str, judged: Judgement,
            keep_codice_fiscale: bool) -> int:
    def insert_row(connection: Connection) -> int:
        inserted = connection.execute(insert(Verification).values(
            kiosk_id=kiosk_id, nonce_id=nonce_id, at=dt.datetime.now(dt.UTC),
            works=judged.works, certificate=judged.certificate.value,
            signature_valid=judged.signature_valid, revocation=judged.revocation[:64],
            codice_fiscale=judged.codice_fiscale if keep_codice_fiscale else None,
        ))
        key = inserted.inserted_primary_key
        assert key is not None
        return int(key[0])

    return await context.transaction(insert_row)
