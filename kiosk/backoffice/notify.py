"""Waking a kiosk's long-poll when a clerk issues it a command.

Workers keep no state (DESIGN.md §5), so the worker that holds a kiosk's open
``GET /commands?wait=N`` is not the process that inserted the command, and need not be on the
same machine. On PostgreSQL the insert and a ``NOTIFY`` commit together
(:func:`issue_command`), and every worker keeps one ``LISTEN`` connection that wakes the
requests waiting for that kiosk. SQLite has no notifications; one machine shares the file, so
each worker looks for new command rows a few times a second instead — one cheap indexed
query per worker, whoever is waiting.

A wake-up only says "look again": the waiting request reads its commands from the database, so
a lost or spurious notification costs a query, never a command.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Protocol

import psycopg
from sqlalchemy import Engine, bindparam, func, select
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from kiosk.backoffice import db
from kiosk.backoffice.models import Command, Kiosk, utcnow
from kiosk.errors import KioskError
from kiosk.uplink.schemas import CommandKind

log = logging.getLogger(__name__)

CHANNEL = "kiosk_commands"
SQLITE_POLL_SECONDS = 0.3
RECONNECT_SECONDS = 1.0


class Notifier(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def waiting(self, kiosk_id: int) -> contextlib.AbstractAsyncContextManager[asyncio.Event]:
        """An event set whenever a command for ``kiosk_id`` may have been issued."""


class _Waiters:
    """The requests of this process waiting for their kiosk's commands."""

    def __init__(self) -> None:
        self._by_kiosk: dict[int, set[asyncio.Event]] = {}

    @contextlib.asynccontextmanager
    async def waiting(self, kiosk_id: int) -> AsyncIterator[asyncio.Event]:
        woken = asyncio.Event()
        self._by_kiosk.setdefault(kiosk_id, set()).add(woken)
        try:
            yield woken
        finally:
            events = self._by_kiosk[kiosk_id]
            events.discard(woken)
            if not events:
                del self._by_kiosk[kiosk_id]

    def wake(self, kiosk_id: int) -> None:
        for woken in self._by_kiosk.get(kiosk_id, ()):
            woken.set()

    def wake_all(self) -> None:
        for kiosk_id in list(self._by_kiosk):
            self.wake(kiosk_id)


class _Background(_Waiters):
    """A waiter registry with one background task per process."""

    def __init__(self) -> None:
        super().__init__()
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        raise NotImplementedError

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=type(self).__name__)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


class PostgresListener(_Background):
    """One ``LISTEN`` connection per worker process (psycopg 3, async), reconnecting when it
    drops; after a reconnect every waiter looks again, since notifications sent while no one
    listened are gone."""

    def __init__(self, url: URL) -> None:
        super().__init__()
        self._conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)

    async def _run(self) -> None:
        while True:
            try:
                connection = await psycopg.AsyncConnection.connect(self._conninfo,
                                                                   autocommit=True)
                async with connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    self.wake_all()
                    async for note in connection.notifies():
                        if note.payload.isdigit():
                            self.wake(int(note.payload))
            except psycopg.Error as exc:
                log.warning("command notifications interrupted (%s); reconnecting", exc)
            await asyncio.sleep(RECONNECT_SECONDS)


class SqlitePoller(_Background):
    """Looks for command rows newer than the last one seen, and wakes their kiosks' waiters."""

    def __init__(self, engine: Engine, interval: float = SQLITE_POLL_SECONDS) -> None:
        super().__init__()
        self._engine = engine
        self._interval = interval

    async def _run(self) -> None:
        newest = await run_in_threadpool(self._newest)
        while True:
            await asyncio.sleep(self._interval)
            try:
                issued = await run_in_threadpool(self._issued_after, newest)
            except Exception as exc:  # noqa: BLE001 - a locked or vanished file: try again
                log.warning("looking for new commands failed: %s", exc)
                continue
            for kiosk_id, last in issued:
                newest = max(newest, last)
                self.wake(kiosk_id)

    def _newest(self) -> int:
        with db.reader(self._engine).begin() as connection:
            return connection.scalar(select(func.max(Command.id))) or 0

    def _issued_after(self, newest: int) -> list[tuple[int, int]]:
        with db.reader(self._engine).begin() as connection:
            rows = connection.execute(_ISSUED_AFTER, {"newest": newest})
            return [(kiosk_id, last) for kiosk_id, last in rows]


_ISSUED_AFTER = (select(Command.kiosk_id, func.max(Command.id))
                 .where(Command.id > bindparam("newest")).group_by(Command.kiosk_id))


def notifier_for(engine: Engine) -> Notifier:
    if engine.dialect.name == "postgresql":
        return PostgresListener(engine.url)
    return SqlitePoller(engine)


def issue_command(session: Session, kiosk_name: str, kind: CommandKind,
                  message: str | None = None) -> Command:
    """Queue a command for a kiosk; on PostgreSQL the ``NOTIFY`` is sent when (and only if)
    the caller's transaction commits, so a waiting worker never looks before the row is
    there."""
    kiosk = session.scalar(select(Kiosk).where(Kiosk.name == kiosk_name))
    if kiosk is None:
        raise KioskError(f"no kiosk named {kiosk_name!r}", code="KIOSK_NOT_FOUND")
    if kiosk.revoked_at is not None:
        raise KioskError(f"kiosk {kiosk_name} has been revoked", code="KIOSK_REVOKED")
    command = Command(kiosk_id=kiosk.id, kind=kind.value, message=message, created_at=utcnow())
    session.add(command)
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_notify(CHANNEL, str(kiosk.id))))
    return command
