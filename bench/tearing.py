"""The card taken away at every APDU of every operation, through pcscd + vpcd: how each run
ended, and how long the kiosk took to say CARD_REMOVED after the card left.

Run from the repository root: ``.venv/bin/python -m bench.tearing [--every N]``. Every APDU
of every operation is torn twice (while the kiosk waits for its answer, and right after the
previous answer), on both slots of a private pcscd's vpcd reader at once; ``--every 3`` tears
one APDU in three for a quicker look. The time runs from the moment the virtual card dropped
its link to the moment the kiosk's call raised; it is bounded below by pcscd's 400 ms poll of
the reader. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from tests.conftest import TEST_PIN, TEST_PUK
from tests.pcsc_daemon import PrivatePcscd
from tests.tearing import OPERATIONS, Outcome, Slot, tears


def _card(base: Path) -> Path:
    kiosk = [sys.executable, "-m", "kiosk"]
    subprocess.run([*kiosk, "sim", "pki", "init", str(base / "pki")], check=True,
                   capture_output=True)
    subprocess.run([*kiosk, "sim", "card", "new", "--pki", str(base / "pki"), "--out",
                    str(base / "card.json"), "--pin", TEST_PIN, "--puk", TEST_PUK], check=True,
                   capture_output=True)
    return base / "card.json"


def _runs(slots: list[Slot], template: Path, operation: str,
          every: int) -> tuple[int, list[Outcome]]:
    steps = slots[0].steps_of(template, operation)
    planned = [run for index, run in enumerate(tears(steps, every_read=True))
               if index % every == 0]
    outcomes: list[Outcome] = []

    def lane(slot: Slot, share: list[tuple[dict[str, object], object]]) -> None:
        for behaviours, _doubt in share:
            outcomes.append(slot.torn_run(template, operation, behaviours))

    lanes = [threading.Thread(target=lane, args=(slot, planned[index::len(slots)]))
             for index, slot in enumerate(slots)]
    for thread in lanes:
        thread.start()
    for thread in lanes:
        thread.join()
    return len(steps), outcomes


def _ms(values: list[float], share: float) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1e3:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=1, help="tear one APDU in N (default 1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        template = _card(base)
        daemon = PrivatePcscd(base, "Bench PCD")
        os.environ["PCSCLITE_CSOCK_NAME"] = daemon.socket_path
        daemon.start()
        stem = daemon.reader.removesuffix(" 00 00")
        slots = [Slot(f"{stem} 00 00", daemon.port), Slot(f"{stem} 00 01", daemon.port + 1)]
        started = time.monotonic()
        print(f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, load "
              f"{os.getloadavg()[0]:.1f}; pcscd + vpcd, tears on two slots at once\n")
        print("| operation | APDUs | torn runs | CARD_REMOVED | other | in doubt |"
              " to CARD_REMOVED: median | p95 | max |")
        print("|---|---|---|---|---|---|---|---|---|")
        try:
            for operation in OPERATIONS:
                apdus, outcomes = _runs(slots, template, operation, args.every)
                codes = Counter(outcome.code for outcome in outcomes)
                seconds = [o.seconds for o in outcomes if o.seconds is not None]
                others = ", ".join(f"{code} {n}" for code, n in codes.items()
                                   if code != "CARD_REMOVED") or "0"
                doubts = sum(outcome.in_doubt is not None for outcome in outcomes)
                print(f"| {operation} | {apdus} | {len(outcomes)} | {codes['CARD_REMOVED']} |"
                      f" {others} | {doubts} | {statistics.median(seconds) * 1e3:.0f} ms |"
                      f" {_ms(seconds, 0.95)} ms | {max(seconds) * 1e3:.0f} ms |")
        finally:
            for slot in slots:
                slot.close()
            daemon.stop()
        print(f"\n{time.monotonic() - started:.0f} s in all")


if __name__ == "__main__":
    main()
