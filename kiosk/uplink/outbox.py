"""The outbox: audit events kept on the kiosk until the back-office has them (store and forward).

An event is committed here before anything else happens to it, so a crash, a power cut or a
back-office that is away loses nothing that :meth:`Outbox.put` returned for. Each event gets an
idempotency key (the back-office keeps one row per key, so sending twice is harmless) and a
``seq`` from ``INTEGER PRIMARY KEY AUTOINCREMENT``, which never goes back even after deletes:
the back-office keeps the kiosk's order by it. Events leave only through :meth:`Outbox.delete`,
called with the keys the back-office acknowledged.

The file is SQLite in WAL mode with ``synchronous=FULL``: a reader (the sender thread) never
blocks the writer (the session thread), and a commit is on disk when ``put`` returns.

**The bound.** A kiosk offline for weeks must not fill its SD card, so the outbox holds at most
``max_events``. When it is full a *new* event is not stored: it is counted in ``dropped`` (a
persisted counter, reported in every heartbeat with the alarm raised), and what is already
queued is kept. Dropping the newest rather than the oldest keeps the stored history a gap-free
prefix the back-office can trust (seq order, nothing silently rewritten), and the counter says
exactly how much is missing after it. The alarm is raised from :data:`ALARM_FRACTION` of the
bound on, so a clerk sees it before anything is lost.

**A corrupt file** (SD cards do that) is moved aside as ``outbox.db.corrupt-<time>`` with the
code ``OUTBOX_CORRUPT`` in the log, and a new empty outbox takes its place: the kiosk keeps
working and never loops on a file it cannot open. The first event of the new outbox records
the incident (``uplink.outbox-corrupt``), so the back-office learns of it too.

**Tickets** (hand-offs to the anagrafe desk) are a second kind of item with the same
guarantees: committed before the journey shows the number, an idempotency key, deleted only on
the back-office's acknowledgement. Their human number comes from a persisted per-kiosk counter
bumped in the same transaction, so no two tickets of a kiosk share one, even across a crash.
Tickets are not held to ``max_events``: each is a citizen waiting at a desk, a few a day, and
dropping one would lose a person, not a line of audit. A ticket the back-office refuses as
malformed (it passed the same schema here, so only a version mismatch does that) is set aside
with the refusal's code rather than sent for ever: it would hold up every ticket and event
behind it.

No HTTP here: the runner (:mod:`kiosk.uplink.runner`) moves events between this and the client.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from kiosk.errors import KioskError
from kiosk.journeys.ports import EventValue
from kiosk.uplink.schemas import Event, Ticket

log = logging.getLogger(__name__)

ALARM_FRACTION = 0.9
CORRUPT_KIND = "uplink.outbox-corrupt"
T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq  INTEGER PRIMARY KEY AUTOINCREMENT,
    key  TEXT NOT NULL UNIQUE,
    at   TEXT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT OR IGNORE INTO counters (name, value) VALUES ('dropped', 0);
CREATE TABLE IF NOT EXISTS tickets (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    key     TEXT NOT NULL UNIQUE,
    body    TEXT NOT NULL,
    refused TEXT
);
INSERT OR IGNORE INTO counters (name, value) VALUES ('tickets', 0);
"""
# Makes the ticket from its key, its number on the kiosk's counter (1, 2, ...) and the time.
TicketMaker = Callable[[str, int, datetime], Ticket]


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """An immediate transaction: the writer lock is taken at BEGIN, so a count and the insert
    it allows cannot interleave with another writer (another thread or another process)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class OutboxError(KioskError):
    code = "OUTBOX_ERROR"


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    depth: int
    dropped: int
    max_events: int

    @property
    def alarm(self) -> bool:
        """Near the bound, or something was already dropped."""
        return self.dropped > 0 or self.depth >= ALARM_FRACTION * self.max_events


_STATUS = ("SELECT (SELECT count(*) FROM events),"
           " (SELECT value FROM counters WHERE name = 'dropped')")


class Outbox:
    """The kiosk's queue of audit events. Thread-safe: one connection behind a lock, as the
    writes are short and SQLite serialises writers anyway."""

    def __init__(self, path: Path, max_events: int,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.path = path
        self.max_events = max_events
        self._now = now
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._db = self._open_or_replace()

    # -- the session's side ----------------------------------------------------------------

    def put(self, kind: str, data: Mapping[str, EventValue]) -> str | None:
        """Commit one event and return its idempotency key, or None when the outbox is full
        (the event is counted as dropped). A malformed event is refused here, with
        ``EVENT_INVALID``, so it can never block the queue at the back-office."""
        key = uuid.uuid4().hex
        at = self._now()
        try:
            # seq=1 stands in for the seq the database gives: only kind and data are checked.
            Event(key=key, seq=1, at=at, kind=kind, data=dict(data))
        except ValidationError as exc:
            raise OutboxError(f"event {kind!r} refused: {exc.error_count()} problem(s) in "
                              f"{[e['loc'] for e in exc.errors()]}", code="EVENT_INVALID") from None
        with self._lock:
            return self._guarded(lambda db: self._insert(db, key, at, kind, data))

    def _insert(self, db: sqlite3.Connection, key: str, at: datetime, kind: str,
                data: Mapping[str, EventValue]) -> str | None:
        with transaction(db):
            (depth,) = db.execute("SELECT count(*) FROM events").fetchone()
            if depth >= self.max_events:
                db.execute("UPDATE counters SET value = value + 1 WHERE name = 'dropped'")
                log.error("outbox full (%d events): event %s dropped", depth, kind,
                          extra={"fields": {"code": "OUTBOX_FULL"}})
                return None
            db.execute("INSERT INTO events (key, at, kind, data) VALUES (?, ?, ?, ?)",
                       (key, at.isoformat(), kind, json.dumps(dict(data), sort_keys=True)))
        return key

    def put_ticket(self, make: TicketMaker) -> Ticket:
        """Commit one ticket, made by ``make`` with a new key and the kiosk's next number;
        a ticket the schema refuses raises ``TICKET_INVALID`` and bumps nothing."""
        key, at = uuid.uuid4().hex, self._now()

        def insert(db: sqlite3.Connection) -> Ticket:
            with transaction(db):
                (last,) = db.execute(
                    "SELECT value FROM counters WHERE name = 'tickets'").fetchone()
                try:
                    ticket = make(key, last + 1, at)
                except ValidationError as exc:
                    raise OutboxError(f"ticket refused: {exc.error_count()} problem(s) in "
                                      f"{[e['loc'] for e in exc.errors()]}",
                                      code="TICKET_INVALID") from None
                db.execute("UPDATE counters SET value = ? WHERE name = 'tickets'", (last + 1,))
                db.execute("INSERT INTO tickets (key, body) VALUES (?, ?)",
                           (ticket.key, ticket.model_dump_json()))
            return ticket
        with self._lock:
            return self._guarded(insert)

    # -- the sender's side -----------------------------------------------------------------

    def tickets(self, n: int) -> list[Ticket]:
        """The ``n`` oldest tickets still to send, in the order they were filed."""
        with self._lock:
            rows = self._guarded(lambda db: db.execute(
                "SELECT body FROM tickets WHERE refused IS NULL ORDER BY seq LIMIT ?",
                (n,)).fetchall())
        return [Ticket.model_validate_json(body) for (body,) in rows]

    def set_aside(self, key: str, code: str) -> None:
        """Stop sending a ticket the back-office refused (``code`` says why); it stays here."""
        def mark(db: sqlite3.Connection) -> None:
            with transaction(db):
                db.execute("UPDATE tickets SET refused = ? WHERE key = ?", (code, key))
        with self._lock:
            self._guarded(mark)

    def delete_ticket(self, key: str) -> int:
        """Forget a ticket the back-office acknowledged; returns how many were here."""
        def remove(db: sqlite3.Connection) -> int:
            with transaction(db):
                return db.execute("DELETE FROM tickets WHERE key = ?", (key,)).rowcount
        with self._lock:
            return self._guarded(remove)


    def batch(self, n: int) -> list[Event]:
        """The ``n`` oldest events, in seq order."""
        with self._lock:
            rows = self._guarded(lambda db: db.execute(
                "SELECT seq, key, at, kind, data FROM events ORDER BY seq LIMIT ?", (n,)
            ).fetchall())
        return [Event(seq=seq, key=key, at=datetime.fromisoformat(at), kind=kind,
                      data=json.loads(data)) for seq, key, at, kind, data in rows]

    def delete(self, keys: Iterable[str]) -> int:
        """Forget the events the back-office acknowledged; returns how many were here."""
        keys = list(keys)
        if not keys:
            return 0

        def remove(db: sqlite3.Connection) -> int:
            with transaction(db):
                return db.executemany("DELETE FROM events WHERE key = ?",
                                      [(k,) for k in keys]).rowcount
        with self._lock:
            return self._guarded(remove)

    def status(self) -> OutboxStatus:
        with self._lock:
            depth, dropped = self._guarded(lambda db: db.execute(_STATUS).fetchone())
        return OutboxStatus(depth=depth, dropped=dropped, max_events=self.max_events)

    def depth(self) -> int:
        return self.status().depth

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- opening, and surviving a corrupt file ---------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                             timeout=30)
        try:
            self.path.chmod(0o600)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            (verdict,) = db.execute("PRAGMA quick_check").fetchone()
            if verdict != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {verdict}")
            db.executescript(_SCHEMA)
        except BaseException:
            db.close()
            raise
        return db

    def _open_or_replace(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except sqlite3.OperationalError:
            raise  # locked, read-only, disk full: not the file's fault, do not move it
        except sqlite3.DatabaseError as exc:
            return self._replace(exc)

    def _replace(self, exc: sqlite3.DatabaseError) -> sqlite3.Connection:
        stamp = time.strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            part = Path(f"{self.path}{suffix}")
            if part.exists():
                part.rename(Path(f"{aside}{suffix}"))
        log.error("outbox %s is corrupt (%s): moved aside to %s, starting a new one",
                  self.path, exc, aside, extra={"fields": {"code": "OUTBOX_CORRUPT"}})
        db = self._connect()
        with transaction(db):
            db.execute("INSERT INTO events (key, at, kind, data) VALUES (?, ?, ?, ?)",
                       (uuid.uuid4().hex, self._now().isoformat(), CORRUPT_KIND,
                        json.dumps({"code": "OUTBOX_CORRUPT"})))
        return db

    def _guarded(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work``; if the file turns out corrupt mid-run, replace it and run once more.
        Called with the lock held."""
        try:
            return work(self._db)
        except sqlite3.OperationalError as exc:
            raise OutboxError(f"outbox {self.path}: {exc}", code="OUTBOX_UNAVAILABLE") from None
        except sqlite3.DatabaseError as exc:
            self._db.close()
            self._db = self._replace(exc)
            return work(self._db)


def peek(path: Path, max_events: int) -> OutboxStatus:
    """The status of the outbox at ``path``, read without writing to it: for ``kiosk uplink
    status``, which a technician runs as root, beside the kiosk or with it stopped. Opening an
    :class:`Outbox` there would replace a corrupt file with a new one owned by root, which the
    kiosk could then not write; the kiosk replaces it itself when it next opens it."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise OutboxError(f"outbox {path}: {exc}", code="OUTBOX_UNAVAILABLE") from None
    try:
        depth, dropped = db.execute(_STATUS).fetchone()
    except sqlite3.OperationalError as exc:
        raise OutboxError(f"outbox {path}: {exc}", code="OUTBOX_UNAVAILABLE") from None
    except sqlite3.DatabaseError as exc:
        raise OutboxError(f"outbox {path}: {exc}", code="OUTBOX_CORRUPT") from None
    finally:
        db.close()
    return OutboxStatus(depth=depth, dropped=dropped, max_events=max_events)
