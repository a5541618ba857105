"""One writer at a time on a SQLite database, queued by the kernel rather than by SQLite.

Every SQLite transaction here takes the write lock up front (db.py: BEGIN IMMEDIATE), so
writers run one at a time whatever is done. How they wait is what differs: SQLite's busy
handler sleeps and retries (1, 2, 5, 10, … 100 ms), so under load a request can sleep well
past the moment the lock came free, and tail latency is those sleeps. ``flock`` on a file
beside the database (across the workers and the CLI) hands the turn over the moment it is
released. PostgreSQL has row locks and needs none of it.

The request path's transactions run on the event loop (transactions.py), which must never
wait for another process: :meth:`Writers.turn` takes the lock at once when it is free (the
usual case) and otherwise waits for it in a thread, while the loop serves other requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path


class Writers:
    def __init__(self, database: str) -> None:
        self._path = Path(database).with_name(Path(database).name + ".writers")
        self._in_process = asyncio.Lock()  # flock does not exclude holders of the same fd
        self._fd: int | None = None

    def _open(self) -> int:
        return os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Held around one transaction on the event loop."""
        async with self._in_process:
            if self._fd is None:
                self._fd = self._open()
            fd = self._fd
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                locking = asyncio.ensure_future(asyncio.to_thread(fcntl.flock, fd,
                                                                  fcntl.LOCK_EX))
                try:
                    await asyncio.shield(locking)
                except asyncio.CancelledError:
                    # The thread will still get the lock: hand it back when it does.
                    locking.add_done_callback(lambda _: fcntl.flock(fd, fcntl.LOCK_UN))
                    raise
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def blocking_turn(self) -> Iterator[None]:
        """The same turn, for a thread of this process (its own descriptor, so that it
        excludes this process's loop too)."""
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)
