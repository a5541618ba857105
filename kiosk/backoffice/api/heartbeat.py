"""``POST /api/v1/heartbeat``: the kiosk's state, kept on its row for the clerks' list (no
PIN, no personal data: the schema has no field for either). ``GET /api/v1/ping``: the same
identity check and the server's time, changing nothing: ``kiosk doctor``'s one request."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, update
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kiosk.backoffice.api.context import ApiContext
from kiosk.backoffice.errors import json_response
from kiosk.backoffice.models import Kiosk
from kiosk.uplink.schemas import API_PREFIX, Heartbeat, HeartbeatReply

_STORE = update(Kiosk).values(
    state=bindparam("b_state"),
    last_heartbeat=bindparam("b_report", type_=Kiosk.__table__.c.last_heartbeat.type),
    last_heartbeat_at=bindparam("now"),
    last_seen_at=bindparam("now"),
    outbox_depth=bindparam("b_depth"),
    outbox_alarm=bindparam("b_alarm"),
    health_problems=bindparam("b_health"),
)


def routes(context: ApiContext) -> list[BaseRoute]:
    async def heartbeat(request: Request) -> Response:
        beat = await context.body(request, Heartbeat)

        await context.update_as_kiosk(request, _STORE, {
            "b_state": beat.state.value, "b_report": beat.model_dump(mode="json"),
            "b_depth": beat.outbox_depth, "b_alarm": beat.outbox_alarm,
            "b_health": None if beat.health is None
            else ",".join(problem.value for problem in beat.health.problems()),
        }, durable=False)
        return json_response(HeartbeatReply(server_time=dt.datetime.now(dt.UTC)))

    async def ping(request: Request) -> Response:
        await context.as_kiosk(request, lambda connection, caller, now: None,
                               durable=False, reads_first=True)
        return json_response(HeartbeatReply(server_time=dt.datetime.now(dt.UTC)))

    return [Route(f"{API_PREFIX}/heartbeat", heartbeat, methods=["POST"]),
            Route(f"{API_PREFIX}/ping", ping, methods=["GET"])]
