"""Where the request path's transactions run: on the event loop, with no hop to a thread.

Handing each request to a worker thread (the database drivers are synchronous) cost more
CPU than its queries: the thread pool's queue, and the GIL passed back and forth. The
handlers' work stays plain synchronous Core code, ``work(connection)``; what differs is how
it is run:

- PostgreSQL: on SQLAlchemy's asyncio engine over psycopg's async connections, through
  ``AsyncConnection.run_sync``: the work runs in a greenlet, and each query awaits the server
  without blocking the loop. Non-durable work (a heartbeat) runs on a second pool whose
  sessions have ``synchronous_commit`` off, so it needs no ``SET`` of its own. Work that is
  not ``atomic`` runs without BEGIN and COMMIT, on pools whose connections are in
  autocommit, each statement committing on its own: two round trips to the server fewer,
  which is most of a heartbeat's cost there.
- SQLite: directly, under the process's writer turn (writers.py). A transaction here is a few
  statements on a local file, tens of microseconds, with neither an fsync nor a checkpoint in
  it (wal.py does both off the loop); a durable one that wrote waits for the WAL's next fsync
  before its answer. Work that usually only reads (a command poll) is tried first as a
  reader, outside the writers' turn, and run again as a writer only if it must write.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from typing import Protocol, TypeVar

from sqlalchemy import Connection, Engine, exc
from sqlalchemy.ext.asyncio import AsyncEngine

from kiosk.backoffice import db
from kiosk.backoffice.wal import Wal
from kiosk.backoffice.writers import Writers

T = TypeVar("T")


class Transactions(Protocol):
    async def run(self, work: Callable[[Connection], T], *, durable: bool = True,
                  atomic: bool = True, reads_first: bool = False) -> T:
        """``work`` in one transaction, committed when it returns, rolled back when it
        raises. ``durable=False``: a power cut right after the answer may lose it.
        ``atomic=False``: each of the work's writes stands on its own (one statement, or
        bookkeeping such as a kiosk's last contact), so none needs the others' company;
        a refusal raised after one of them does not undo it. ``reads_first``: the work
        usually only reads (a command poll), and may be run twice."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class PostgresTransactions:
    def __init__(self, url: str) -> None:
        self._url = url
        self._engines: dict[tuple[bool, bool], AsyncEngine] = {}

    async def run(self, work: Callable[[Connection], T], *, durable: bool = True,
                  atomic: bool = True, reads_first: bool = False) -> T:
        async with self._engine(durable, atomic).connect() as connection:
            if not atomic:
                return await connection.run_sync(work)
            async with connection.begin():
                return await connection.run_sync(work)

    def _engine(self, durable: bool, atomic: bool) -> AsyncEngine:
        """One pool per kind of work, made at its first use, so that a connection's
        settings are made once, when it opens, and not undone at each checkin."""
        engine = self._engines.get((durable, atomic))
        if engine is None:
            engine = db.make_async_engine(self._url, durable=durable, autocommit=not atomic)
            self._engines[durable, atomic] = engine
        return engine

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        for engine in self._engines.values():
            await engine.dispose()


class SqliteTransactions:
    def __init__(self, engine: Engine) -> None:
        assert engine.url.database
        self._engine = engine
        self._writers = Writers(engine.url.database)
        self._wal = Wal(engine, self._writers)
        self._kept: Connection | None = None

    async def run(self, work: Callable[[Connection], T], *, durable: bool = True,
                  atomic: bool = True, reads_first: bool = False) -> T:
        if reads_first:
            with contextlib.suppress(_WantsToWrite):
                return self._read_only(work)
        # Always a transaction: BEGIN IMMEDIATE is how a writer takes its turn (db.py).
        async with self._writers.turn():
            connection = self._connection()
            with connection.begin():
                changes = _total_changes(connection)
                result = work(connection)
                wrote = _total_changes(connection) != changes
        if durable and wrote:
            await self._wal.sync()
        return result

    def _read_only(self, work: Callable[[Connection], T]) -> T:
        """``work`` in a deferred transaction, outside the writers' turn, on a connection
        that refuses writes (``query_only``): the first write raises, rolls back, and the
        caller runs the work again as a writer. Never waits for a writer: in WAL mode a
        reader has its own snapshot."""
        connection = self._connection()
        driver = connection.connection.driver_connection
        assert driver is not None
        driver.execute("PRAGMA query_only = ON")
        connection.execution_options(**{db.READ_ONLY: True})
        try:
            with connection.begin():
                return work(connection)
        except exc.OperationalError as error:
            if isinstance(error.orig, sqlite3.OperationalError) \
                    and error.orig.sqlite_errorname == "SQLITE_READONLY":
                raise _WantsToWrite from None
            raise
        finally:
            connection.execution_options(**{db.READ_ONLY: False})
            driver.execute("PRAGMA query_only = OFF")

    def _connection(self) -> Connection:
        """The loop's one connection, kept (its transactions never overlap): a checkout
        from the pool and back cost as much as a statement."""
        if self._kept is None or self._kept.invalidated or self._kept.closed:
            self._kept = self._engine.connect()
        return self._kept

    async def start(self) -> None:
        await self._wal.start()

    async def stop(self) -> None:
        await self._wal.stop()
        if self._kept is not None:
            self._kept.close()


class _WantsToWrite(Exception):
    pass


def _total_changes(connection: Connection) -> int:
    changes: int = connection.connection.driver_connection.total_changes  # type: ignore[union-attr]
    return changes


def transactions_for(url: str, engine: Engine) -> Transactions:
    """``engine`` is the application's synchronous one (SQLite's is made with
    ``managed_wal``)."""
    if engine.dialect.name == "postgresql":
        return PostgresTransactions(url)
    return SqliteTransactions(engine)
