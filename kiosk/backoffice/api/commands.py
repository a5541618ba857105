"""``GET /api/v1/commands?wait=N`` (long-poll) and ``POST /api/v1/commands/{id}/ack``.

A command stays pending until the kiosk acknowledges it, so one lost on the way (the kiosk
killed between the answer and its ack) is delivered again; ``delivered_at`` records the first
delivery. The long-poll answers at once when something is pending; otherwise it waits on the
process's notifier (notify.py) until a command for this kiosk may have been issued, looks
again, and gives up with an empty list at its deadline. Every look is a new transaction with
the identity check, so a kiosk revoked mid-wait is refused at its next look.

A waiting request does not look again on a timer: a wake-up is never lost for good (the
PostgreSQL listener wakes every waiter after it reconnects, the SQLite poller looks for every
row newer than the last it saw), and a timer would cost a transaction per waiting kiosk every
few seconds (3000 kiosks at rest: hundreds a second doing nothing).

Both paths are scoped to the calling kiosk: another kiosk's command id is simply not found.

On PostgreSQL a look is one statement (identity.guarded): the lookup, the pending commands
joined to it, and the writes (the kiosk's contact, the first deliveries) as guarded CTEs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from sqlalchemy import Connection, Select, UpdateBase, and_, bindparam, select, update
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kiosk.backoffice.api.context import ApiContext
from kiosk.backoffice.errors import ApiError, json_response
from kiosk.backoffice.identity import LOOKUP_COLUMNS, Caller, seen
from kiosk.backoffice.models import Command as CommandRow
from kiosk.uplink.schemas import (
    API_PREFIX,
    MAX_COMMAND_WAIT_SECONDS,
    Command,
    CommandAck,
    CommandKind,
    CommandList,
)

MAX_ID = 2**63  # ids are 64-bit; a bigger one in a path is simply not found


_PENDING = (
    select(CommandRow.id, CommandRow.kind, CommandRow.message, CommandRow.created_at,
           CommandRow.delivered_at)
    .where(CommandRow.kiosk_id == bindparam("kiosk"), CommandRow.acked_at.is_(None))
    .order_by(CommandRow.id)
)
_DELIVERED = update(CommandRow).where(CommandRow.id.in_(bindparam("ids", expanding=True))) \
    .values(delivered_at=bindparam("now"))
_ONE = select(CommandRow.kiosk_id, CommandRow.acked_at, CommandRow.delivered_at) \
    .where(CommandRow.id == bindparam("id"))
_ACK = update(CommandRow).where(CommandRow.id == bindparam("command")).values(
    acked_at=bindparam("now"), ack_ok=bindparam("ok"), ack_detail=bindparam("detail"),
    delivered_at=bindparam("delivered"))


def _deliver(good: Select[Any]) -> list[UpdateBase]:
    return [seen(good),
            update(CommandRow).where(CommandRow.kiosk_id.in_(good), CommandRow.acked_at.is_(None),
                                     CommandRow.delivered_at.is_(None))
            .values(delivered_at=bindparam("now"))]


def _with_pending(row: Select[Any], good: Select[Any]) -> Select[Any]:
    return row.add_columns(CommandRow.id, CommandRow.kind, CommandRow.message,
                           CommandRow.created_at) \
        .outerjoin(CommandRow, and_(CommandRow.kiosk_id.in_(good),
                                    CommandRow.acked_at.is_(None))) \
        .order_by(CommandRow.id)


def _pending(connection: Connection, caller: Caller, now: dt.datetime) -> list[Command]:
    rows = connection.execute(_PENDING, {"kiosk": caller.kiosk_id}).all()
    first_time = [row.id for row in rows if row.delivered_at is None]
    if first_time:
        connection.execute(_DELIVERED, {"ids": first_time, "now": now})
    return [Command(id=row.id, kind=CommandKind(row.kind), message=row.message,
                    created_at=row.created_at) for row in rows]


async def _gone(request: Request) -> None:
    """Returns when the connection closes: nginx closes its side when it stops (``serve``
    stops it first) or when the kiosk goes away, and the long-poll then ends at once
    instead of holding the application's shutdown until it is cancelled mid-wait."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


def _wait_seconds(request: Request) -> int:
    raw = request.query_params.get("wait", "0")
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_COMMAND_WAIT_SECONDS:
        raise ApiError(400, "QUERY_INVALID",
                       f"wait must be a whole number of seconds, 0 to {MAX_COMMAND_WAIT_SECONDS}")
    return int(raw)


def routes(context: ApiContext) -> list[BaseRoute]:
    async def look(request: Request) -> tuple[list[Command], Caller]:
        if context.direct is not None:
            caller, rows = await context.guarded_as_kiosk(request, _deliver, {},
                                                          reads=_with_pending)
            return [Command(id=id_, kind=CommandKind(kind), message=message, created_at=created)
                    for id_, kind, message, created in (row[LOOKUP_COLUMNS:] for row in rows)
                    if id_ is not None], caller
        # Not atomic: a delivery recorded without the rest is still true (transactions.py).
        return await context.as_kiosk(
            request, lambda connection, caller, now: (_pending(connection, caller, now), caller),
            atomic=False, reads_first=True)

    async def poll(request: Request) -> Response:
        wait = _wait_seconds(request)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        commands, caller = await look(request)
        if commands or wait == 0:
            return json_response(CommandList(commands=commands))
        gone = asyncio.ensure_future(_gone(request))
        try:
            async with context.notifier.waiting(caller.kiosk_id) as woken:
                while True:
                    # Registered first, then looked: a command issued in between is not missed.
                    commands, _ = await look(request)
                    remaining = deadline - loop.time()
                    if commands or remaining <= 0 or gone.done():
                        return json_response(CommandList(commands=commands))
                    wake = asyncio.ensure_future(woken.wait())
                    await asyncio.wait({wake, gone}, timeout=remaining,
                                       return_when=asyncio.FIRST_COMPLETED)
                    wake.cancel()
                    woken.clear()
        finally:
            gone.cancel()

    async def ack(request: Request) -> Response:
        raw_id = request.path_params["command_id"]
        answer = await context.body(request, CommandAck)

        def store(connection: Connection, caller: Caller, now: dt.datetime) -> None:
            row = connection.execute(_ONE, {"id": raw_id}).one_or_none() \
                if raw_id < MAX_ID else None
            if row is None or row.kiosk_id != caller.kiosk_id:
                raise ApiError(404, "COMMAND_NOT_FOUND", f"no command {raw_id} for this kiosk")
            if row.acked_at is None:
                connection.execute(_ACK, {"command": raw_id, "now": now, "ok": answer.ok,
                                          "detail": answer.detail,
                                          "delivered": row.delivered_at or now})

        await context.as_kiosk(request, store)
        return Response("{}", media_type="application/json")

    return [
        Route(f"{API_PREFIX}/commands", poll, methods=["GET"]),
        Route(f"{API_PREFIX}/commands/{{command_id:int}}/ack", ack, methods=["POST"]),
    ]
