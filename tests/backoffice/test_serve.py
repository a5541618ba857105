"""``kiosk backoffice serve`` as a service: it stops both of its processes cleanly on SIGTERM
(a kiosk's long-poll in flight included),
stops the survivor when one dies, refuses an unmigrated database; and the nginx configuration
it writes (``nginx-config``) is one nginx accepts."""

from __future__ import annotations

import contextlib
import grp
import os
import signal
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from kiosk.backoffice import nginx
from tests.backoffice.stack import Stack, prepare_stack, write_config
from tests.conftest import run_kiosk


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_gone(pids: list[int], seconds: float = 15) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := [pid for pid in pids if alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.fixture
def stack() -> Iterator[Stack]:
    prepared = prepare_stack(workers=2)
    try:
        yield prepared
    finally:
        prepared.close()


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_nginx_then_the_application_and_exits_zero(
        stack: Stack, signum: signal.Signals) -> None:
    stack.start()
    assert stack.process is not None
    serve_children = children(stack.process.pid)
    nginx_master = int((nginx.nginx_dir(stack.config) / "nginx.pid").read_text())
    assert nginx_master in serve_children and len(serve_children) == 2
    everything = serve_children + [pid for child in serve_children
                                    for pid in children(child)]
    kiosk = stack.enroll()
    with stack.client(kiosk) as client, ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(client.get, "/api/v1/commands", params={"wait": 25})
        time.sleep(1)  # (no way to see from here that the long-poll is waiting: a second)
        stack.process.send_signal(signum)
        assert stack.process.wait(30) == 0
        with contextlib.suppress(httpx.HTTPError):
            waiting.result()
    assert wait_gone(everything) == []
    assert not _answers(stack)
    log = stack.log.read_text()
    assert "Traceback" not in log and "ERROR" not in log, log


def _answers(stack: Stack) -> bool:
    try:
        with socket.socket(socket.AF_UNIX) as probe:
            probe.connect(str(nginx.socket_path(stack.config)))
            return True
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("dies", ["the application", "nginx"])
def test_when_one_process_dies_the_other_is_stopped_and_serve_fails(
        stack: Stack, dies: str) -> None:
    stack.start()
    assert stack.process is not None
    nginx_master = int((nginx.nginx_dir(stack.config) / "nginx.pid").read_text())
    application = next(pid for pid in children(stack.process.pid) if pid != nginx_master)
    killed, survivor = ((application, nginx_master) if dies == "the application"
                        else (nginx_master, application))
    # Either killed outright leaves its workers to init (nginx's holding the listening
    # ports): under systemd the unit's cgroup goes with them; here the test stops them.
    orphans = children(killed)
    os.kill(killed, signal.SIGKILL)
    try:
        assert stack.process.wait(30) == 1
        assert wait_gone([survivor]) == []
        assert f"{dies} exited" in stack.log.read_text()
    finally:
        for pid in orphans:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        assert wait_gone(orphans) == []


def test_the_applications_socket_is_in_a_directory_only_nginxs_worker_may_enter(
        stack: Stack) -> None:
    """As root the socket's directory is root:nogroup 0750 (nginx's worker runs as
    nobody:nogroup); as anyone else it is theirs alone (nginx runs as them)."""
    stack.start()
    directory = nginx.socket_path(stack.config).parent.stat()
    if os.geteuid() == 0:
        assert (directory.st_uid, directory.st_gid) == (0, grp.getgrnam("nogroup").gr_gid)
        assert stat.S_IMODE(directory.st_mode) == 0o750
    else:
        assert stat.S_IMODE(directory.st_mode) == 0o700


def test_an_unmigrated_database_is_refused_with_a_code(tmp_path: Path) -> None:
    config = tmp_path / "backoffice.toml"
    write_config(config, {"state_dir": str(tmp_path / "state"),
                          "database": {"url": f"sqlite:///{tmp_path / 'empty.db'}"}})
    done = run_kiosk("backoffice", "serve", "--config", str(config))
    assert done.returncode == 2
    assert "DATABASE_NOT_MIGRATED" in done.stderr


def test_the_printed_nginx_config_is_valid_for_nginx(stack: Stack) -> None:
    done = stack.cli("nginx-config")
    assert done.returncode == 0, done.stderr
    base = nginx.nginx_dir(stack.config)
    base.mkdir(parents=True)
    (base / "nginx.conf").write_text(done.stdout)
    assert "ssl_verify_client on;" in done.stdout
    checked = subprocess.run(
        [stack.config.server.nginx, "-t", "-p", str(base), "-e", str(base / "error.log"),
         "-c", str(base / "nginx.conf")],
        capture_output=True, text=True, timeout=30, check=False)
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr
