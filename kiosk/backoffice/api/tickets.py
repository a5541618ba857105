"""``POST /api/v1/tickets``: a hand-off ticket from the kiosk's outbox (tickets.py keeps it).

Like an event batch, a ticket is delivered at least once and stored once: UNIQUE(kiosk, key)
skips a copy, and the answer acknowledges the key either way, so the kiosk deletes it. The
body may be the largest the API takes (the chip photo in base64: ``server.body_limit_bytes``
is sized for it). The browser's copy of the photo is made before the transaction, off the
event loop: a transaction never waits for an image codec.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kiosk.backoffice import tickets
from kiosk.backoffice.api.context import ApiContext
from kiosk.backoffice.errors import ApiError, json_response
from kiosk.backoffice.identity import Caller
from kiosk.uplink.schemas import API_PREFIX, Ticket, TicketAck


def routes(context: ApiContext) -> list[BaseRoute]:
    async def ticket(request: Request) -> Response:
        filed = await context.body(request, Ticket)
        if filed.at.tzinfo is None:
            raise ApiError(422, "BODY_INVALID", "at: a time needs its UTC offset")
        try:
            photo = tickets.decode_photo(filed)
        except tickets.TicketError as exc:
            raise ApiError(422, "BODY_INVALID", str(exc)) from None
        browser = await run_in_threadpool(tickets.browser_photo, photo)

        def store(connection: Connection, caller: Caller, now: dt.datetime) -> None:
            tickets.store(connection, caller.kiosk_id, filed, photo=photo, browser=browser,
                          now=now)

        await context.as_kiosk(request, store)
        return json_response(TicketAck(key=filed.key, number=filed.number))

    return [Route(f"{API_PREFIX}/tickets", ticket, methods=["POST"])]
