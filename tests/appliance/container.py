"""A root filesystem booted with ``systemd-nspawn --boot``, its systemd as the container's
PID 1, on a machine with no systemd of its own (appliance.md, "Booting a root filesystem").

- ``--register=no --keep-unit``: there is no machined or system bus to register with.
- nspawn runs inside ``unshare --mount`` with a tmpfs on /run/systemd/nspawn: this machine's
  /run is no tmpfs, and nspawn would leave its propagation directories behind there.
- ``--console=read-only``: the console goes to a log file; a pipe console hangs at shutdown.
- ``--volatile=overlay``: the root filesystem is the lower layer of an overlay whose upper
  layer is in memory, so a boot changes nothing in it; ``files`` are bound over it read-only.
- The container is stopped from inside (``systemctl poweroff``), else with SIGTERM to nspawn,
  which powers it off too; never SIGKILL, which would orphan the container's systemd.

Commands run inside through ``nsenter`` into the namespaces of the container's systemd.

    with booted(root, log) as container:
        container.run("systemctl", "status", "kiosk.service")
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BOOT_TIMEOUT_SECONDS = 60.0
POWEROFF_TIMEOUT_SECONDS = 30.0
# What commands in the container see: not the test's environment.
ENVIRONMENT = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C.UTF-8"}
NSPAWN = ("mkdir -p /run/systemd/nspawn && mount -t tmpfs tmpfs /run/systemd/nspawn && "
          'exec systemd-nspawn --quiet --register=no --keep-unit --boot --console=read-only '
          '--volatile=overlay -D "$0" "$@"')


@dataclass(frozen=True)
class Container:
    init: int  # the container's systemd, as this machine numbers it

    def run(self, *argv: str, check: bool = True,
            timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["nsenter", "-t", str(self.init), "-m", "-u", "-i", "-n", "-p",
                               "--", *argv], env=ENVIRONMENT, capture_output=True, text=True,
                              timeout=timeout, check=check)

    def show(self, unit: str | None, *properties: str) -> dict[str, str]:
        """Properties of ``unit``, or of the service manager itself (None)."""
        units = [unit] if unit else []
        done = self.run("systemctl", "show", *units, *(f"--property={p}" for p in properties))
        return dict(line.split("=", 1) for line in done.stdout.splitlines())


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _container_init(nspawn: int) -> int | None:
    """The descendant of nspawn that is PID 1 of its own PID namespace, once it runs systemd."""
    todo = [nspawn]
    while todo:
        pid = todo.pop()
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            status = Path(f"/proc/{pid}/status").read_text()
            nspid = next(line.split()[1:] for line in status.splitlines()
                         if line.startswith("NSpid:"))
            if len(nspid) > 1 and nspid[-1] == "1":
                comm = Path(f"/proc/{pid}/comm").read_text().strip()
                return pid if comm == "systemd" else None
            todo += _children(pid)
    return None


@contextlib.contextmanager
def booted(root: Path, console_log: Path, *, files: dict[str, Path]) -> Iterator[Container]:
    """Boot ``root`` until its systemd says the boot is over (running or degraded);
    ``files``: a path inside for each host file to bind there."""
    binds = [f"--bind-ro={host}:{inside}" for inside, host in files.items()]
    with console_log.open("w") as log:
        nspawn = subprocess.Popen(["unshare", "--mount", "--propagation", "private",
                                   "sh", "-c", NSPAWN, str(root), *binds],
                                  stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    container: Container | None = None
    try:
        deadline = time.monotonic() + BOOT_TIMEOUT_SECONDS
        while container is None:
            assert nspawn.poll() is None, f"nspawn ended: {console_log.read_text()}"
            assert time.monotonic() < deadline, f"no container: {console_log.read_text()}"
            init = _container_init(nspawn.pid)
            if init is None:
                time.sleep(0.1)
            else:
                container = Container(init)
        while True:  # systemctl answers once the container's systemd has its private socket
            state = container.run("systemctl", "is-system-running", "--wait", check=False,
                                  timeout=BOOT_TIMEOUT_SECONDS).stdout.strip()
            if state in ("running", "degraded"):
                break
            assert time.monotonic() < deadline, f"boot not over ({state}): {console_log}"
            time.sleep(0.2)
        yield container
    finally:
        if container is not None:
            container.run("systemctl", "poweroff", "--no-block", check=False)
        try:
            nspawn.wait(POWEROFF_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            nspawn.send_signal(signal.SIGTERM)
            nspawn.wait(POWEROFF_TIMEOUT_SECONDS)
