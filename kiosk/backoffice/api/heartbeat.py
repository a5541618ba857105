"""``POST /api/v1/heartbeat``: the kiosk's state, kept on its row for the clerks' list (no
PIN, no personal data: the schema has no field for either)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kiosk.backoffice.api.context import ApiContext
from kiosk.backoffice.errors import json_response
from kiosk.backoffice.identity import Caller
from kiosk.backoffice.models import Kiosk
from kiosk.uplink.schemas import API_PREFIX, Heartbeat, HeartbeatReply


def routes(context: ApiContext) -> list[BaseRoute]:
    async def heartbeat(request: Request) -> Response:
        beat = await context.body(request, Heartbeat)

        def store(session: Session, caller: Caller, now: dt.datetime) -> None:
            session.execute(update(Kiosk).where(Kiosk.id == caller.kiosk_id).values(
                state=beat.state.value,
                last_heartbeat=beat.model_dump(mode="json"),
                last_heartbeat_at=now,
                last_seen_at=now,
                outbox_depth=beat.outbox_depth,
                outbox_alarm=beat.outbox_alarm,
            ))

        await context.as_kiosk(request, store)
        return json_response(HeartbeatReply(server_time=dt.datetime.now(dt.UTC)))

    return [Route(f"{API_PREFIX}/heartbeat", heartbeat, methods=["POST"])]
