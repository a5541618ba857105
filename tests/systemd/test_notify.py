"""``kiosk run`` as systemd runs it: told ready on the notify socket once the screen, the reader
and the uplink are up, then the UI loop's watchdog pings at half the interval systemd gave, and
none while the loop is frozen. The socket is the test's own AF_UNIX datagram socket."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.watchdog import Watchdog, watchdog_interval
from tests.conftest import ROOT, kiosk_command
from tests.ui.conftest import sim_config


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[socket.socket]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(tmp_path / "notify.sock"))
        sock.settimeout(30)
        yield sock


@pytest.mark.parametrize(("environ", "interval"), [
    ({"WATCHDOG_USEC": "20000000"}, 20.0),
    ({"WATCHDOG_USEC": "500000", "WATCHDOG_PID": "4242"}, 0.5),
    ({}, None),
    ({"WATCHDOG_USEC": "0"}, None),
    ({"WATCHDOG_USEC": "ten"}, None),
    ({"WATCHDOG_USEC": "500000", "WATCHDOG_PID": "4243"}, None),  # a child's inheritance
])
def test_the_interval_follows_sd_watchdog_enabled(environ: dict[str, str],
                                                  interval: float | None) -> None:
    assert watchdog_interval(environ, 4242) == interval


def test_feeding_often_pings_once_per_half_interval(notify_socket: socket.socket,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", notify_socket.getsockname())
    watchdog = Watchdog(3600.0)
    for _ in range(100):
        watchdog.feed()
    assert notify_socket.recv(64) == b"WATCHDOG=1"
    notify_socket.setblocking(False)
    with pytest.raises(BlockingIOError):
        notify_socket.recv(64)


@pytest.mark.slow
@pytest.mark.parametrize("watchdog_pid", ["unset", "the kiosk's"])
def test_kiosk_run_is_ready_then_pings_from_its_loop(tmp_path: Path, watchdog_pid: str,
                                                     notify_socket: socket.socket) -> None:
    conf = tmp_path / "kiosk.toml"
    conf.write_text(sim_config(tmp_path))
    env = {key: value for key, value in os.environ.items() if key != "WATCHDOG_PID"}
    env.update(NOTIFY_SOCKET=notify_socket.getsockname(), WATCHDOG_USEC="200000")
    command = kiosk_command("run", "--headless", "--config", str(conf))
    if watchdog_pid != "unset":  # as systemd sets it: the pid that exec's the kiosk
        command = ["sh", "-c", 'WATCHDOG_PID=$$ exec "$0" "$@"', *command]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert notify_socket.recv(4096).startswith(b"READY=1\n")
        assert [notify_socket.recv(64) for _ in range(5)] == [b"WATCHDOG=1"] * 5

        # A frozen loop is silent: nothing arrives however long we wait for it.
        proc.send_signal(signal.SIGSTOP)
        while True:  # what was sent before the stop
            notify_socket.settimeout(0.5)
            try:
                notify_socket.recv(64)
            except TimeoutError:
                break
        notify_socket.settimeout(2)
        with pytest.raises(TimeoutError):
            notify_socket.recv(64)
        proc.send_signal(signal.SIGCONT)
        notify_socket.settimeout(30)
        assert notify_socket.recv(64) == b"WATCHDOG=1"

        proc.send_signal(signal.SIGTERM)
        while (message := notify_socket.recv(4096)) == b"WATCHDOG=1":
            pass
        assert message == b"STOPPING=1"
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        _out, err = proc.communicate()
    assert "Traceback" not in err
