"""APDUs, bytes each way and time for each card operation, through pcscd + vpcd.

Run from the repository root: ``.venv/bin/python -m bench.card_operations``.
Host CPU is this process's CPU time (the virtual card runs in its own process); wall time
includes the card's work and pcscd. Prints figures; asserts nothing.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from kiosk.cie import tasks
from kiosk.cie.atr import ChipFamily
from kiosk.cie.flow import Flow
from kiosk.cie.link import CardLink
from kiosk.cie.secret import Secret
from kiosk.errors import KioskError
from kiosk.hardware.reader import CardReader, Connection, open_reader
from tests.pcsc_daemon import PrivatePcscd

PIN, PUK, NEW_PIN = "13572468", "24681357", "97531864"


class Counting(Connection):
    def __init__(self, inner: Connection) -> None:
        self.inner, self.atr = inner, inner.atr
        self.apdus = self.sent = self.received = 0

    def transmit(self, apdu: bytes) -> bytes:
        answer = self.inner.transmit(apdu)
        self.apdus += 1
        self.sent += len(apdu)
        self.received += len(answer)
        return answer

    def reset(self) -> bytes:
        return self.inner.reset()

    def present(self) -> bool:
        return self.inner.present()

    def close(self) -> None:
        self.inner.close()


def secret(digits: str) -> Secret:
    return Secret.from_digits(bytearray(digits.encode()))


def measure(reader: CardReader, label: str,
            task: Callable[[CardLink], Flow[object]]) -> None:
    with reader.session() as session:
        session.reset()
        counting = Counting(session._connection)
        session._connection = counting
        wall, cpu = time.perf_counter(), time.process_time()
        session.run(task(CardLink(ChipFamily.NXP)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<14} {counting.apdus:4d} APDUs  {counting.sent:6d} B out  "
          f"{counting.received:6d} B in   host CPU {cpu * 1e3:6.1f} ms   wall {wall * 1e3:6.1f} ms")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        kiosk = [sys.executable, "-m", "kiosk"]
        subprocess.run([*kiosk, "sim", "pki", "init", str(base / "pki")], check=True,
                       capture_output=True)
        subprocess.run([*kiosk, "sim", "card", "new", "--pki", str(base / "pki"), "--out",
                        str(base / "card.json"), "--pin", PIN, "--puk", PUK], check=True,
                       capture_output=True)
        daemon = PrivatePcscd(base, "Bench PCD")
        os.environ["PCSCLITE_CSOCK_NAME"] = daemon.socket_path
        daemon.start()
        card = subprocess.Popen([*kiosk, "sim", "card", "--profile", str(base / "card.json"),
                                 "--vpcd", f"127.0.0.1:{daemon.port}"])
        reader = open_reader(f"pcsc:{daemon.reader}")
        try:
            deadline = time.monotonic() + 15
            while True:
                try:
                    with reader.session():
                        break
                except KioskError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            digest = hashlib.sha256(b"bench").digest()
            print("through pcscd + vpcd (reads under SM in 231-byte chunks):")
            measure(reader, "status", tasks.status)
            measure(reader, "L3 auth", lambda link: tasks.authenticate(
                link, secret(PIN), digest, with_security_object=True))
            measure(reader, "change PIN",
                    lambda link: tasks.change(link, secret(PIN), secret(NEW_PIN)))
            for _ in range(3):  # block the PIN so that unblocking means something
                try:
                    measure(reader, "(wrong PIN)",
                            lambda link: tasks.authenticate(link, secret("00000000"), digest))
                except Exception as exc:  # noqa: BLE001 - expected: wrong or blocked
                    print(f"{'(wrong PIN)':<14} {getattr(exc, 'code', exc)}")
            measure(reader, "unblock", lambda link: tasks.unblock(link, secret(PUK), secret(PIN)))
        finally:
            reader.close()
            card.terminate()
            card.wait()
            daemon.stop()


if __name__ == "__main__":
    main()
