"""read-id (PACE + EF.COM + DG1, DG2, DG11, DG12, DG14 + EF.SOD + chip authentication) over
pcscd + vpcd and over nfcpy's udp link: APDUs, bytes each way, time; and the photo's decode.

Run from the repository root: ``.venv/bin/python -m bench.read_id``. The virtual card runs in
its own process; host CPU is this process's. Prints figures; asserts nothing.
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image

from bench.card_operations import Counting, secret
from bench.nfc_roundtrip import free_udp_port, wait_for_card
from kiosk.cie import datagroups, icao
from kiosk.errors import KioskError
from kiosk.hardware.reader import CardReader, open_reader
from tests.pcsc_daemon import PrivatePcscd

KIOSK = [sys.executable, "-m", "kiosk"]
CAN = "123456"


@contextmanager
def card_process(profile: Path, *link: str) -> Iterator[None]:
    card = subprocess.Popen([*KIOSK, "sim", "card", "--profile", str(profile), *link])
    try:
        yield
    finally:
        card.terminate()
        card.wait()


def wait_for_session(reader: CardReader) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            with reader.session():
                return
        except KioskError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def read_once(reader: CardReader, label: str, extended: bool = False) -> bytes:
    with reader.session() as session:
        session.reset()
        counting = Counting(session._connection)
        session._connection = counting
        wall, cpu = time.perf_counter(), time.process_time()
        result = session.run(icao.read_identity(secret(CAN), extended=extended))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<26} {counting.apdus:4d} APDUs  {counting.sent:6d} B out  "
          f"{counting.received:6d} B in   host CPU {cpu * 1e3:6.1f} ms   wall {wall * 1e3:6.1f} ms"
          f"   chip auth {result.chip_authentication.result.value}")
    return result.files["02"]


def photo_decode(dg2: bytes, rounds: int = 20) -> None:
    image = datagroups.parse_dg2(dg2)
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        with Image.open(io.BytesIO(image.data)) as decoded:
            decoded.load()
            size = decoded.size
        samples.append((time.perf_counter() - start) * 1e3)
    print(f"{'photo decode (Pillow)':<26} {image.format.value} {size[0]}x{size[1]}, "
          f"{len(image.data)} bytes: median {statistics.median(samples):.1f} ms")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        subprocess.run([*KIOSK, "sim", "pki", "init", str(base / "pki")], check=True,
                       capture_output=True)
        profile = base / "card.json"
        subprocess.run([*KIOSK, "sim", "card", "new", "--pki", str(base / "pki"), "--out",
                        str(profile), "--can", CAN], check=True, capture_output=True)
        daemon = PrivatePcscd(base, "Bench PCD")
        os.environ["PCSCLITE_CSOCK_NAME"] = daemon.socket_path
        daemon.start()
        try:
            with card_process(profile, "--vpcd", f"127.0.0.1:{daemon.port}"):
                reader = open_reader(f"pcsc:{daemon.reader}")
                wait_for_session(reader)
                dg2 = read_once(reader, "pcscd, short APDUs")
                read_once(reader, "pcscd, extended reads", extended=True)
                reader.close()
        finally:
            daemon.stop()
        port = free_udp_port()
        with card_process(profile, "--nfc", f"udp:127.0.0.1:{port}"):
            reader = open_reader(f"nfc:udp:127.0.0.1:{port}")
            wait_for_card(reader)
            read_once(reader, "nfcpy udp, short APDUs")
            read_once(reader, "nfcpy udp, extended reads", extended=True)
            reader.close()
        photo_decode(dg2)


if __name__ == "__main__":
    main()
