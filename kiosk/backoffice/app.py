"""The back-office's ASGI application, built by :func:`create_app` from its configuration.

It listens only on a Unix socket behind nginx (serve.py, nginx.py) and keeps no state of its
own: every worker process builds the same app from the same file, and everything they know is
in the database, so any number of them (on any number of machines, on PostgreSQL) answer any
kiosk. uvicorn starts it with ``--factory kiosk.backoffice.app:factory``, which reads the file
named by ``$KIOSK_BACKOFFICE_CONFIG``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException

from kiosk.backoffice import db
from kiosk.backoffice.api import commands, enroll, events, heartbeat, level3, phone, tickets
from kiosk.backoffice.api.context import ApiContext
from kiosk.backoffice.ca import CertificateAuthority
from kiosk.backoffice.config import BackofficeConfig, load
from kiosk.backoffice.console import app as console
from kiosk.backoffice.direct import Direct
from kiosk.backoffice.errors import (
    DATABASE_ERRORS,
    ApiError,
    api_error,
    database_unavailable,
    http_error,
    unexpected_error,
)
from kiosk.backoffice.level3 import Level3Policy
from kiosk.backoffice.notify import notifier_for
from kiosk.backoffice.phone import pages
from kiosk.backoffice.phone.oidc import RelyingParty
from kiosk.backoffice.phone.tokens import CodeKey
from kiosk.backoffice.transactions import transactions_for


def create_app(config: BackofficeConfig) -> Starlette:
    engine = db.make_engine(config.database_url, managed_wal=True)
    direct = Direct(config.database_url) if engine.dialect.name == "postgresql" else None
    context = ApiContext(config, engine, notifier_for(engine),
                         transactions_for(config.database_url, engine), direct)
    party = RelyingParty.from_config(config) if config.phone.enabled else None
    routes = [
        *enroll.routes(context, CertificateAuthority.from_config(config)),
        *heartbeat.routes(context),
        *events.routes(context),
        *commands.routes(context),
        *level3.routes(context, Level3Policy.from_config(config)),
        *tickets.routes(context),
        *phone.routes(context, CodeKey(party.client_secret) if party else None),
        *(pages.routes(context, party) if party else []),
        console.mount(context),
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await context.notifier.start()
        await context.transactions.start()
        if direct is not None:
            await direct.start()
        try:
            yield
        finally:
            if direct is not None:
                await direct.stop()
            await context.transactions.stop()
            await context.notifier.stop()
            engine.dispose()

    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            ApiError: api_error,
            HTTPException: http_error,
            **dict.fromkeys(DATABASE_ERRORS, database_unavailable),
            Exception: unexpected_error,
        },
    )


def factory() -> Starlette:
    """For ``uvicorn --factory``: the app of ``$KIOSK_BACKOFFICE_CONFIG``."""
    return create_app(load())
