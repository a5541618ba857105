"""APDU round trip through a real pcscd and vpcd, and in-process for comparison.

Run from the repository root: ``.venv/bin/python -m bench.apdu_roundtrip [N]``.
Expect well under 1 ms through pcscd when the virtual card acknowledges at once
(TCP_QUICKACK); about 44 ms means vpcd's delayed-ACK pitfall is back.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kiosk.attach import attached_reader
from kiosk.cie.apdu import Command
from kiosk.cie.info import read_card_info
from kiosk.errors import KioskError
from kiosk.hardware.reader import CardSession, open_reader
from kiosk.sim.profile import new_profile
from tests.pcsc_daemon import PrivatePcscd

READ_NIS = Command(0x00, 0xB0, 0x81, 0x00, le=12)


def measure(session: CardSession, count: int) -> list[float]:
    session.run(read_card_info(session.atr))
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        session.transmit(READ_NIS)
        samples.append((time.perf_counter() - start) * 1e6)
    return samples


def report(label: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95)]
    print(f"{label:<28} median {statistics.median(ordered):8.1f} us   p95 {p95:8.1f} us"
          f"   n={len(ordered)}")


def card_info_time(session: CardSession, rounds: int = 50) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        session.run(read_card_info(session.atr))
    return (time.perf_counter() - start) / rounds * 1e3


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        profile = base / "card.json"
        new_profile().save(profile)

        with attached_reader(f"sim:{profile}") as reader, reader.session() as session:
            report("in-process virtual reader", measure(session, count))
            print(f"{'card info flow, in-process':<28} {card_info_time(session):8.2f} ms")

        daemon = PrivatePcscd(base, "Bench PCD")
        os.environ["PCSCLITE_CSOCK_NAME"] = daemon.socket_path
        daemon.start()
        card = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "sim", "card", "--profile", str(profile),
             "--vpcd", f"127.0.0.1:{daemon.port}"],
        )
        try:
            reader = open_reader(f"pcsc:{daemon.reader}")
            deadline = time.monotonic() + 15
            while True:
                try:
                    with reader.session() as session:
                        report("pcscd + vpcd", measure(session, count))
                        print(f"{'card info flow, pcscd':<28} {card_info_time(session):8.2f} ms")
                    break
                except KioskError:  # the card is not on the reader yet
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            reader.close()
        finally:
            card.terminate()
            card.wait()
            daemon.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
