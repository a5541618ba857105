"""The migrations build the schema the models describe, from nothing and from the previous
revision, and back down, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect, select

from kiosk.backoffice import db
from kiosk.backoffice.models import Base, Kiosk

PREVIOUS = "0001"
TABLES = {"kiosks", "certificates", "enrollment_tokens", "events", "commands", "nonces",
          "verifications", "tickets", "phone_logins"}
# the clerks' console (0003)
TABLES |= {"console_users", "console_login_failures", "console_audit", "console_help_acks"}


def schema_difference(url: str) -> list[object]:
    engine = db.make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = db.make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_an_empty_database_upgrades_to_the_schema_of_the_models(empty_database_url: str) -> None:
    assert db.current(empty_database_url) is None
    db.upgrade(empty_database_url)
    assert db.current(empty_database_url) == db.head()
    assert tables(empty_database_url) == TABLES
    assert schema_difference(empty_database_url) == []


def test_the_previous_revision_upgrades_to_head_keeping_its_rows(empty_database_url: str) -> None:
    db.upgrade(empty_database_url, PREVIOUS)
    assert tables(empty_database_url) == {"kiosks", "certificates", "enrollment_tokens"}
    engine = db.make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(insert(Kiosk).values(
                name="atrio-1", created_at=dt.datetime.now(dt.UTC), outbox_alarm=False))
        db.upgrade(empty_database_url)
        with engine.connect() as connection:
            assert connection.scalars(select(Kiosk.name)).all() == ["atrio-1"]
    finally:
        engine.dispose()
    assert db.current(empty_database_url) == db.head()
    assert schema_difference(empty_database_url) == []

def test_downgrade_to_nothing_and_up_again(database_url: str) -> None:
    db.downgrade(database_url, PREVIOUS)
    assert tables(database_url) == {"kiosks", "certificates", "enrollment_tokens"}
    db.downgrade(database_url, "base")
    assert tables(database_url) == set()
    db.upgrade(database_url)
    assert schema_difference(database_url) == []


def test_upgrading_twice_changes_nothing(database_url: str) -> None:
    db.upgrade(database_url)
    assert db.current(database_url) == db.head()
