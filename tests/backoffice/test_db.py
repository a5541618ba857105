"""The engine and the models on SQLite and PostgreSQL: aware UTC times, the constraints that
keep delivery exactly-once, readers that do not queue behind writers, and coded errors for a
database that is not there."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.backoffice import db
from kiosk.backoffice.models import Event, Kiosk
from kiosk.errors import KioskError


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


def test_a_reader_reads_while_a_writer_holds_its_transaction(database_url: str) -> None:
    engine = db.make_engine(database_url)
    try:
        with engine.begin() as writer:
            writer.execute(insert(Kiosk).values(name="atrio-1", created_at=dt.datetime.now(dt.UTC),
                                                outbox_alarm=False))
            with db.reader(engine).connect() as reading:
                assert reading.scalars(select(Kiosk.name)).all() == []  # not committed yet
        with db.reader(engine).connect() as reading:
            assert reading.scalars(select(Kiosk.name)).all() == ["atrio-1"]
    finally:
        engine.dispose()
