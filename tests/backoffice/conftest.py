"""Fixtures for the back-office: a real PostgreSQL and a real SQLite, a fresh database per test.

- ``postgres`` (session): a private PostgreSQL 15 cluster for this test process (one per
  xdist worker), on a Unix socket in its own temp dir; started on first use, so a run that
  only touches SQLite never starts it.
- ``database_kind``: ``"sqlite"`` or ``"postgresql"``; every test that uses a database fixture
  runs once on each (test ids ``[sqlite]``, ``[postgresql]``).
- ``database_url``: a fresh database migrated to head (a copy of a template migrated once per
  session: a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL).
- ``empty_database_url``: a fresh database with no tables, for migration tests.
- ``sessions``: a sessionmaker on ``database_url``, its engine disposed after the test.
- ``backoffice_config``: a :class:`BackofficeConfig` with its state directory in the test's
  temp dir and ``database_url`` as its database.
- ``ca``: the back-office CA made in that state directory for ``localhost``.
- ``backoffice_stack`` (session, per database kind) and ``sqlite_stack``: a running
  ``kiosk backoffice serve`` behind real nginx (tests/backoffice/stack.py).
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kiosk.backoffice import db
from kiosk.backoffice.ca import CertificateAuthority
from kiosk.backoffice.config import BackofficeConfig
from tests.backoffice.stack import backoffice_stack, sqlite_stack  # noqa: F401 - fixtures
from tests.postgres_daemon import PrivatePostgres

TEMPLATE = "kiosk_template_head"
_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "head.db"
    db.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres_template(postgres: PrivatePostgres) -> str:
    db.upgrade(postgres.create_database(TEMPLATE))
    return TEMPLATE


@pytest.fixture(params=["sqlite", "postgresql"])
def database_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


def _fresh_database(request: pytest.FixtureRequest, kind: str, tmp_path: Path,
                    migrated: bool) -> Iterator[str]:
    if kind == "sqlite":
        path = tmp_path / "backoffice.db"
        if migrated:
            shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    postgres: PrivatePostgres = request.getfixturevalue("postgres")
    template = request.getfixturevalue("_postgres_template") if migrated else None
    name = f"test_{next(_names)}"
    url = postgres.create_database(name, template=template)
    try:
        yield url
    finally:
        postgres.drop_database(name)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, database_kind: str,
                 tmp_path: Path) -> Iterator[str]:
    yield from _fresh_database(request, database_kind, tmp_path, migrated=True)


@pytest.fixture
def empty_database_url(request: pytest.FixtureRequest, database_kind: str,
                       tmp_path: Path) -> Iterator[str]:
    yield from _fresh_database(request, database_kind, tmp_path, migrated=False)


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = db.make_engine(database_url)
    try:
        yield db.make_sessionmaker(engine)
    finally:
        engine.dispose()


@pytest.fixture
def backoffice_config(tmp_path: Path, database_url: str) -> BackofficeConfig:
    state = tmp_path / "state"
    state.mkdir()
    return BackofficeConfig.model_validate(
        {"state_dir": str(state), "database": {"url": database_url}}
    )


@pytest.fixture
def ca(backoffice_config: BackofficeConfig) -> CertificateAuthority:
    authority = CertificateAuthority.from_config(backoffice_config)
    authority.create(backoffice_config.server.public_host)
    return authority
