"""What console users did, one row per action, for the admin's audit page.

Actions are stable dotted codes (``login``, ``kiosk.lock``, ``token.create``,
``ticket.claim``…); ``target`` names the kiosk or account acted on, or the ticket by its
number; ``detail`` is the clerk's own words where the action carries some (a lock message),
never a password, a code or a citizen's data.

Beside them, what a kiosk reported that an admin must see among people's actions: its case
opened or shut (the tamper switch), read from the events table, with the kiosk as the one
who acted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

from kiosk.backoffice.models import ConsoleAudit, Event, Kiosk

PAGE_ROWS = 200
KIOSK_ACTIONS = ("kiosk.tampered", "kiosk.case-closed")


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    user: str
    action: str
    target: str | None
    detail: str | None


def record(connection: Connection, user: str, action: str, target: str | None = None,
           detail: str | None = None, *, now: dt.datetime) -> None:
    connection.execute(insert(ConsoleAudit).values(
        at=now, user_name=user, action=action, target=target, detail=detail))


def latest(connection: Connection, limit: int = PAGE_ROWS) -> list[Entry]:
    rows = connection.execute(
        select(ConsoleAudit.at, ConsoleAudit.user_name, ConsoleAudit.action,
               ConsoleAudit.target, ConsoleAudit.detail)
        .order_by(ConsoleAudit.id.desc()).limit(limit))
    reported = connection.execute(
        select(Event.at, Kiosk.name, Event.kind).join(Kiosk, Kiosk.id == Event.kiosk_id)
        .where(Event.kind.in_(KIOSK_ACTIONS)).order_by(Event.at.desc()).limit(limit))
    entries = [Entry(*row) for row in rows]
    entries += (Entry(at, kiosk, kind, kiosk, None) for at, kiosk, kind in reported)
    return sorted(entries, key=lambda entry: entry.at, reverse=True)[:limit]
