"""What a running back-office holds, read from /proc: memory, file descriptors and connections
of its process trees (nginx, the application, PostgreSQL).

Memory is given as RSS, as asked, and as PSS: nginx's workers, the application's workers and
PostgreSQL's backends share pages with their parent (fork, shared_buffers), which a sum of
RSS counts once per process; the sum of PSS counts each page once.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TCP_ESTABLISHED = "01"
UNIX_CONNECTED = "03"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Usage:
    processes: int
    rss_mb: float
    pss_mb: float
    fds: int


def _parent(pid: int) -> int | None:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    return int(stat.rpartition(")")[2].split()[1])


def tree(root: int) -> list[int]:
    """``root`` and every process below it."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (parent := _parent(int(entry.name))) is not None:
            children[parent].append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def name(pid: int) -> str:
    try:
        return (PROC / str(pid) / "comm").read_text().strip()
    except OSError:
        return ""


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time used so far by ``pids`` (those still alive)."""
    total = 0
    for pid in pids:
        try:
            fields = (PROC / str(pid) / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / CLOCK_TICKS


def load_average() -> float:
    """The one-minute load average: how many others wanted the cores meanwhile."""
    return float((PROC / "loadavg").read_text().split()[0])


def command_line(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def usage(pids: list[int]) -> Usage:
    """Summed over ``pids`` (a process that has gone meanwhile is skipped)."""
    rss = pss = fds = alive = 0
    for pid in pids:
        try:
            rollup = (PROC / str(pid) / "smaps_rollup").read_text()
            fds += len(os.listdir(PROC / str(pid) / "fd"))
        except OSError:
            continue
        alive += 1
        for line in rollup.splitlines():
            label, _, value = line.partition(":")
            if label == "Rss":
                rss += int(value.split()[0])
            elif label == "Pss":
                pss += int(value.split()[0])
    return Usage(alive, rss / 1024, pss / 1024, fds)


def tcp_established(port: int) -> int:
    """Established TCP connections whose local port is ``port`` (the server's side)."""
    count = 0
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == TCP_ESTABLISHED and int(fields[1].rpartition(":")[2], 16) == port:
                count += 1
    return count


def unix_connected(path: Path) -> int:
    """Connections accepted on the Unix socket at ``path`` (the accepted end carries the
    listener's path; the connecting end has none)."""
    wanted = str(path)
    count = 0
    for line in (PROC / "net" / "unix").read_text().splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 8 and fields[5] == UNIX_CONNECTED and fields[7] == wanted:
            count += 1
    return count
