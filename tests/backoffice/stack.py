"""A real back-office for tests and benches: ``kiosk backoffice serve`` as a subprocess (the
application's workers behind a private nginx doing mutual TLS), on a fresh state directory
with its CA, on SQLite or on a PostgreSQL database, with ports from bind(0).

In a test, take the session-scoped fixture (one stack per database kind and test process)::

    # your conftest.py: importing the fixtures registers them (the PostgreSQL one needs
    # the `postgres` fixture of tests/backoffice/conftest.py, imported the same way)
    from tests.backoffice.conftest import postgres  # noqa: F401
    from tests.backoffice.stack import backoffice_stack, sqlite_stack  # noqa: F401

    def test_heartbeat(backoffice_stack: Stack) -> None:      # runs [sqlite] and [postgresql]
        kiosk = backoffice_stack.enroll()                       # a real POST /enroll
        with backoffice_stack.client(kiosk) as client:         # httpx, mTLS, keep-alive
            client.post("/api/v1/heartbeat", json={...})

Outside pytest (a bench), the context manager does the same::

    with start_stack(database_url=None, workers=2) as stack:   # None: SQLite in the state dir
        kiosks = [stack.enroll() for _ in range(100)]

What a :class:`Stack` gives:

- ``api_url`` (mTLS), ``enroll_url`` and ``web_url`` (the console and the phones; no client
  certificate), all ``https://127.0.0.1:PORT``;
  ``ca_file``, the back-office CA a kiosk pins; ``config_file`` for ``kiosk backoffice …``.
- ``add_kiosk(name)``: the one-time enrollment token (``v1.<secret>.<pin>``), as
  ``kiosk backoffice kiosk add`` prints it: hand it to ``kiosk enroll --url stack.enroll_url``.
- ``enroll(name=None)``: add a kiosk and enroll it through the real ``POST /enroll`` with a
  fresh EC key: :class:`KioskCredentials` (name, key, cert and CA files; ``ssl_context()``).
- ``client(credentials)`` / ``client(context=…)``: an ``httpx.Client`` on the API.
- ``issue(name, kind, message)``, ``revoke(name)``, ``session()``: commands, revocation and
  the database, in-process (the same code the CLI runs); ``cli(*args)`` runs the real CLI.
- ``card_pki``: a test CIE PKI (kiosk.sim.pki) whose auth CA is the level-3 anchor, and
  ``revoke_card(serial)`` to list a card certificate in the level-3 CRL file.

The state directory is made outside pytest's temp tree (which only root can enter), because
nginx's worker runs as ``nobody`` and must reach the application's socket; it is removed when
the stack stops.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kiosk.backoffice import db
from kiosk.backoffice.ca import CertificateAuthority
from kiosk.backoffice.config import BackofficeConfig, load
from kiosk.backoffice.notify import issue_command
from kiosk.backoffice.registry import Registry
from kiosk.sim import pki as sim_pki
from kiosk.uplink.schemas import CA_PATH, ENROLL_PATH, CommandKind

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 30.0
_names = itertools.count(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class KioskCredentials:
    name: str
    key: Path
    cert: Path
    ca: Path

    def ssl_context(self) -> ssl.SSLContext:
        return client_context(self.ca, self.cert, self.key)


def client_context(ca: Path, cert: Path | None = None, key: Path | None = None
                   ) -> ssl.SSLContext:
    """What a kiosk uses: the pinned CA as the only anchor, and its certificate (httpx 0.29
    has no ``cert=``: the context is passed as ``verify=``)."""
    context = ssl.create_default_context(cafile=str(ca))
    if cert is not None:
        context.load_cert_chain(str(cert), str(key) if key else None)
    return context


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


def write_config(path: Path, settings: dict[str, Any]) -> None:
    """A flat TOML file: top-level values, then one table per dict."""
    lines = [f"{key} = {_toml(value)}" for key, value in settings.items()
             if not isinstance(value, dict)]
    for table, values in settings.items():
        if isinstance(values, dict):
            lines += ["", f"[{table}]", *(f"{key} = {_toml(value)}"
                                          for key, value in values.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@dataclass
class Stack:
    directory: Path
    config_file: Path
    config: BackofficeConfig
    card_pki: sim_pki.TestPki
    level3_crl: Path
    process: subprocess.Popen[bytes] | None = None
    _engine: Engine | None = None
    _revoked_cards: list[int] = field(default_factory=list)

    # -- where ---------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"https://{self.config.server.api_listen}"

    @property
    def enroll_url(self) -> str:
        return f"https://{self.config.server.enroll_listen}"

    @property
    def web_url(self) -> str:
        return f"https://{self.config.server.web_listen}"

    @property
    def ca(self) -> CertificateAuthority:
        return CertificateAuthority.from_config(self.config)

    @property
    def ca_file(self) -> Path:
        return self.ca.ca_pem

    @property
    def log(self) -> Path:
        return self.directory / "serve.log"

    # -- the database, in-process --------------------------------------------------------

    @property
    def sessions(self) -> sessionmaker[Session]:
        if self._engine is None:
            self._engine = db.make_engine(self.config.database_url)
        return db.make_sessionmaker(self._engine)

    def session(self) -> Session:
        return self.sessions()

    @property
    def registry(self) -> Registry:
        return Registry(self.sessions, self.ca)

    def add_kiosk(self, name: str | None = None) -> tuple[str, str]:
        """(name, token) for a new kiosk."""
        name = name or f"kiosk-{os.getpid()}-{next(_names)}"
        return name, self.registry.add_kiosk(name, self.config.enrollment.token_hours)

    def enroll(self, name: str | None = None) -> KioskCredentials:
        name, token = self.add_kiosk(name)
        directory = self.directory / "kiosks" / name
        directory.mkdir(parents=True)
        key = ec.generate_private_key(ec.SECP256R1())
        csr = (x509.CertificateSigningRequestBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
               .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
        secret = token.split(".")[1]
        with httpx.Client(verify=client_context(self.ca_file), timeout=30) as client:
            answer = client.post(f"{self.enroll_url}{ENROLL_PATH}",
                                 json={"token": secret, "csr": csr.decode("ascii")})
        assert answer.status_code == 200, answer.text
        credentials = KioskCredentials(name, directory / "key.pem", directory / "cert.pem",
                                       directory / "ca.pem")
        credentials.key.write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        credentials.key.chmod(0o600)
        credentials.cert.write_text(answer.json()["certificate"])
        credentials.ca.write_text(answer.json()["ca"])
        return credentials

    def client(self, credentials: KioskCredentials | None = None, *,
               context: ssl.SSLContext | None = None, timeout: float = 40) -> httpx.Client:
        if context is None:
            context = (credentials.ssl_context() if credentials is not None
                       else client_context(self.ca_file))
        return httpx.Client(base_url=self.api_url, verify=context, timeout=timeout)

    def issue(self, kiosk: str, kind: CommandKind, message: str | None = None) -> int:
        with self.sessions.begin() as session:
            return issue_command(session, kiosk, kind, message).id

    def revoke(self, kiosk: str) -> None:
        self.registry.revoke(kiosk)

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """``kiosk backoffice ARGS --config <this stack's file>``."""
        return subprocess.run(
            [sys.executable, "-m", "kiosk", "backoffice", *args, "--config",
             str(self.config_file)],
            capture_output=True, text=True, timeout=60, cwd=ROOT, input=stdin, check=False)

    # -- level 3 -------------------------------------------------------------------------

    def revoke_card(self, serial: int) -> None:
        """List a card certificate in the level-3 CRL file (read at every check)."""
        self._revoked_cards.append(serial)
        write_card_crl(self.card_pki, self.level3_crl, self._revoked_cards)

    # -- running -------------------------------------------------------------------------

    def start(self) -> None:
        log = self.log.open("ab")
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "kiosk", "backoffice", "serve", "--config",
                 str(self.config_file)],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        finally:
            log.close()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._answers():
            if self.process.poll() is not None:
                raise RuntimeError(f"kiosk backoffice serve exited with "
                                   f"{self.process.returncode}:\n{self.log.read_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the back-office did not come up:\n{self.log.read_text()}")
            time.sleep(0.1)

    def _answers(self) -> bool:
        try:
            with httpx.Client(verify=client_context(self.ca_file), timeout=5) as client:
                return client.get(f"{self.enroll_url}{CA_PATH}").status_code == 200
        except httpx.TransportError:
            return False

    def stop(self) -> int | None:
        """SIGTERM and wait; the exit status (None if it was never started)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def close(self) -> None:
        try:
            self.stop()
        finally:
            if self._engine is not None:
                self._engine.dispose()
            shutil.rmtree(self.directory, ignore_errors=True)


def write_card_crl(pki: sim_pki.TestPki, path: Path, revoked: list[int]) -> None:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(pki.auth_ca.certificate.subject)
        .last_update(now - dt.timedelta(hours=1))
        .next_update(now + dt.timedelta(days=1))
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            pki.auth_ca.key.public_key()), critical=False)
        .add_extension(x509.CRLNumber(len(revoked) + 1), critical=False)
    )
    for serial in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial)
            .revocation_date(now - dt.timedelta(minutes=5)).build())
    crl = builder.sign(pki.auth_ca.key, hashes.SHA256())
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(crl.public_bytes(serialization.Encoding.DER))
    temporary.replace(path)


def prepare_stack(database_url: str | None = None, *, workers: int = 2,
                  rate_per_minute: int = 600, **tables: dict[str, Any]) -> Stack:
    """A state directory with its config, migrated database, CA and level-3 test PKI; not
    started. ``tables`` add to or override the config's tables (``server={...}``)."""
    directory = Path(tempfile.mkdtemp(prefix="kiosk-backoffice-"))
    directory.chmod(0o711)  # nginx's worker (nobody) walks through to the socket
    state = directory / "state"
    state.mkdir()
    level3 = directory / "level3"
    level3.mkdir()
    card_pki = sim_pki.new()
    sim_pki.save(card_pki, level3 / "pki")
    crl = level3 / "crl.der"
    write_card_crl(card_pki, crl, [])
    settings: dict[str, Any] = {
        "state_dir": str(state),
        "server": {"public_host": "localhost", "workers": workers,
                   "api_listen": f"127.0.0.1:{free_port()}",
                   "enroll_listen": f"127.0.0.1:{free_port()}",
                   "web_listen": f"127.0.0.1:{free_port()}"},
        "database": {"url": database_url or "sqlite:///backoffice.db"},
        "enrollment": {"rate_per_minute": rate_per_minute},
        "level3": {"anchors": [str(level3 / "pki" / sim_pki.AUTH_CA_FILE)],
                   "crls": [str(crl)], "revocation": "hard-fail"},
    }
    for table, values in tables.items():
        settings[table] = {**settings.get(table, {}), **values}
    config_file = directory / "backoffice.toml"
    write_config(config_file, settings)
    config = load(config_file)
    db.upgrade(config.database_url)
    CertificateAuthority.from_config(config).create(config.server.public_host)
    return Stack(directory, config_file, config, card_pki, crl)


@contextlib.contextmanager
def start_stack(database_url: str | None = None, **options: Any) -> Iterator[Stack]:
    stack = prepare_stack(database_url, **options)
    try:
        stack.start()
        yield stack
    finally:
        stack.close()


# -- fixtures --------------------------------------------------------------------------------


def database(request: pytest.FixtureRequest, kind: str) -> Iterator[str | None]:
    """None for SQLite (the stack's own file), else a fresh PostgreSQL database, dropped
    after."""
    if kind == "sqlite":
        yield None
        return
    postgres = request.getfixturevalue("postgres")
    name = f"stack_{next(_names)}"
    url: str = postgres.create_database(name)
    try:
        yield url
    finally:
        postgres.drop_database(name)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backoffice_stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    """One running back-office per database kind for the whole test process (2 workers)."""
    for url in database(request, request.param):
        with start_stack(url) as stack:
            yield stack


@pytest.fixture(scope="session")
def sqlite_stack() -> Iterator[Stack]:
    """A running back-office on SQLite, for tests that need only one kind."""
    with start_stack() as stack:
        yield stack
