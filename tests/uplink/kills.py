"""Nothing lost, nothing duplicated: a kiosk process that records and sends events is killed
with SIGKILL at random moments, the back-office is stopped for a while (unreachable) and
restarted under the kiosk's feet; then one last kiosk process drains the outbox, and the
back-office's database is counted by idempotency key and by seq.

Used by tests/uplink/test_kills.py (30 kills) and bench/uplink_kills.py (100).
"""

from __future__ import annotations

import itertools
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from kiosk.backoffice.models import Event, Kiosk
from tests.backoffice.stack import Stack
from tests.uplink.home import KioskHome

ROOT = Path(__file__).resolve().parents[2]
DRAIN_TIMEOUT_SECONDS = 120.0
KILL_SETTINGS = {"batch_size": 100}


@dataclass(frozen=True)
class Figures:
    kills: int
    events: int  # committed to the outbox over the whole run
    stored: int  # rows in the back-office
    duplicates: int
    lost: int
    out_of_order: int
    seconds: float


def kiosk_process(home: KioskHome, produce: bool) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.uplink.kiosk_process", str(home.config),
         *(["--produce"] if produce else [])],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "started"  # past its imports: sending
    return process


def sigkill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait()
    if process.stdout is not None:
        process.stdout.close()


def committed(home: KioskHome) -> int:
    """How many events the outbox ever committed: AUTOINCREMENT's high-water mark."""
    with sqlite3.connect(home.uplink_dir / "outbox.db") as db:
        row = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
        (depth,) = db.execute("SELECT count(*) FROM events").fetchone()
    assert depth == 0 or row is not None
    return int(row[0]) if row else 0


def outbox_depth(home: KioskHome) -> int:
    with sqlite3.connect(home.uplink_dir / "outbox.db") as db:
        (depth,) = db.execute("SELECT count(*) FROM events").fetchone()
    return int(depth)


def log_tail(stack: Stack, size: int = 4000) -> str:
    return stack.log.read_text(errors="replace")[-size:]


def run(stack: Stack, home: KioskHome, kills: int, rng: random.Random) -> Figures:
    started = time.monotonic()
    down_at, up_at, bounce_at = kills // 3, kills // 2, (3 * kills) // 4
    for round_ in range(kills):
        if round_ == down_at:
            stack.stop()  # unreachable from here: the kiosk keeps recording
        if round_ == up_at:
            stack.start()
        process = kiosk_process(home, produce=True)
        try:
            time.sleep(rng.uniform(0.05, 0.8))
            if round_ == bounce_at:  # stopped and restarted while the kiosk sends
                stack.stop()
                stack.start()
                time.sleep(rng.uniform(0.05, 0.5))
        finally:
            sigkill(process)
    drainer = kiosk_process(home, produce=False)
    try:
        deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
        while outbox_depth(home):
            assert time.monotonic() < deadline, (
                f"the outbox never drained; the back-office's log ends:\n{log_tail(stack)}")
            time.sleep(0.2)
    finally:
        sigkill(drainer)
    seconds = time.monotonic() - started
    with stack.session() as session:
        rows = session.execute(select(Event.key, Event.seq).join(Kiosk).where(
            Kiosk.name == home.name).order_by(Event.id)).all()
    keys = [key for key, _seq in rows]
    seqs = [seq for _key, seq in rows]
    total = committed(home)
    return Figures(
        kills=kills, events=total, stored=len(rows),
        duplicates=len(keys) - len(set(keys)) + len(seqs) - len(set(seqs)),
        lost=len(set(range(1, total + 1)) - set(seqs)),
        out_of_order=sum(1 for a, b in itertools.pairwise(seqs) if b <= a),
        seconds=seconds)
