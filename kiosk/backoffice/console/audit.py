"""What console users did, one row per action, for the admin's audit page.

Actions are stable dotted codes (``login``, ``kiosk.lock``, ``token.create``,
``ticket.claim``…); ``target`` names the kiosk or account acted on, or the ticket by its
number; ``detail`` is the clerk's own words where the action carries some (a lock message),
never a password, a code or a citizen's data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

from kiosk.backoffice.models import ConsoleAudit

PAGE_ROWS = 200


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
    return [Entry(*row) for row in rows]
