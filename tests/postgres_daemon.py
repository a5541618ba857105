"""A private PostgreSQL for one test process: its own cluster in a temp dir, reachable only on a
Unix socket there (``listen_addresses=''``), so parallel workers never share or clash.

initdb and pg_ctl refuse to run as root; as root they run as the ``postgres`` user (or
``nobody``) through ``setpriv``, in a directory made for that user outside pytest's private
temp tree, which only root can enter. Durability is off (fsync, synchronous_commit,
full_page_writes): the cluster lives for one test session. The server is stopped at exit,
and by a watchdog shell if the test process dies without one (SIGKILL): a postmaster left
behind would outlive the run.
(testing-the-back-office.md §1.)
"""

from __future__ import annotations

import atexit
import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

BIN = Path(os.environ.get("KIOSK_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
SETTINGS = (
    "-c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
    "-c max_connections=200"
)


def _unprivileged_user() -> pwd.struct_passwd:
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root, and there is no postgres or nobody user to drop to")


class PrivatePostgres:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
        self.data = self.dir / "data"
        self.user: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            self.user = _unprivileged_user()
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)
        self.dir.chmod(0o755)  # the clients (this process) need to reach the socket
        self.running = False

    def _argv(self, *command: str) -> list[str]:
        """A PostgreSQL tool's command line, as the unprivileged user when we are root."""
        argv = [str(BIN / command[0]), *command[1:]]
        if self.user is not None:
            argv = ["setpriv", f"--reuid={self.user.pw_uid}", f"--regid={self.user.pw_gid}",
                    "--clear-groups", *argv]
        return argv

    def _run(self, *command: str, check: bool = True) -> None:
        done = subprocess.run(self._argv(*command), capture_output=True, text=True, timeout=60,
                              check=False, cwd=self.dir)
        if check and done.returncode != 0:
            log = self.dir / "server.log"
            raise RuntimeError(f"{command[0]} failed:\n{done.stdout}{done.stderr}"
                               + (log.read_text() if log.exists() else ""))

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync",
                  "-E", "UTF8", "--locale=C.UTF-8")
        atexit.register(self.stop)
        self.running = True
        self._watchdog = self._watch(os.getpid())
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-w",
                  "-o", f"{SETTINGS} -k {self.dir}", "start")

    def _watch(self, pid: int) -> subprocess.Popen[bytes]:
        """A shell that stops the cluster once this process is gone, for the deaths atexit
        never sees (SIGKILL, a crashed xdist worker)."""
        stop = shlex.join(self._argv("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"))
        script = (f"while kill -0 {pid} 2>/dev/null; do sleep 1; done; "
                  f"{stop}; rm -rf {shlex.quote(str(self.dir))}")
        return subprocess.Popen(["sh", "-c", script], start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.running:
            self.running = False
            atexit.unregister(self.stop)
            self._watchdog.kill()
            self._watchdog.wait()
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop",
                      check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` on this cluster."""
        return f"postgresql+psycopg://postgres@/{database}?host={self.dir}"

    def execute(self, statement: sql.Composed) -> None:
        """One statement outside a transaction (CREATE/DROP DATABASE refuse to run in one)."""
        with psycopg.connect(host=str(self.dir), user="postgres", dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(statement)

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new database (a copy of ``template`` when given, which must have no open
        connection) and its URL."""
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            statement = sql.SQL("{} TEMPLATE {}").format(statement, sql.Identifier(template))
        self.execute(statement)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop ``name``, ending any connection a test left open."""
        self.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
