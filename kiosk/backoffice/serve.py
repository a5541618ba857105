"""``kiosk backoffice serve``: the application, then nginx in front of it, as one service.

Order matters both ways. The application starts first and is waited for (its socket must
answer, or nginx's first requests get 502); nginx starts second and both of its ports are
waited for. On SIGTERM or SIGINT nginx stops first, so no new request reaches an application
on its way out, then the application. If either dies on its own, the other is stopped and
the command exits non-zero saying which one died: a half back-office is worse than none,
because kiosks would see it answer and fail.

While it runs, the supervisor reloads nginx (SIGHUP) when the CA's CRL file changes — nginx
reads it only at start and reload — and re-signs the CRL from the database well before its
nextUpdate, after which nginx would refuse every kiosk.
"""

from __future__ import annotations

import datetime as dt
import grp
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from cryptography import x509
from sqlalchemy.exc import SQLAlchemyError

from kiosk.backoffice import db, nginx, tickets
from kiosk.backoffice.ca import CertificateAuthority
from kiosk.backoffice.config import ENV_CONFIG, BackofficeConfig
from kiosk.backoffice.registry import Registry
from kiosk.errors import KioskError

START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
SUPERVISE_SECONDS = 0.25
CRL_CHECK_SECONDS = 60.0
# uvicorn waits this long for requests in flight (long-polls) before it cancels them.
GRACEFUL_SECONDS = 3


class ServeError(KioskError):
    code = "SERVE_FAILED"


def tls_files(ca: CertificateAuthority) -> nginx.TlsFiles:
    return nginx.TlsFiles(ca.server_pem, ca.server_key, ca.ca_pem, ca.crl_pem)


def check_ca(ca: CertificateAuthority) -> None:
    for path in (ca.ca_pem, ca.server_pem, ca.server_key, ca.crl_pem):
        if not path.is_file():
            raise ServeError(f"{path} is missing: run 'kiosk backoffice ca init' first",
                             code="CA_MISSING")


def prepare_socket_dir(config: BackofficeConfig) -> Path:
    """The application's socket directory, which only nginx's worker may enter: as root,
    root:nogroup 0750 (nginx's worker runs as nobody:nogroup); otherwise nginx runs as we
    do, and the directory is 0700. A socket left by an earlier run is removed."""
    directory = nginx.socket_path(config).parent
    directory.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        os.chown(directory, 0, grp.getgrnam(nginx.WORKER_GROUP).gr_gid)
        directory.chmod(0o750)
        _check_reachable(directory)
    else:
        directory.chmod(0o700)
    nginx.socket_path(config).unlink(missing_ok=True)
    return directory


def _check_reachable(directory: Path) -> None:
    """nginx's unprivileged worker must be able to walk down to the socket (and to its temp
    directories beside it): a state directory inside a root-only tree would give 502s."""
    for parent in directory.resolve().parents:
        if not parent.stat().st_mode & 0o001:
            raise ServeError(f"{parent} is closed to others, so nginx's worker "
                             f"({nginx.WORKER_USER}) cannot reach the application's socket "
                             f"in {directory}", code="STATE_DIR_UNREACHABLE")


def write_nginx_config(config: BackofficeConfig, ca: CertificateAuthority) -> Path:
    base = nginx.nginx_dir(config)
    base.mkdir(parents=True, exist_ok=True)
    base.chmod(0o755)
    path = nginx.config_path(config)
    path.write_text(nginx.render(config, tls_files(ca)), encoding="utf-8")
    return path


def crl_due(ca: CertificateAuthority, now: dt.datetime) -> bool:
    """Whether the CRL is past half its life (or unreadable): then it is re-signed."""
    try:
        crl = x509.load_pem_x509_crl(ca.crl_pem.read_bytes())
    except (OSError, ValueError):
        return True
    next_update = crl.next_update_utc
    if next_update is None:
        return True
    return now >= crl.last_update_utc + (next_update - crl.last_update_utc) / 2


@dataclass
class _Stop:
    signal: int | None = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.signal = signum


class Service:
    """The two processes and their supervision."""

    def __init__(self, config: BackofficeConfig, config_file: Path | None) -> None:
        self.config = config
        self.config_file = config_file
        self.ca = CertificateAuthority.from_config(config)
        self.app: subprocess.Popen[bytes] | None = None
        self.nginx: subprocess.Popen[bytes] | None = None

    # -- start ---------------------------------------------------------------------------

    def start_app(self) -> None:
        env = dict(os.environ)
        if self.config_file is not None:
            env[ENV_CONFIG] = str(self.config_file.resolve())
        workers = self.config.server.workers
        self.app = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "kiosk.backoffice.app:factory",
             "--uds", str(nginx.socket_path(self.config)), "--workers", str(workers),
             "--loop", "uvloop", "--http", "httptools",
             # nginx sets its own Date and Server and is the only client (on a Unix socket,
             # no forwarded address to trust): per-request work whose result is thrown away
             "--no-proxy-headers", "--no-server-header", "--no-date-header",
             "--no-access-log", "--log-level", "warning",
             "--timeout-graceful-shutdown", str(GRACEFUL_SECONDS)],
            env=env, stdin=subprocess.DEVNULL,
        )
        _wait(lambda: _app_answers(nginx.socket_path(self.config)), self.app, "the application")

    def start_nginx(self) -> None:
        config_file = write_nginx_config(self.config, self.ca)
        base = nginx.nginx_dir(self.config)
        self.nginx = subprocess.Popen(
            [self.config.server.nginx, "-p", str(base), "-e", str(base / "error.log"),
             "-c", str(config_file), "-g", "daemon off;"],
            stdin=subprocess.DEVNULL,
        )
        server = self.config.server
        listeners = [nginx.split_listen(where) for where in
                     (server.api_listen, server.enroll_listen, server.web_listen)]
        _wait(lambda: all(_port_open(*where) for where in listeners), self.nginx, "nginx",
              base / "error.log")

    # -- run -----------------------------------------------------------------------------

    def supervise(self, stop: _Stop) -> str | None:
        """Until a signal (None) or a death (which one died, and how)."""
        crl_mtime = _mtime(self.ca.crl_pem)
        next_crl_check = time.monotonic() + CRL_CHECK_SECONDS
        next_purge = time.monotonic()
        while stop.signal is None:
            for name, process in (("the application", self.app), ("nginx", self.nginx)):
                assert process is not None
                if process.poll() is not None:
                    return f"{name} exited with status {process.returncode}"
            if time.monotonic() >= next_crl_check:
                next_crl_check = time.monotonic() + CRL_CHECK_SECONDS
                self._keep_crl_fresh()
            if time.monotonic() >= next_purge:
                next_purge = time.monotonic() + self.config.tickets.purge_minutes * 60
                self._purge_tickets()
            mtime = _mtime(self.ca.crl_pem)
            if mtime != crl_mtime and self.nginx is not None:
                crl_mtime = mtime
                self.nginx.send_signal(signal.SIGHUP)
            time.sleep(SUPERVISE_SECONDS)
        return None

    def _keep_crl_fresh(self) -> None:
        """Re-sign a CRL past half its life; a database that does not answer now is tried
        again at the next check (days remain before nginx would refuse anyone)."""
        if not crl_due(self.ca, dt.datetime.now(dt.UTC)):
            return
        try:
            refresh_crl(self.config, self.ca)
        except (KioskError, SQLAlchemyError) as exc:
            print(f"warning: the CRL could not be re-signed ({exc}); trying again later",
                  file=sys.stderr, flush=True)

    def _purge_tickets(self) -> None:
        """The retention of the tickets' personal data; a database that does not answer now
        is tried again at the next round (a purge late by an hour keeps nothing for long)."""
        try:
            purged = tickets.purge_expired(self.config, dt.datetime.now(dt.UTC))
        except (KioskError, SQLAlchemyError) as exc:
            print(f"warning: the tickets could not be purged ({exc}); trying again later",
                  file=sys.stderr, flush=True)
            return
        if purged:
            print(f"tickets: the personal data of {purged} closed ticket(s) deleted",
                  file=sys.stderr, flush=True)

    def stop(self) -> None:
        """nginx first (fast shutdown: no new request reaches the application), then the
        application (graceful: requests in flight finish or are cut after a few seconds)."""
        for process in (self.nginx, self.app):
            if process is None or process.poll() is not None:
                continue
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT_SECONDS + GRACEFUL_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def refresh_crl(config: BackofficeConfig, ca: CertificateAuthority) -> None:
    """Re-sign the CRL with the revoked certificates the database lists."""
    engine = db.make_engine(config.database_url)
    try:
        Registry(db.make_sessionmaker(engine), ca).refresh_crl()
    finally:
        engine.dispose()


def serve(config: BackofficeConfig, config_file: Path | None) -> int:
    db.require_head(config.database_url)
    ca = CertificateAuthority.from_config(config)
    check_ca(ca)
    if crl_due(ca, dt.datetime.now(dt.UTC)):
        refresh_crl(config, ca)
    prepare_socket_dir(config)
    service = Service(config, config_file)
    stop = _Stop()
    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        service.start_app()
        service.start_nginx()
        server = config.server
        print(f"back-office serving: API https://{server.api_listen} (mutual TLS), "
              f"enrollment https://{server.enroll_listen}, console and phones "
              f"https://{server.web_listen}; {server.workers} application worker(s)",
              file=sys.stderr, flush=True)
        died = service.supervise(stop)
    finally:
        service.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if died is not None:
        raise ServeError(f"{died}; the back-office has stopped")
    return 0


# -- waiting -------------------------------------------------------------------------------


def _wait(ready: Callable[[], bool], process: subprocess.Popen[bytes], name: str,
          log: Path | None = None) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not ready():
        if process.poll() is not None:
            tail = _tail(log) if log is not None else ""
            raise ServeError(f"{name} exited with status {process.returncode} while "
                             f"starting{tail}")
        if time.monotonic() > deadline:
            raise ServeError(f"{name} did not come up within {START_TIMEOUT_SECONDS:.0f} s")
        time.sleep(0.05)


def _app_answers(path: Path) -> bool:
    """Whether a worker answers on the socket (the socket file appears before that)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(2)
            probe.connect(str(path))
            probe.sendall(b"GET / HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
            return probe.recv(16).startswith(b"HTTP/1.1 ")
    except OSError:
        return False


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def _tail(log: Path, lines: int = 5) -> str:
    try:
        text = log.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return ":\n" + "\n".join(text) if text else ""
