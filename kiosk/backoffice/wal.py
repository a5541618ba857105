"""SQLite's write-ahead log, made durable and kept short by the application instead of at
each commit.

The request path runs its SQLite transactions on the event loop (transactions.py), so nothing
slow may happen inside one: an fsync costs milliseconds (2.4 ms per commit here), and a
checkpoint copies megabytes. So the application's connections run ``synchronous=NORMAL``
with automatic checkpoints off, and:

- a durable transaction (an event batch: the kiosk deletes its events on the ack) is followed,
  before its answer, by an fsync of the WAL file, run in a thread. fsync covers every byte
  written to the file before it, so one fsync serves every commit that came before it: the
  commits waiting meanwhile share the next one (group commit). The result is FULL's
  guarantee (the commit frame is on disk before the kiosk hears "acked") without the loop
  ever waiting for the disk. Frames later checkpointed and overwritten are safe as well: in
  NORMAL a checkpoint syncs the database file before the WAL is reused.
- a checkpoint runs in a thread every :data:`CHECKPOINT_SECONDS`, so that no request pays
  for one: first PASSIVE, beside the writers (the bulk of the copying), then once more in
  the writers' turn (writers.py), where no new frame can arrive, so that it completes and
  the next writer starts the WAL over instead of growing it (it grew without bound under
  steady traffic when no checkpoint could catch up).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from pathlib import Path

from sqlalchemy import Engine

from kiosk.backoffice.writers import Writers

log = logging.getLogger(__name__)

CHECKPOINT_SECONDS = 1.0


class Wal:
    def __init__(self, engine: Engine, writers: Writers) -> None:
        assert engine.url.database
        self._engine = engine
        self._writers = writers
        self._path = Path(engine.url.database + "-wal")
        self._fd: int | None = None
        self._inode: int | None = None
        self._next: asyncio.Future[None] | None = None  # the commits the next fsync covers
        self._syncing: asyncio.Task[None] | None = None
        self._checkpoints: asyncio.Task[None] | None = None

    async def sync(self) -> None:
        """Returns once every commit made before the call is on disk."""
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        waiting = self._next
        if self._syncing is None:
            self._syncing = asyncio.create_task(self._sync_rounds())
        await asyncio.shield(waiting)

    async def _sync_rounds(self) -> None:
        try:
            while (batch := self._next) is not None:
                self._next = None
                try:
                    await asyncio.to_thread(self._fsync)
                except OSError as exc:
                    batch.set_exception(exc)
                else:
                    batch.set_result(None)
        finally:
            self._syncing = None

    def _fsync(self) -> None:
        """fsync is per file, not per descriptor: an fd of our own sees SQLite's writes. A
        new WAL file (after the last connection closed and SQLite deleted it) gets its
        directory entry synced too."""
        inode = os.stat(self._path).st_ino
        if inode != self._inode:
            if self._fd is not None:
                os.close(self._fd)
            self._fd = os.open(self._path, os.O_RDONLY | os.O_CLOEXEC)
            self._inode = inode
            directory = os.open(self._path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        assert self._fd is not None
        os.fsync(self._fd)

    async def start(self) -> None:
        self._checkpoints = asyncio.create_task(self._checkpoint_every(CHECKPOINT_SECONDS))

    async def stop(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpoints
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    async def _checkpoint_every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await asyncio.to_thread(self._checkpoint)
            except Exception as exc:  # noqa: BLE001 - a busy or vanished file: next time
                log.warning("WAL checkpoint failed: %s", exc)

    def _checkpoint(self) -> None:
        connection = self._engine.raw_connection()
        try:
            checkpoint = connection.driver_connection
            assert checkpoint is not None
            checkpoint.execute("PRAGMA wal_checkpoint(PASSIVE)")
            with self._writers.blocking_turn():
                checkpoint.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            connection.close()
