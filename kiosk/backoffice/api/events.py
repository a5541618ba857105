"""``POST /api/v1/events``: a batch of audit events from the kiosk's outbox.

The outbox delivers at least once; UNIQUE(kiosk, key) makes the effect exactly once: rows
already held are skipped by the insert itself (``ON CONFLICT DO NOTHING`` on both databases,
so two copies of a batch racing each other cannot fail either), and every key of the batch is
acknowledged, new or not, so the kiosk deletes them. One batch is one transaction, its rows
inserted in ``seq`` order, so a kiosk's events arrive in the order it recorded them.

On PostgreSQL the batch travels as one JSON parameter, unpacked by ``json_to_recordset``
inside the statement that also checks the caller's identity (identity.py): one round trip and
one commit where an executemany took four (BEGIN, lookup, insert, COMMIT), which was most of
a batch's cost there.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Connection,
    DateTime,
    Select,
    String,
    UpdateBase,
    bindparam,
    column,
    func,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kiosk.backoffice.api.context import ApiContext
from kiosk.backoffice.errors import ApiError, json_response
from kiosk.backoffice.identity import Caller, seen
from kiosk.backoffice.models import Event
from kiosk.uplink.schemas import API_PREFIX, EventAck, EventBatch

_SQLITE_INSERT = sqlite.insert(Event).on_conflict_do_nothing(index_elements=["kiosk_id", "key"])

# PostgreSQL: the batch's rows, typed as the events table's columns.
_BATCH = func.json_to_recordset(bindparam("batch", type_=JSON)).table_valued(
    column("key", String), column("seq", BigInteger), column("kind", String),
    column("at", DateTime(timezone=True)), column("data", JSON),
).render_derived("batch", with_types=True)


def _stored(good: Select[Any]) -> list[UpdateBase]:
    caller = good.subquery("caller")
    rows = select(caller.c.kiosk_id, _BATCH.c.key, _BATCH.c.seq, _BATCH.c.kind, _BATCH.c.at,
                  bindparam("now"), _BATCH.c.data) \
        .join_from(caller, _BATCH, true()).order_by(_BATCH.c.seq)
    return [
        postgresql.insert(Event)
        .from_select(["kiosk_id", "key", "seq", "kind", "at", "received_at", "data"], rows)
        .on_conflict_do_nothing(index_elements=["kiosk_id", "key"]),
        seen(good),
    ]


def routes(context: ApiContext) -> list[BaseRoute]:
    async def events(request: Request) -> Response:
        batch = await context.body(request, EventBatch)
        if any(event.at.tzinfo is None for event in batch.events):
            raise ApiError(422, "BODY_INVALID", "events.at: a time needs its UTC offset")
        ordered = sorted(batch.events, key=lambda event: event.seq)

        def store(connection: Connection, caller: Caller, now: dt.datetime) -> None:
            connection.execute(_SQLITE_INSERT, [
                {"kiosk_id": caller.kiosk_id, "key": event.key, "seq": event.seq,
                 "kind": event.kind, "at": event.at, "received_at": now, "data": event.data}
                for event in ordered
            ])

        if context.direct is not None:
            await context.guarded_as_kiosk(request, _stored, {"batch": [
                event.model_dump(mode="json") for event in ordered]})
        else:
            await context.as_kiosk(request, store)
        return json_response(EventAck(acked=[event.key for event in batch.events]))

    return [Route(f"{API_PREFIX}/events", events, methods=["POST"])]
