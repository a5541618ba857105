"""Alembic's entry point for the back-office's migrations.

:func:`kiosk.backoffice.db.upgrade` hands over an open connection (so SQLite gets the
engine's pragmas); a developer writing a new revision may instead give ``sqlalchemy.url``.
SQLite alters tables in batch mode (copy and swap), the only way it can change a column or a
constraint.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from kiosk.backoffice import db
from kiosk.backoffice.models import Base


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


given = context.config.attributes.get("connection")
if given is not None:
    run(given)
else:
    engine = db.make_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as connection:
        run(connection)
    engine.dispose()
