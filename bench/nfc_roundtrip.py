"""APDU round trip and card operations over nfcpy's udp link (the ``nfc:`` backend), with the
virtual card in its own process as in the tests.

Run from the repository root: ``.venv/bin/python -m bench.nfc_roundtrip [N]``.
Compare with ``bench.apdu_roundtrip`` (pcscd + vpcd). ``kiosk card auth`` is timed twice: the
flow alone in this process, and the whole command (a new process: start-up, opening the
reader, activating the card, resetting it, the flow). Prints figures; asserts nothing.
"""

from __future__ import annotations

import hashlib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.apdu_roundtrip import card_info_time, measure, report
from kiosk.cie import tasks
from kiosk.cie.info import identify_family
from kiosk.cie.link import CardLink
from kiosk.cie.secret import Secret
from kiosk.errors import KioskError
from kiosk.hardware.reader import CardReader, open_reader

PIN, PUK = "13572468", "24681357"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("0.0.0.0", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for_card(reader: CardReader) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            with reader.session():
                return
        except KioskError:  # the card is not listening yet
            if time.monotonic() > deadline:
                raise


def auth_flow_time(reader: CardReader, rounds: int = 5) -> float:
    digest = hashlib.sha256(b"bench").digest()
    samples = []
    for _ in range(rounds):
        with reader.session() as session:
            start = time.perf_counter()
            session.reset()
            family = session.run(identify_family(session.atr))
            pin = Secret.from_digits(bytearray(PIN.encode()))
            session.run(tasks.authenticate(CardLink(family), pin, digest))
            samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e3


def auth_command_time(uri: str, pki: Path, rounds: int = 5) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "kiosk", "card", "auth", "--reader", uri,
                        "--trust", str(pki), "--json"], input=f"{PIN}\n", text=True,
                       capture_output=True, check=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e3


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        kiosk = [sys.executable, "-m", "kiosk"]
        subprocess.run([*kiosk, "sim", "pki", "init", str(base / "pki")], check=True,
                       capture_output=True)
        subprocess.run([*kiosk, "sim", "card", "new", "--pki", str(base / "pki"), "--out",
                        str(base / "card.json"), "--pin", PIN, "--puk", PUK], check=True,
                       capture_output=True)
        port = free_udp_port()
        uri = f"nfc:udp:127.0.0.1:{port}"
        card = subprocess.Popen([*kiosk, "sim", "card", "--profile", str(base / "card.json"),
                                 "--nfc", f"udp:127.0.0.1:{port}"])
        reader = open_reader(uri)
        try:
            wait_for_card(reader)
            with reader.session() as session:
                report("nfcpy udp ISO-DEP", measure(session, count))
                print(f"{'card info flow, nfcpy udp':<28} {card_info_time(session):8.2f} ms")
            print(f"{'L3 auth flow, nfcpy udp':<28} {auth_flow_time(reader):8.2f} ms"
                  "   (reset + family + authenticate, median of 5)")
            reader.close()
            print(f"{'kiosk card auth command':<28} {auth_command_time(uri, base / 'pki'):8.2f} ms"
                  "   (whole process, median of 5)")
        finally:
            reader.close()
            card.terminate()
            card.wait()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
