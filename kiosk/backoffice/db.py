"""Engines, sessions and migrations for the back-office's one database: SQLite (the embedded
default) or PostgreSQL, by URL.

SQLite is tuned for several threads and processes sharing one file: WAL, so readers and the
writer do not block each other; a busy timeout, so a writer waits its turn instead of failing;
foreign keys on, which SQLite leaves off by default; and every transaction begins IMMEDIATE.
A deferred transaction that reads and then writes can fail at once with SQLITE_BUSY (its
snapshot went stale under another writer, and the busy timeout does not apply to that case);
taking the write lock up front makes concurrent writers queue instead. Code that only reads
uses :func:`reader`, whose transactions stay deferred and so never queue.

SQLite runs with ``synchronous=NORMAL``: in WAL mode a commit survives the crash or SIGKILL of
any process, but a power cut or an OS crash may roll back the last commits. The application
closes that window where it matters: a durable transaction (an event batch, whose ack makes
the kiosk delete its events) is answered only after an fsync of the WAL, shared by the commits
waiting for one (wal.py), which is FULL's guarantee without an fsync inside each commit; a
heartbeat is not waited for (the next one replaces a lost one). The application's engine also
leaves checkpoints to wal.py (``managed_wal``), so that no request pays for one.

PostgreSQL's pools are sized to the work, with no overflow (connections opened and closed
under load cost more than the queries) and no pre-ping (a round trip per checkout): a
connection found dead fails its request with ``DATABASE_UNAVAILABLE``, and SQLAlchemy then
discards the pool's other connections of the same age.

A database that is not there is a :class:`~kiosk.errors.KioskError` with a code, never a
traceback: ``CONFIG_INVALID`` for a URL that cannot be right, ``DATABASE_UNAVAILABLE`` for
one that does not answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from kiosk.errors import KioskError

if TYPE_CHECKING:
    from alembic.config import Config

SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_POOL_SIZE = 16
POSTGRES_POOL_SIZE = 10
READ_ONLY = "kiosk_read_only"  # an execution option of ours, read by _sqlite_begin


def parse_url(url: str) -> URL:
    """The URL, with PostgreSQL pinned to psycopg 3 (the only driver the extra installs)."""
    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        raise KioskError(f"database URL {url!r} is not a SQLAlchemy URL",
                         code="CONFIG_INVALID") from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if parsed.get_driver_name() != "pysqlite" or not parsed.database:
            raise KioskError(f"database URL {url!r}: SQLite needs a file (sqlite:///PATH)",
                             code="CONFIG_INVALID")
        return parsed
    raise KioskError(f"database URL {url!r}: only sqlite and postgresql are supported",
                     code="CONFIG_INVALID")


def make_engine(url: str, *, managed_wal: bool = False, **options: Any) -> Engine:
    """An engine for ``url``; it connects at its first use. ``managed_wal``: SQLite's
    checkpoints are left to the caller (wal.py)."""
    parsed = parse_url(url)
    if parsed.get_backend_name() == "postgresql":
        options.setdefault("pool_size", POSTGRES_POOL_SIZE)
        return create_engine(parsed, max_overflow=0, **options)
    options.setdefault("pool_size", SQLITE_POOL_SIZE)
    engine = create_engine(parsed, **options)
    event.listen(engine, "connect", _sqlite_connect)
    if managed_wal:
        event.listen(engine, "connect", _sqlite_no_autocheckpoint)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def make_async_engine(url: str, *, durable: bool = True,
                      autocommit: bool = False) -> AsyncEngine:
    """A PostgreSQL engine on psycopg's async connections, for the request path.
    ``durable=False``: its commits do not wait for the WAL flush (``synchronous_commit``
    off for its sessions; for what the kiosk sends again anyway). ``autocommit``: each
    statement commits on its own, set once per connection rather than per checkout."""
    parsed = parse_url(url)
    assert parsed.get_backend_name() == "postgresql"
    connect_args = {} if durable else {"options": "-c synchronous_commit=off"}
    options: dict[str, Any] = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    return create_async_engine(parsed, pool_size=POSTGRES_POOL_SIZE, max_overflow=0,
                               connect_args=connect_args, **options)


def _sqlite_connect(dbapi_connection: Any, record: object) -> None:
    # Hand transaction control to SQLAlchemy's "begin" event (pysqlite's own is deferred).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")  # see the module's docstring
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_no_autocheckpoint(dbapi_connection: Any, record: object) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint = 0")


def _sqlite_begin(connection: Connection) -> None:
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    # Straight to the driver: through exec_driver_sql, this cost as much as a query.
    connection.connection.driver_connection.execute(  # type: ignore[union-attr]
        "BEGIN" if read_only else "BEGIN IMMEDIATE")


def reader(engine: Engine) -> Engine:
    """The same engine and pool, for transactions that only read (on SQLite they do not
    take the write lock; a write in one fails at once instead of queueing)."""
    return engine.execution_options(**{READ_ONLY: True})


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (the usual unit of work here is one
    request or one command, which commits and then reports what it did)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unavailable_as_error(url: str | URL) -> Iterator[None]:
    """Turn "the database does not answer" into ``DATABASE_UNAVAILABLE``; the URL in the
    message is shown without its password."""
    try:
        yield
    except (exc.OperationalError, exc.InterfaceError) as error:
        shown = make_url(url).render_as_string(hide_password=True)
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise KioskError(f"database {shown} is unavailable: {reason}",
                         code="DATABASE_UNAVAILABLE") from None


# Alembic is imported by the functions that migrate, not with this module: it takes longer to
# import than everything else a worker or a CLI command loads for the database.


def alembic_config() -> Config:
    from alembic.config import Config  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", "kiosk.backoffice:migrations")
    return config


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command  # noqa: PLC0415

    _migrate(url, lambda config: command.upgrade(config, revision))


def downgrade(url: str, revision: str) -> None:
    from alembic import command  # noqa: PLC0415

    _migrate(url, lambda config: command.downgrade(config, revision))


def current(url: str) -> str | None:
    """The revision the database is at (None when it has never been migrated)."""
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415

    engine = make_engine(url)
    try:
        with unavailable_as_error(engine.url), engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def require_head(url: str) -> None:
    """Refuse a database the migrations have not brought to head: the code would fail on
    its first query, with an error that says less."""
    at, wanted = current(url), head()
    if at != wanted:
        raise KioskError(f"the database is at revision {at or '(none)'}, the code needs "
                         f"{wanted}: run 'kiosk backoffice db upgrade'",
                         code="DATABASE_NOT_MIGRATED")


def head() -> str:
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None
    return revision


def _migrate(url: str, run: Callable[[Config], None]) -> None:
    engine = make_engine(url)
    config = alembic_config()
    try:
        with unavailable_as_error(engine.url), engine.begin() as connection:
            config.attributes["connection"] = connection
            run(config)
    finally:
        engine.dispose()
