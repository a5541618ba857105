"""``POST /api/v1/events``: a batch of audit events from the kiosk's outbox.

The outbox delivers at least once; UNIQUE(kiosk, key) makes the effect exactly once: rows
already held are skipped by the insert itself (``ON CONFLICT DO NOTHING`` on both databases,
so two copies of a batch racing each other cannot fail either), and every key of the batch is
acknowledged, new or not, so the kiosk deletes them. One batch is one transaction, its rows
inserted in ``seq`` order, so a kiosk's events arrive in the order it recorded them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kiosk.backoffice.api.context import ApiContext
from kiosk.backoffice.errors import ApiError, json_response
from kiosk.backoffice.identity import Caller
from kiosk.backoffice.models import Event
from kiosk.uplink.schemas import API_PREFIX, EventAck, EventBatch

_INSERT = {
    "postgresql": postgresql.insert(Event).on_conflict_do_nothing(
        index_elements=["kiosk_id", "key"]),
    "sqlite": sqlite.insert(Event).on_conflict_do_nothing(index_elements=["kiosk_id", "key"]),
}


def routes(context: ApiContext) -> list[BaseRoute]:
    async def events(request: Request) -> Response:
        batch = await context.body(request, EventBatch)
        if any(event.at.tzinfo is None for event in batch.events):
            raise ApiError(422, "BODY_INVALID", "events.at: a time needs its UTC offset")
        ordered = sorted(batch.events, key=lambda event: event.seq)

        def store(connection: Connection, caller: Caller, now: dt.datetime) -> None:
            connection.execute(_INSERT[connection.dialect.name], [
                {"kiosk_id": caller.kiosk_id, "key": event.key, "seq": event.seq,
                 "kind": event.kind, "at": event.at, "received_at": now, "data": event.data}
                for event in ordered
            ])

        await context.as_kiosk(request, store)
        return json_response(EventAck(acked=[event.key for event in batch.events]))

    return [Route(f"{API_PREFIX}/events", events, methods=["POST"])]
