"""A private pcscd with vpcd for one test process: its own socket, reader names and TCP ports.

pcscd's socket path is compiled in, but pcscd accepts a socket handed over by systemd-style
socket activation, and libpcsclite clients honour $PCSCLITE_CSOCK_NAME. So the test binds a
Unix socket of its own, passes it to pcscd as fd 3 (``LISTEN_FDS=1``, ``LISTEN_PID``), and
points the clients at it. As root, pcscd is kept in a mount namespace with its own
``/run/pcscd`` so it cannot clobber the system daemon's pid file; as a user without
``/run/pcscd``, a user namespace provides one. (testing-without-hardware.md §3.)
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

VPCD_DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
# pcscd lives in /usr/sbin, which is not on an ordinary user's PATH.
PCSCD = shutil.which("pcscd", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin") or "pcscd"
PROBE = "from smartcard.System import readers; print([str(r) for r in readers()])"


def free_port_pair() -> int:
    """A port P with P and P+1 free on 0.0.0.0 (vpcd opens both, on every interface)."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port: int = probe.getsockname()[1]  # (host, port) for AF_INET
        try:
            for candidate in (port, port + 1):
                with socket.socket() as taken:
                    taken.bind(("0.0.0.0", candidate))  # vpcd's own binding
            return port
        except OSError:
            continue


class PrivatePcscd:
    def __init__(self, directory: Path, name: str) -> None:
        self.dir = directory
        self.port = free_port_pair()
        self.reader = f"{name} 00 00"
        self.socket_path = str(directory / "pcscd.comm")
        conf = directory / "reader.conf.d"
        conf.mkdir()
        (conf / "vpcd").write_text(
            f'FRIENDLYNAME "{name}"\nDEVICENAME /dev/null:{self.port}\n'
            f"LIBPATH {VPCD_DRIVER}\nCHANNELID {self.port}\n"
        )
        self.conf = str(conf)
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0

    def start(self) -> None:
        Path(self.socket_path).unlink(missing_ok=True)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.socket_path)
        listener.listen(64)
        fd = os.dup(listener.fileno())
        listener.close()
        # bash, not dash: dash cannot redirect file descriptors above 9.
        run = f'exec 3<&{fd} {fd}<&-; LISTEN_PID=$$ LISTEN_FDS=1 exec {PCSCD} --foreground -c "$0"'
        if os.geteuid() == 0:
            cmd = ["unshare", "--mount", "--propagation", "private", "bash", "-c",
                   "mkdir -p /run/pcscd && mount -t tmpfs tmpfs /run/pcscd && " + run, self.conf]
        elif os.path.isdir("/run/pcscd"):
            cmd = ["bash", "-c", run, self.conf]
        else:
            cmd = ["unshare", "--user", "--map-root-user", "--mount", "bash", "-c",
                   "mount -t tmpfs tmpfs /run && mkdir /run/pcscd && " + run, self.conf]
        log = (self.dir / f"pcscd-{self.restarts}.log").open("wb")
        self.proc = subprocess.Popen(cmd, pass_fds=(fd,), stdout=log, stderr=subprocess.STDOUT)
        log.close()
        os.close(fd)
        self.wait_ready()

    def wait_ready(self, timeout: float = 15) -> None:
        """Probe from a child process: a dead socket would block this one for ever."""
        env = dict(os.environ, PCSCLITE_CSOCK_NAME=self.socket_path)
        deadline = time.monotonic() + timeout
        while True:
            try:
                out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True,
                                     text=True, timeout=5, env=env, check=False).stdout
            except subprocess.TimeoutExpired:
                out = ""
            if self.reader in out:
                return
            assert self.proc is not None
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                logs = "".join(p.read_text() for p in self.dir.glob("pcscd-*.log"))
                raise RuntimeError(f"private pcscd not ready:\n{logs}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.restarts += 1
        self.start()
