"""Kiosk messages for the back-office tests, as a kiosk would send them (schemas.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, select

from kiosk.backoffice.models import Event, Kiosk
from tests.backoffice.stack import Stack


def heartbeat(**changes: Any) -> dict[str, Any]:
    return {"state": "idle", "journey": None, "reader_present": True,
            "versions": {"kiosk": "0.1.0"}, "uptime_seconds": 42, "outbox_depth": 3,
            "outbox_alarm": False, "outbox_dropped": 0, **changes}


def event(seq: int, kind: str = "journey.started", **data: Any) -> dict[str, Any]:
    return {"key": uuid.uuid4().hex, "seq": seq, "at": dt.datetime.now(dt.UTC).isoformat(),
            "kind": kind, "data": data}


def stored_events(stack: Stack, kiosk: str) -> list[Event]:
    """A kiosk's events in arrival order."""
    with stack.session() as session:
        return list(session.scalars(
            select(Event).join(Kiosk, Kiosk.id == Event.kiosk_id)
            .where(Kiosk.name == kiosk).order_by(Event.id)))


def kiosk_row(stack: Stack, name: str) -> Kiosk:
    with stack.session() as session:
        return session.scalars(select(Kiosk).where(Kiosk.name == name)).one()


def event_count(stack: Stack) -> int:
    with stack.session() as session:
        return session.scalar(select(func.count()).select_from(Event)) or 0
