"""The back-office's figures, through the real stack (nginx doing mutual TLS, the application's
workers on a Unix socket, SQLite or PostgreSQL), printed, never asserted:

1. mixed kiosk traffic (heartbeats, event batches, command polls) from simulated kiosks on
   keep-alive mTLS connections, at a few concurrency levels: requests/s, latency
   percentiles and errors per request kind (target: 1000 requests/s, p99 under 50 ms);
2. 10 000 events queued in a real kiosk outbox while the back-office is down, drained by the
   real uplink once it is back (target: within 5 s), and counted in the back-office database;
3. 3000 kiosks at rest, each as the kiosk's runner holds it (a command long-poll on one
   connection, a heartbeat every 30 s on another): memory, connections, file descriptors,
   heartbeat latency.

Run from the repository root::

    .venv/bin/python -m bench.backoffice [--database sqlite|postgresql|both] [--kiosks 16,32,64]
        [--seconds 10] [--idle-kiosks 3000] [--drain-events 10000]

Thousands of kiosks are not enrolled through ``POST /enroll`` (rate-limited at nginx, as it
should be): their certificates are issued in-process by the stack's registry and CA, the same
code the endpoint runs. PostgreSQL runs with its default durability (fsync and synchronous
commit on), as a Comune would run it; the test suite's private cluster has both off.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import os
import platform
import resource
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from bench import processes
from bench.kiosk_traffic import (
    Credentials,
    IdleKiosk,
    SimulatedKiosk,
    Stats,
    connect_all,
    hold_long_polls,
    mixed_traffic,
    tls_context,
)
from kiosk.backoffice import nginx
from kiosk.backoffice.models import Event, Kiosk
from kiosk.config import Uplink as UplinkSettings
from kiosk.uplink import credentials
from kiosk.uplink.runner import KioskSnapshot, Uplink
from kiosk.uplink.schemas import KioskState
from tests.backoffice.stack import Stack, prepare_stack, start_stack
from tests.postgres_daemon import BIN, PrivatePostgres

KINDS = ("heartbeat", "events", "poll")
LONG_POLL_SECONDS = 25  # kiosk/uplink/runner.py's
HEARTBEAT_SECONDS = 30.0  # kiosk.config.Uplink's default
TARGET_RPS, TARGET_P99_MS, TARGET_DRAIN_S = 1000, 50.0, 5.0


def ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1e3:.1f}"


# -- the databases ---------------------------------------------------------------------------


class DurablePostgres(PrivatePostgres):
    """The tests' private cluster, but durable (fsync, synchronous_commit and full-page
    writes at their defaults): the figures are a deployment's, not a throwaway's."""

    def start(self) -> None:
        super().start()
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-w",
                  "-o", f"-c listen_addresses='' -c max_connections=300 -k {self.dir}",
                  "restart")

    def postmaster(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])


@contextlib.contextmanager
def database(kind: str) -> Iterator[tuple[str | None, DurablePostgres | None]]:
    """(URL, the cluster) for ``kind``: (None, None) is SQLite in the stack's own directory."""
    if kind == "sqlite":
        yield None, None
        return
    cluster = DurablePostgres()
    try:
        cluster.start()
        yield cluster.url(), cluster
    finally:
        cluster.stop()


def fresh_database(cluster: DurablePostgres | None, name: str) -> str | None:
    return None if cluster is None else cluster.create_database(name)


# -- kiosks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    name: str
    key: ec.EllipticCurvePrivateKey
    certificate_pem: str
    files: Credentials


def issue(stack: Stack, count: int, directory: Path, prefix: str = "bench") -> list[Issued]:
    """``count`` enrolled kiosks, each with its own key, issued in-process by the stack's
    registry (token added, then redeemed with a CSR, as ``POST /enroll`` does)."""
    directory.mkdir(parents=True, exist_ok=True)
    registry = stack.registry
    issued = []
    hours = stack.config.enrollment.token_hours
    for number in range(count):
        name = f"{prefix}-{number:05d}"
        token = registry.add_kiosk(name, hours)
        key = credentials.new_key()
        enrolled = registry.redeem(token.split(".")[1], credentials.csr_pem(key))
        cert, key_file = directory / f"{name}.pem", directory / f"{name}.key"
        cert.write_text(enrolled.certificate_pem)
        key_file.write_bytes(credentials.key_pem(key))
        issued.append(Issued(name, key, enrolled.certificate_pem,
                             Credentials(cert, key_file, stack.ca_file)))
    return issued


def api_address(stack: Stack) -> tuple[str, int]:
    return nginx.split_listen(stack.config.server.api_listen)


# -- what the stack holds --------------------------------------------------------------------


@dataclass(frozen=True)
class Holdings:
    nginx: processes.Usage
    app: processes.Usage
    database: processes.Usage | None
    client_connections: int  # established on nginx's API port
    upstream_connections: int  # accepted on the application's socket


def process_groups(stack: Stack, cluster: DurablePostgres | None) -> dict[str, list[int]]:
    """The processes by role: nginx, the application (``kiosk backoffice serve``, uvicorn and
    its workers), PostgreSQL, and this bench (the simulated kiosks)."""
    assert stack.process is not None
    pids = processes.tree(stack.process.pid)
    nginx_pids = [pid for pid in pids if processes.name(pid) == "nginx"]
    return {"nginx": nginx_pids, "app": [pid for pid in pids if pid not in nginx_pids],
            "database": processes.tree(cluster.postmaster()) if cluster else [],
            "client": [os.getpid()]}


def holdings(stack: Stack, cluster: DurablePostgres | None) -> Holdings:
    groups = process_groups(stack, cluster)
    return Holdings(
        nginx=processes.usage(groups["nginx"]),
        app=processes.usage(groups["app"]),
        database=processes.usage(groups["database"]) if cluster else None,
        client_connections=processes.tcp_established(api_address(stack)[1]),
        upstream_connections=processes.unix_connected(nginx.socket_path(stack.config)),
    )


def print_holdings(label: str, held: Holdings) -> None:
    print(f"  {label}: {held.client_connections} TLS connections at nginx, "
          f"{held.upstream_connections} to the application")
    parts = [("nginx", held.nginx), ("application", held.app)]
    if held.database is not None:
        parts.append(("PostgreSQL", held.database))
    for what, use in parts:
        print(f"    {what:<12} {use.processes:3d} processes  RSS {use.rss_mb:7.1f} MB  "
              f"PSS {use.pss_mb:7.1f} MB  {use.fds:6d} fds")


# -- 1. mixed traffic ------------------------------------------------------------------------


@dataclass(frozen=True)
class TrafficRun:
    kiosks: int
    stats: Stats
    seconds: float
    cpu_ms: dict[str, float]  # CPU time per request, by process group
    worker_shares: list[float]  # each application worker's part of the application's CPU
    load: float  # the machine's one-minute load average at the end

    @property
    def rate(self) -> float:
        return self.stats.count() / self.seconds

    @property
    def ceiling(self) -> float:
        """Requests/s the machine's cores could serve at this CPU cost per request, were
        nothing else running on them."""
        return len(os.sched_getaffinity(0)) * 1e3 / sum(self.cpu_ms.values())


async def traffic(stack: Stack, cluster: DurablePostgres | None, issued: list[Issued],
                  levels: list[int], seconds: float, *, warmup: float = 1.0
                  ) -> list[TrafficRun]:
    host, port = api_address(stack)
    groups = process_groups(stack, cluster)

    # uvicorn's workers are multiprocessing children (spawn_main), beside its supervisor.
    workers = [pid for pid in groups["app"] if "spawn_main" in processes.command_line(pid)]

    def cpu() -> dict[str, float]:
        used = {role: processes.cpu_seconds(pids) for role, pids in groups.items()}
        return used | {f"worker {pid}": processes.cpu_seconds([pid]) for pid in workers}

    async def cpu_after(delay: float) -> dict[str, float]:
        # Listed again after the warm-up: the database's backends are forked for the
        # connections the application's pools open during the run.
        nonlocal groups
        await asyncio.sleep(delay)
        groups = process_groups(stack, cluster)
        return cpu()

    runs = []
    for level in levels:
        kiosks = [SimulatedKiosk(host, port, tls_context(kiosk.files))
                  for kiosk in issued[:level]]
        await connect_all(kiosks)
        (stats, elapsed), before = await asyncio.gather(
            mixed_traffic(kiosks, seconds, warmup), cpu_after(warmup))
        after = cpu()
        await asyncio.gather(*(kiosk.close() for kiosk in kiosks))
        count = max(1, stats.count())
        used = {role: after[role] - before[role] for role in after}
        run = TrafficRun(level, stats, elapsed,
                         {role: used[role] * 1e3 / count for role in groups},
                         [used[f"worker {pid}"] / max(used["app"], 1e-9) for pid in workers],
                         processes.load_average())
        runs.append(run)
        print(f"  {level} kiosks: {run.rate:7.0f} requests/s over {elapsed:.1f} s, "
              f"p50 {ms(stats.percentile(50))} ms, p95 {ms(stats.percentile(95))} ms, "
              f"p99 {ms(stats.percentile(99))} ms (load average {run.load:.1f})")
        for kind in KINDS:
            print(f"    {kind:<10} {stats.count(kind) / elapsed:7.0f}/s  "
                  f"p50 {ms(stats.percentile(50, kind)):>6} ms  "
                  f"p95 {ms(stats.percentile(95, kind)):>6} ms  "
                  f"p99 {ms(stats.percentile(99, kind)):>6} ms")
        print("    CPU per request: " + ", ".join(
            f"{role} {cost:.2f} ms" for role, cost in run.cpu_ms.items() if cost)
            + f" -> at most {run.ceiling:.0f} requests/s on these cores; the workers' "
            "shares of the application's CPU: "
            + " / ".join(f"{share:.0%}" for share in run.worker_shares))
        if stats.errors:
            print(f"    errors: {dict(stats.errors)}")
    return runs


# -- 2. draining a full outbox ---------------------------------------------------------------


@dataclass(frozen=True)
class Drain:
    events: int
    fill_seconds: float
    first_ack: float  # after the back-office answered
    empty: float  # after the back-office answered
    arrived: int
    distinct: int
    in_order: bool


def _first_accept(host: str, port: int, stop: threading.Event) -> float:
    """When ``host:port`` first accepts a connection (perf_counter), probed every 5 ms."""
    while not stop.is_set():
        with contextlib.suppress(OSError), socket.create_connection((host, port), 0.5):
            return time.perf_counter()
        time.sleep(0.005)
    return math.nan


def drain(database_url: str | None, events: int, work: Path, workers: int) -> Drain:
    """Queue ``events`` in a real outbox with the back-office down, start the real uplink
    (it fails and backs off), start the back-office, and time the outbox to empty."""
    stack = prepare_stack(database_url, workers=workers)
    uplink: Uplink | None = None
    try:
        (kiosk,) = issue(stack, 1, work / "drain-credentials", prefix="drain")
        settings = UplinkSettings(backoff_max_seconds=1.0)  # the smallest the config allows
        uplink = Uplink(settings, work / "drain-kiosk", on_command=lambda command: None,
                        snapshot=lambda: KioskSnapshot(KioskState.IDLE, reader_present=True))
        uplink.store.save(kiosk.name, stack.api_url, kiosk.key,
                          kiosk.certificate_pem.encode(), stack.ca_file.read_bytes())
        started = time.perf_counter()
        for number in range(events):
            uplink.outbox.put("journey.outcome", {"journey": "test-pin",
                                                  "outcome": "pin.works", "n": number})
        fill = time.perf_counter() - started
        uplink.start()
        time.sleep(1.5)  # a failed attempt or two: the uplink is backing off
        stop = threading.Event()
        answered: list[float] = []
        probe = threading.Thread(target=lambda: answered.append(
            _first_accept(*api_address(stack), stop)))
        probe.start()
        stack.start()
        first_ack = math.nan
        while (depth := uplink.outbox.depth()) > 0:
            if depth < events and math.isnan(first_ack):
                first_ack = time.perf_counter()
            time.sleep(0.005)
        emptied = time.perf_counter()
        stop.set()
        probe.join()
        uplink.stop(timeout=1)
        back = answered[0]
        with stack.session() as session:
            kiosk_id = session.scalar(select(Kiosk.id).where(Kiosk.name == kiosk.name))
            arrived, distinct = session.execute(
                select(func.count(), func.count(func.distinct(Event.key)))
                .where(Event.kiosk_id == kiosk_id)).one()
            seqs = session.scalars(select(Event.seq).where(Event.kiosk_id == kiosk_id)
                                   .order_by(Event.id)).all()
        return Drain(events, fill, first_ack - back, emptied - back, arrived, distinct,
                     list(seqs) == sorted(seqs))
    finally:
        if uplink is not None:
            uplink.stop(timeout=1)
            uplink.outbox.close()
        stack.close()


# -- 3. thousands of kiosks at rest ----------------------------------------------------------


@dataclass
class Rest:
    kiosks: int
    idle: Holdings
    online_seconds: float = math.nan
    loaded: Holdings | None = None
    cpu_share: dict[str, float] = field(default_factory=dict)  # of one core, over the hold
    stats: Stats = field(default_factory=Stats)
    client_rss_mb: float = 0.0


async def at_rest(stack: Stack, cluster: DurablePostgres | None, issued: list[Issued],
                  seconds: float) -> Rest:
    host, port = api_address(stack)
    groups = process_groups(stack, cluster)
    rest = Rest(len(issued), holdings(stack, cluster))
    print_holdings("nothing connected", rest.idle)
    kiosks = []
    for kiosk in issued:
        context = tls_context(kiosk.files)
        kiosks.append(IdleKiosk(SimulatedKiosk(host, port, context),
                                SimulatedKiosk(host, port, context)))
    cpu_before: dict[str, float] = {}

    async def sample() -> None:
        cpu_before.update({role: processes.cpu_seconds(pids) for role, pids in groups.items()})
        await asyncio.sleep(min(seconds / 2, LONG_POLL_SECONDS - 5))
        rest.loaded = await asyncio.to_thread(holdings, stack, cluster)

    rest.stats, rest.online_seconds = await hold_long_polls(
        kiosks, seconds, wait=LONG_POLL_SECONDS, heartbeat_every=HEARTBEAT_SECONDS,
        during=sample)
    rest.cpu_share = {role: (processes.cpu_seconds(pids) - cpu_before[role]) / seconds
                      for role, pids in groups.items()}
    rest.client_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    await asyncio.gather(*(end.close() for kiosk in kiosks
                           for end in (kiosk.poller, kiosk.sender)))
    assert rest.loaded is not None
    print(f"  {2 * len(kiosks)} connections (a long-poll and a sender per kiosk) online in "
          f"{rest.online_seconds:.1f} s")
    print_holdings(f"{len(kiosks)} kiosks long-polling", rest.loaded)
    beats = rest.stats
    print(f"  heartbeats: {beats.count('heartbeat')} in {seconds:.0f} s, "
          f"p50 {ms(beats.percentile(50, 'heartbeat'))} ms, "
          f"p95 {ms(beats.percentile(95, 'heartbeat'))} ms, "
          f"p99 {ms(beats.percentile(99, 'heartbeat'))} ms; "
          f"{beats.count('poll')} long-polls ended; errors: {dict(beats.errors) or 'none'}")
    print("  CPU while at rest, in cores: " + ", ".join(
        f"{role} {share:.2f}" for role, share in rest.cpu_share.items() if role != "client")
        + f" (load average {processes.load_average():.1f})")
    print(f"  the bench's own peak RSS (all the client connections): {rest.client_rss_mb:.0f} MB")
    return rest


# -- the whole bench -------------------------------------------------------------------------


@dataclass
class Figures:
    database: str
    traffic: list[TrafficRun] = field(default_factory=list)
    drain: Drain | None = None
    rest: Rest | None = None


def run_database(kind: str, args: argparse.Namespace, work: Path) -> Figures:
    figures = Figures(kind)
    print(f"\n== {kind} ==")
    with database(kind) as (_, cluster):
        # One stack for the traffic and the kiosks at rest: issuing thousands of certificates
        # takes a while, and the traffic then runs on a database that knows them all.
        with start_stack(fresh_database(cluster, "bench"), workers=args.workers) as stack:
            started = time.perf_counter()
            issued = issue(stack, max([*args.kiosks, args.idle_kiosks]), work / kind / "kiosks")
            print(f"{len(issued)} kiosks' certificates issued in-process in "
                  f"{time.perf_counter() - started:.1f} s")
            if args.kiosks:
                print("mixed traffic (heartbeat 50 %, 10-event batch 30 %, command poll 20 %)")
                figures.traffic = asyncio.run(traffic(stack, cluster, issued, args.kiosks,
                                                      args.seconds))
            if args.idle_kiosks:
                print(f"{args.idle_kiosks} kiosks at rest (long-poll {LONG_POLL_SECONDS} s, "
                      f"heartbeat every {HEARTBEAT_SECONDS:.0f} s) for {args.idle_seconds:.0f} s")
                figures.rest = asyncio.run(at_rest(stack, cluster, issued[:args.idle_kiosks],
                                                   args.idle_seconds))
        if args.drain_events:
            print(f"draining {args.drain_events} queued events")
            figures.drain = drain(fresh_database(cluster, "drain"), args.drain_events,
                                  work / kind, args.workers)
            d = figures.drain
            print(f"  outbox filled in {d.fill_seconds:.1f} s; after the back-office "
                  f"answered: first batch acknowledged at {d.first_ack:.2f} s, outbox empty "
                  f"at {d.empty:.2f} s ({d.events / d.empty:.0f} events/s); in the database: "
                  f"{d.arrived} rows, {d.distinct} distinct keys, "
                  f"{'in' if d.in_order else 'OUT OF'} seq order")
    return figures


def table(all_figures: list[Figures]) -> str:
    """The figures as a Markdown table for the README."""
    rows = ["| Database | Figure | Result | Target |", "|---|---|---|---|"]
    for figures in all_figures:
        db = figures.database
        for run in figures.traffic:
            s = run.stats
            errors = sum(s.errors.values())
            rows.append(
                f"| {db} | mixed traffic, {run.kiosks} kiosks | {run.rate:.0f} req/s, "
                f"p50 {ms(s.percentile(50))} / p95 {ms(s.percentile(95))} / "
                f"p99 {ms(s.percentile(99))} ms, {errors} errors; CPU/request "
                f"{sum(run.cpu_ms.values()):.1f} ms (app {run.cpu_ms['app']:.1f}) | "
                f"≥ {TARGET_RPS} req/s, p99 < {TARGET_P99_MS:.0f} ms |")
        if (d := figures.drain) is not None:
            rows.append(
                f"| {db} | {d.events} queued events drained | {d.empty:.2f} s after the "
                f"back-office answered ({d.arrived} rows, {d.distinct} keys, "
                f"{'in order' if d.in_order else 'out of order'}) | < {TARGET_DRAIN_S:.0f} s |")
        if (r := figures.rest) is not None and r.loaded is not None:
            held = r.loaded
            memory = (f"nginx {held.nginx.rss_mb:.0f} MB, app {held.app.rss_mb:.0f} MB"
                      + (f", PostgreSQL {held.database.rss_mb:.0f} MB RSS "
                         f"({held.database.pss_mb:.0f} MB PSS)" if held.database else " RSS"))
            rows.append(
                f"| {db} | {r.kiosks} kiosks at rest | {memory}; {held.client_connections} "
                f"TLS + {held.upstream_connections} upstream connections; fds nginx "
                f"{held.nginx.fds}, app {held.app.fds}; heartbeat p50 "
                f"{ms(r.stats.percentile(50, 'heartbeat'))} / p99 "
                f"{ms(r.stats.percentile(99, 'heartbeat'))} ms, "
                f"{sum(r.stats.errors.values())} errors; app CPU at rest "
                f"{r.cpu_share.get('app', 0):.2f} cores | - |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--kiosks", type=lambda text: [int(n) for n in text.split(",") if n],
                        default=[16, 32, 64],
                        help="concurrency levels of the mixed traffic, comma-separated")
    parser.add_argument("--seconds", type=float, default=10.0, help="per concurrency level")
    parser.add_argument("--workers", type=int, default=2, help="application processes")
    parser.add_argument("--drain-events", type=int, default=10_000)
    parser.add_argument("--idle-kiosks", type=int, default=3000)
    parser.add_argument("--idle-seconds", type=float, default=40.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the uplink's retries while the back-office is down
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    machine = (f"{datetime.now(UTC):%Y-%m-%d}, {platform.node()}: "
               f"{platform.processor() or platform.machine()}, "
               f"{len(os.sched_getaffinity(0))} cores, Python {platform.python_version()}")
    print(f"back-office bench, {machine}, open files {hard} (was {soft}), "
          f"PostgreSQL from {BIN}")
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    with tempfile.TemporaryDirectory(prefix="bench-backoffice-") as tmp:
        results = [run_database(kind, args, Path(tmp)) for kind in kinds]
    print(f"\nBack-office figures ({machine}; load average at the end "
          f"{processes.load_average():.1f}):\n\n" + table(results))


if __name__ == "__main__":
    main()
