"""Simulated kiosks for the back-office benches: keep-alive mTLS connections speaking HTTP/1.1
through h11 on asyncio.

Written on h11 rather than httpx because the load generator shares the machine's two cores
with nginx, the application and the database: a thin client leaves them the CPU the figures
are about. The traffic is what a kiosk sends (kiosk/uplink/schemas.py): heartbeats, event
batches and command polls. A real kiosk (kiosk/uplink/runner.py) holds two connections, one
for its sender (heartbeats, events) and one for its command long-poll; :func:`hold_long_polls`
does the same, :func:`mixed_traffic` drives one connection per kiosk flat out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import random
import ssl
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import h11

from kiosk.uplink.schemas import API_PREFIX

# Reading the answer: what one TLS record can hold, so a reply never takes two reads.
READ_SIZE = 16_384


@dataclass(frozen=True)
class Credentials:
    cert: Path
    key: Path
    ca: Path


def tls_context(credentials: Credentials) -> ssl.SSLContext:
    """What a kiosk uses: the pinned CA as the only anchor, and its own certificate."""
    context = ssl.create_default_context(cafile=str(credentials.ca))
    context.load_cert_chain(str(credentials.cert), str(credentials.key))
    return context


@dataclass
class Stats:
    """Latencies per request kind; failures by kind and HTTP status (or exception name)."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, seconds: float, status: int) -> None:
        self.latencies[kind].append(seconds)
        if status >= 400:
            self.errors[f"{kind} {status}"] += 1

    def failed(self, kind: str, exc: BaseException) -> None:
        self.errors[f"{kind} {type(exc).__name__}"] += 1

    def count(self, kind: str | None = None) -> int:
        return len(self.samples(kind))

    def samples(self, kind: str | None = None) -> list[float]:
        if kind is not None:
            return self.latencies.get(kind, [])
        return [seconds for samples in self.latencies.values() for seconds in samples]

    def percentile(self, p: float, kind: str | None = None) -> float:
        """Nearest-rank percentile in seconds (NaN when there is no sample)."""
        ordered = sorted(self.samples(kind))
        if not ordered:
            return math.nan
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class SimulatedKiosk:
    """One keep-alive TLS connection, requests one after the other as a kiosk's thread sends
    them."""

    def __init__(self, host: str, port: int, context: ssl.SSLContext) -> None:
        self.host, self.port, self.context = host, port, context
        self.seq = 0
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._conn = h11.Connection(h11.CLIENT)

    async def connect(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(
            self.host, self.port, ssl=self.context, server_hostname="localhost",
            limit=READ_SIZE * 4)
        self._conn = h11.Connection(h11.CLIENT)

    @property
    def connected(self) -> bool:
        return self._writer is not None and not self._writer.is_closing()

    async def close(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(ConnectionError, ssl.SSLError):
                await writer.wait_closed()

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        """One request and its whole answer; (re)connects first when needed."""
        if not self.connected or self._conn.our_state is h11.MUST_CLOSE:
            await self.close()
            await self.connect()
        assert self._reader is not None and self._writer is not None
        conn = self._conn
        if conn.our_state is h11.DONE and conn.their_state is h11.DONE:
            conn.start_next_cycle()
        headers = [("host", "localhost"), ("content-length", str(len(body)))]
        if body:
            headers.append(("content-type", "application/json"))
        data = conn.send(h11.Request(method=method, target=path, headers=headers)) or b""
        data += (conn.send(h11.Data(data=body)) or b"") if body else b""
        data += conn.send(h11.EndOfMessage()) or b""
        self._writer.write(data)
        status, chunks = 0, []
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                received = await self._reader.read(READ_SIZE)
                conn.receive_data(received)
                if not received:
                    await self.close()
                    raise ConnectionError("the back-office closed the connection")
                continue
            if isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                return status, b"".join(chunks)
            elif isinstance(event, h11.ConnectionClosed):
                await self.close()
                raise ConnectionError("the back-office closed the connection")

    # -- what a kiosk sends ---------------------------------------------------------------------

    async def heartbeat(self, depth: int = 0) -> int:
        body = json.dumps({"state": "idle", "reader_present": True, "uptime_seconds": 100,
                           "outbox_depth": depth, "versions": {"kiosk": "bench"}}).encode()
        status, _ = await self.request("POST", f"{API_PREFIX}/heartbeat", body)
        return status

    async def events(self, count: int) -> int:
        now = datetime.now(UTC).isoformat()
        batch = []
        for _ in range(count):
            self.seq += 1
            batch.append({"key": uuid.uuid4().hex, "seq": self.seq, "at": now,
                          "kind": "journey.outcome",
                          "data": {"journey": "test-pin", "outcome": "pin.works"}})
        status, _ = await self.request("POST", f"{API_PREFIX}/events",
                                       json.dumps({"events": batch}).encode())
        return status

    async def poll(self, wait: int = 0) -> int:
        status, _ = await self.request("GET", f"{API_PREFIX}/commands?wait={wait}")
        return status


# A kiosk's traffic, by share of requests: heartbeats, event batches of EVENTS_PER_BATCH (one
# citizen's journey gives a few events), and command polls answered at once (wait=0).
MIX = (("heartbeat", 0.5), ("events", 0.3), ("poll", 0.2))
EVENTS_PER_BATCH = 10


async def _one(kiosk: SimulatedKiosk, kind: str) -> int:
    if kind == "heartbeat":
        return await kiosk.heartbeat()
    if kind == "events":
        return await kiosk.events(EVENTS_PER_BATCH)
    return await kiosk.poll(0)


FAILURES = (OSError, ssl.SSLError, h11.ProtocolError)


async def timed(stats: Stats, kind: str, kiosk: SimulatedKiosk, request: Awaitable[int], *,
                counted: bool = True) -> None:
    """Await one request and count it (when ``counted``); a failed request is counted by its
    exception, and its connection is closed so the next request opens a new one."""
    started = time.perf_counter()
    try:
        status = await request
    except FAILURES as exc:
        if counted:
            stats.failed(kind, exc)
        await kiosk.close()
        return
    if counted:
        stats.add(kind, time.perf_counter() - started, status)


async def connect_all(kiosks: list[SimulatedKiosk], at_once: int = 64) -> None:
    """Open every connection, ``at_once`` handshakes at a time (a burst of thousands would
    overflow nginx's listen backlog, which is not what is measured)."""
    gate = asyncio.Semaphore(at_once)

    async def one(kiosk: SimulatedKiosk) -> None:
        async with gate:
            await kiosk.connect()

    await asyncio.gather(*(one(kiosk) for kiosk in kiosks))


async def mixed_traffic(kiosks: list[SimulatedKiosk], seconds: float,
                        warmup: float = 1.0) -> tuple[Stats, float]:
    """Every kiosk sends the mix back to back for ``warmup`` + ``seconds``; (stats of the
    last ``seconds``, measured seconds). A failed request is counted and its connection
    opened again."""
    stats = Stats()
    kinds = [kind for kind, _ in MIX]
    weights = [weight for _, weight in MIX]
    start = time.perf_counter()
    measure_from = start + warmup
    stop = measure_from + seconds

    async def drive(kiosk: SimulatedKiosk) -> None:
        rng = random.Random(os.urandom(8))
        while (now := time.perf_counter()) < stop:
            kind = rng.choices(kinds, weights)[0]
            await timed(stats, kind, kiosk, _one(kiosk, kind), counted=now >= measure_from)

    await asyncio.gather(*(drive(kiosk) for kiosk in kiosks))
    return stats, time.perf_counter() - measure_from


@dataclass
class IdleKiosk:
    """A kiosk at rest, as the runner keeps it: a command long-poll on one connection, a
    heartbeat now and then on the other."""

    poller: SimulatedKiosk
    sender: SimulatedKiosk


async def hold_long_polls(kiosks: list[IdleKiosk], seconds: float, *, wait: int,
                          heartbeat_every: float, at_once: int = 64,
                          during: Callable[[], Awaitable[None]] | None = None,
                          ) -> tuple[Stats, float]:
    """The kiosks come online (``at_once`` handshakes at a time, each kiosk starting its
    long-poll as soon as it is connected, so no connection idles into nginx's keep-alive
    timeout); once all are, for ``seconds``, every kiosk keeps a ``wait``-second long-poll
    open (polling again as soon as one ends) and heartbeats every ``heartbeat_every``
    seconds, the first at a random moment so the beats spread evenly, while ``during`` runs.
    (stats of that window: ``heartbeat`` latencies, ``poll`` durations; seconds it took all
    to come online)."""
    stats = Stats()
    gate = asyncio.Semaphore(at_once)
    connecting = 2 * len(kiosks)
    online = asyncio.Event()
    measuring = False

    async def come_online(kiosk: SimulatedKiosk) -> None:
        nonlocal connecting
        async with gate:
            try:
                await kiosk.connect()
            except (OSError, ssl.SSLError) as exc:  # the first request connects again
                stats.failed("connect", exc)
        connecting -= 1
        if connecting == 0:
            online.set()

    async def poll(kiosk: SimulatedKiosk) -> None:
        await come_online(kiosk)
        while True:
            await timed(stats, "poll", kiosk, kiosk.poll(wait), counted=measuring)

    async def beat(kiosk: SimulatedKiosk) -> None:
        await come_online(kiosk)
        await asyncio.sleep(random.uniform(0, heartbeat_every))
        while True:
            now = time.perf_counter()
            await timed(stats, "heartbeat", kiosk, kiosk.heartbeat(), counted=measuring)
            await asyncio.sleep(max(0.0, now + heartbeat_every - time.perf_counter()))

    started = time.perf_counter()
    tasks = [task for kiosk in kiosks
             for task in (asyncio.create_task(poll(kiosk.poller)),
                          asyncio.create_task(beat(kiosk.sender)))]
    await online.wait()
    ramp = time.perf_counter() - started
    measuring = True
    await asyncio.gather(asyncio.sleep(seconds), *([during()] if during else []))
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return stats, ramp
