"""What every handler of the kiosk API shares: the configuration, the database, the command
notifier, and the one way a request becomes a transaction on behalf of a kiosk.

Each authenticated request is one short transaction on a Core connection (the ORM's unit of
work costs more than the whole request should), run without leaving the event loop
(transactions.py): the certificate's serial is looked up, the caller's identity taken from
that row, and the handler's work done, all in the same transaction, so that a revocation
committed before the request began is always seen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Update
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request

from kiosk.backoffice import db
from kiosk.backoffice.config import BackofficeConfig
from kiosk.backoffice.direct import Direct
from kiosk.backoffice.errors import Model, parse_body
from kiosk.backoffice.identity import (
    Caller,
    Reads,
    Writes,
    checked,
    guarded,
    guarded_values,
    identify,
    identify_and_update,
    presented,
    updating,
)
from kiosk.backoffice.models import utcnow
from kiosk.backoffice.notify import Notifier
from kiosk.backoffice.transactions import Transactions

T = TypeVar("T")
KioskWork = Callable[[Connection, Caller, dt.datetime], T]


@dataclass(frozen=True)
class ApiContext:
    config: BackofficeConfig
    engine: Engine
    notifier: Notifier
    transactions: Transactions
    direct: Direct | None  # PostgreSQL's one-statement work (direct.py)

    def sessions(self) -> sessionmaker[Session]:
        """ORM sessions, for the rare requests that go through the registry."""
        return db.make_sessionmaker(self.engine)

    async def transaction(self, work: Callable[[Connection], T]) -> T:
        return await self.transactions.run(work)

    async def body(self, request: Request, model: type[Model]) -> Model:
        """The body as ``model``; a request without a verified certificate is refused first,
        whatever its body."""
        presented(request.headers)
        return await parse_body(request, model, self.config.server.body_limit_bytes)

    async def as_kiosk(self, request: Request, work: KioskWork[T], *,
                       durable: bool = True, atomic: bool = True,
                       reads_first: bool = False) -> T:
        """``work`` in one transaction, for the kiosk whose certificate nginx verified.

        ``durable=False`` is for what the kiosk sends again anyway (a heartbeat): its commit
        does not wait for the disk, which is most of its latency; a crash may lose it, and
        the next heartbeat replaces it. ``atomic=False`` is for work whose writes each stand
        alone, ``reads_first`` for work that usually only reads (transactions.py); the
        identity check still comes first and sees every revocation committed before the
        request began."""
        certificate = presented(request.headers)

        def identified(connection: Connection) -> T:
            now = utcnow()
            return work(connection, identify(connection, certificate, now), now)

        return await self.transactions.run(identified, durable=durable, atomic=atomic,
                                           reads_first=reads_first)

    async def update_as_kiosk(self, request: Request, statement: Update,
                              values: dict[str, object], *, durable: bool = True) -> Caller:
        """``statement``, an UPDATE of the calling kiosk's own row that sets its
        ``last_seen_at``, after the same identity check as ``as_kiosk``: on PostgreSQL one
        statement (``guarded_as_kiosk``), so one round trip for the whole request."""
        if self.direct is not None:
            caller, _ = await self.guarded_as_kiosk(request, updating(statement), values,
                                                    durable=durable)
            return caller
        certificate = presented(request.headers)

        def identified(connection: Connection) -> Caller:
            return identify_and_update(connection, certificate, utcnow(), statement, values)

        return await self.transactions.run(identified, durable=durable, atomic=False)

    async def guarded_as_kiosk(self, request: Request, writes: Writes, values: dict[str, object],
                               *, reads: Reads | None = None, durable: bool = True,
                               ) -> tuple[Caller, list[tuple[Any, ...]]]:
        """PostgreSQL only: ``writes`` and ``reads`` for the kiosk whose certificate nginx
        verified, with the identity check, as one statement (identity.guarded) run straight
        on psycopg (direct.py); the caller, and the rows (the lookup's columns first)."""
        assert self.direct is not None
        certificate = presented(request.headers)
        now = utcnow()
        rows = await self.direct.rows(guarded(writes, reads),
                                      guarded_values(certificate, now, values), durable=durable)
        return checked(rows, certificate, now), rows
