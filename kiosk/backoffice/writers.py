"""One writer at a time on a SQLite database, queued by the kernel rather than by SQLite.

Every SQLite transaction here takes the write lock up front (db.py: BEGIN IMMEDIATE), so
writers run one at a time whatever is done. How they wait is what differs: SQLite's busy
handler sleeps and retries (1, 2, 5, 10, … 100 ms), so under load a request can sleep well
past the moment the lock came free, and tail latency is those sleeps. A thread lock (within
the process) and ``flock`` on a file beside the database (across the workers and the CLI)
hand the turn over the moment it is released. PostgreSQL has row locks and needs none of it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine


class Writers:
    def __init__(self, engine: Engine) -> None:
        self._path: Path | None = None
        if engine.dialect.name == "sqlite" and engine.url.database:
            self._path = Path(engine.url.database).with_name(
                Path(engine.url.database).name + ".writers")
        self._thread_lock = threading.Lock()
        self._fd: int | None = None

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        """Held around one transaction (a no-op on PostgreSQL)."""
        if self._path is None:
            yield
            return
        with self._thread_lock:
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
