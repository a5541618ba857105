"""The migrations build the schema the models describe, from nothing and from the previous
revision, on SQLite and PostgreSQL; and a database that is not there is a coded error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.backoffice import db
from kiosk.backoffice.models import Base, Event, Kiosk
from kiosk.errors import KioskError

PREVIOUS = "0001"
TABLES = {"kiosks", "certificates", "enrollment_tokens", "events", "commands", "nonces",
          "verifications"}


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


def test_times_come_back_aware_and_in_utc(sessions: sessionmaker[Session]) -> None:
    rome = dt.timezone(dt.timedelta(hours=1))
    at = dt.datetime(2026, 12, 7, 9, 30, 15, 123456, tzinfo=rome)
    with sessions.begin() as session:
        session.add(Kiosk(name="atrio-1", created_at=at))
    with sessions() as session:
        stored = session.scalars(select(Kiosk.created_at)).one()
        later = session.scalars(select(Kiosk.name).where(Kiosk.created_at > at)).all()
    assert stored == at
    assert stored.tzinfo == dt.UTC
    assert later == []


def test_a_naive_time_is_refused(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(StatementError, match="naive datetime"), sessions.begin() as session:
        session.add(Kiosk(name="atrio-1", created_at=dt.datetime(2026, 12, 7, 9, 30)))


def test_one_event_key_is_stored_once_per_kiosk(sessions: sessionmaker[Session]) -> None:
    """The constraint that makes the outbox's redelivery harmless."""
    now = dt.datetime.now(dt.UTC)
    with sessions.begin() as session:
        first, second = Kiosk(name="atrio-1"), Kiosk(name="atrio-2")
        session.add_all([first, second])
        session.flush()
        for kiosk in (first, second):  # the same key from two kiosks is two events
            session.add(Event(kiosk_id=kiosk.id, key="k" * 16, seq=1, kind="journey.started",
                              at=now, data={"journey": "test-pin"}))
    with pytest.raises(IntegrityError), sessions.begin() as session:
        session.add(Event(kiosk_id=first.id, key="k" * 16, seq=2, kind="journey.started",
                          at=now))


def test_foreign_keys_are_enforced(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(IntegrityError), sessions.begin() as session:
        session.add(Event(kiosk_id=999, key="k" * 16, seq=1, kind="journey.started",
                          at=dt.datetime.now(dt.UTC)))


@pytest.mark.parametrize("url", ["nonsense", "mysql://u@localhost/x", "sqlite://"])
def test_a_url_that_cannot_be_right_is_config_invalid(url: str) -> None:
    with pytest.raises(KioskError) as caught:
        db.upgrade(url)
    assert caught.value.code == "CONFIG_INVALID"


def test_an_unreachable_database_is_database_unavailable(tmp_path: Path) -> None:
    urls = [f"postgresql://postgres@/x?host={tmp_path}",  # no server on this socket
            f"sqlite:///{tmp_path}/missing-dir/backoffice.db"]
    for url in urls:
        with pytest.raises(KioskError) as caught:
            db.upgrade(url)
        assert caught.value.code == "DATABASE_UNAVAILABLE"
        assert str(tmp_path) in str(caught.value)
