"""Every card journey walked as a citizen walks it: APDUs, bytes, host CPU and the wall time a
citizen waits with a real CIE, through the in-process virtual card and through pcscd + vpcd.

Run from the repository root::

    .venv/bin/python -m bench.journeys                 # this tree
    .venv/bin/python -m bench.journeys --before REF    # and, in the same run, git REF's code

The journeys run on :class:`~kiosk.journeys.KioskSession` with the card worker inline, the
citizen's steps scripted (no typing time is counted). Each journey gets a fresh copy of one
issued card. Host CPU is the kiosk's alone: in-process, the virtual card's own CPU is taken
out (it is measured around every answer); through pcscd, the card runs in its own process.
The card answers at once; the wall time a citizen waits is modelled: the host CPU plus, for
every APDU sent, what a real CIE takes to carry and compute it (``kiosk/sim/timing.py``: air
time at 106 kbit/s, the chip's DH, RSA, SM and EEPROM work, documented estimates).

APDUs are grouped by purpose from their headers (which secure messaging leaves in clear), so
the same yardstick serves the code of any commit: ``--before REF`` checks REF out in a
temporary git worktree and runs this very file there, with this tree's timing model. Prints a
Markdown table; asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509

from kiosk.attach import build_reader
from kiosk.cie import icao
from kiosk.cie.secret import Secret
from kiosk.hardware.reader import open_reader
from kiosk.hardware.virtual import VirtualDriver
from kiosk.journeys import (
    CardInserted,
    CertificatePolicy,
    Chosen,
    Confirmed,
    DigitTyped,
    InlineCardWorker,
    KioskSession,
)
from kiosk.journeys.views import Choice
from kiosk.sim.profile import CardProfile
from tests.conftest import wait_for_card
from tests.pcsc_daemon import PrivatePcscd

KIOSK = [sys.executable, "-m", "kiosk"]
PIN, PUK, NEW_PIN, CAN = "13572468", "24681357", "97531864", "123456"
HERE = Path(__file__).resolve().parent.parent
PURPOSES = ("public", "key agreement", "DAPP", "tries", "PIN/PUK", "read under SM", "signature",
            "PACE", "chip auth", "other")


def timing_model(root: Path) -> ModuleType:
    """The timing model of ``root`` (this tree's, even when REF's code runs)."""
    spec = importlib.util.spec_from_file_location("cie_timing", root / "kiosk/sim/timing.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _protected_le(raw: bytes) -> bool:
    """Whether a protected command carries DO97 (an Le) after its DO87, if any."""
    index = 5
    if len(raw) > index + 1 and raw[index] == 0x87:
        index += 2 + raw[index + 1]
    return len(raw) > index and raw[index] == 0x97


def purpose(raw: bytes, previous: str) -> str:
    """What an APDU is for, from its header; INTERNAL AUTHENTICATE with an Le is a signature
    (DAPP's asks for none), an MSE SET AT right after DAPP's steps is DAPP's."""
    cla, ins, p1p2 = raw[0], raw[1], raw[2:4]
    protected = bool(cla & 0x0C)
    if ins == 0xC0:  # GET RESPONSE: the rest of the previous answer
        return previous
    if ins == 0x86 or (ins == 0x22 and p1p2 == b"\xc1\xa4"):
        return "PACE"
    if ins == 0x22 and p1p2 == b"\x41\xa6":
        return "chip auth" if protected else "key agreement"
    if ins == 0xCB:
        return "key agreement" if b"\xbf\xa1\x01" in raw or b"\xa6\x02\x91" in raw else "DAPP"
    if ins in (0x2A, 0x82, 0x84) or (ins == 0x22 and p1p2 in (b"\x81\xb6", b"\x81\xa4")):
        return "DAPP"
    if ins == 0x22 and p1p2 == b"\x41\xa4":
        return "DAPP" if protected and previous == "DAPP" else "signature"
    if ins == 0x88:
        return "DAPP" if protected and not _protected_le(raw) else "signature"
    if ins == 0x20 and protected and raw[5:6] != b"\x87":
        return "tries"
    if ins in (0x20, 0x24, 0x2C):
        return "PIN/PUK"
    if ins in (0xA4, 0xB0, 0xC0):
        return "read under SM" if protected else "public"
    return "other"


@dataclass
class Tally:
    apdus: int = 0
    sent: int = 0
    received: int = 0
    card_cpu: float = 0.0
    model: float = 0.0
    channels: int = 0  # IAS channels opened: MSE SET KAT's last piece
    by_purpose: Counter[str] = field(default_factory=Counter)
    last: str = ""


@dataclass
class Row:
    journey: str
    path: str
    apdus: int
    sent: int
    received: int
    host_cpu_ms: float
    card_model_s: float
    wait_s: float
    channels: int
    by_purpose: dict[str, int]


def counting_reader(reader: Any, tally: Tally, model: ModuleType) -> Any:
    """``reader`` with every card session's connection counted (and modelled)."""
    original = reader.session

    class Counted:
        def __init__(self, inner: Any) -> None:
            self.inner, self.atr = inner, inner.atr

        def transmit(self, apdu: bytes) -> bytes:
            answer: bytes = self.inner.transmit(apdu)
            tally.apdus += 1
            tally.sent += len(apdu)
            tally.received += len(answer)
            tally.model += model.seconds(apdu, answer)
            tally.channels += apdu[:4] == b"\x00\x22\x41\xa6"
            tally.last = purpose(apdu, tally.last)
            tally.by_purpose[tally.last] += 1
            return answer

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

    @contextmanager
    def session(*args: Any, **kwargs: Any) -> Iterator[Any]:
        with original(*args, **kwargs) as opened:
            opened._connection = Counted(opened._connection)
            yield opened

    reader.session = session
    return reader


def timed_card(card: Any, tally: Tally) -> None:
    """Take the in-process card's own CPU out of the host's."""
    answer = card.apdu

    def apdu(raw: bytes) -> bytes | None:
        started = time.thread_time()
        try:
            result: bytes | None = answer(raw)
            return result
        finally:
            tally.card_cpu += time.thread_time() - started

    card.apdu = apdu


# -- the citizen's steps ---------------------------------------------------------------------

Step = tuple[str, str]  # ("choose", choice value) | ("type", digits) | ("lay", "")
JOURNEYS: dict[str, tuple[dict[str, int], list[Step]]] = {
    "check my card": ({}, [("choose", "choice.check_card"), ("lay", "")]),
    "test my PIN (level 3)": ({}, [("choose", "choice.test_pin"), ("lay", ""),
                                   ("type", PIN)]),
    "change PIN": ({}, [("choose", "choice.change_pin"), ("lay", ""), ("type", PIN),
                        ("choose", "choice.continue"), ("type", NEW_PIN), ("type", NEW_PIN)]),
    "unblock with the PUK": ({"pin": 0}, [
        ("choose", "choice.unblock_pin"), ("lay", ""), ("choose", "choice.continue"),
        ("type", PUK), ("choose", "choice.continue"), ("type", NEW_PIN), ("type", NEW_PIN)]),
}
END_SCREENS = {"check.result", "pin.works", "pin.changed", "puk.pin_unblocked"}


def walk(steps: list[Step], session: Any, lay: Callable[[], None]) -> None:
    for name in ("choice.start", "choice.continue"):
        session.handle(Chosen(Choice(name)))
    for kind, value in steps:
        if kind == "choose":
            session.handle(Chosen(Choice(value)))
        elif kind == "type":
            for digit in value.encode():
                session.handle(DigitTyped(digit))
            session.handle(Confirmed())
        else:
            lay()
    screen = session.view.screen.value
    if screen not in END_SCREENS:
        raise RuntimeError(f"the journey ended on {screen}")


def fresh_card(template: Path, folder: Path, tries: dict[str, int]) -> Path:
    path = folder / "card.json"
    shutil.copy(template, path)
    profile = CardProfile.load(path)
    assert profile.pins is not None
    profile.pins.pin_tries = tries.get("pin", 3)
    profile.save(path)
    return path


def measure(journey: str, path: str, run: Callable[[Tally], None]) -> Row:
    tally = Tally()
    cpu = time.process_time()
    run(tally)
    host = time.process_time() - cpu - tally.card_cpu
    return Row(journey, path, tally.apdus, tally.sent, tally.received, host * 1e3,
               tally.model, host + tally.model, tally.channels,
               {key: tally.by_purpose[key] for key in PURPOSES if tally.by_purpose[key]})


def in_process(template: Path, pki: Path, model: ModuleType) -> list[Row]:
    _, _, der = pem.unarmor((pki / "cie-auth-ca.pem").read_bytes())
    policy = CertificatePolicy([asn1_x509.Certificate.load(der)])
    rows = []
    for journey, (tries, steps) in JOURNEYS.items():
        with tempfile.TemporaryDirectory() as folder:
            profile = fresh_card(template, Path(folder), tries)

            def run(tally: Tally, profile: Path = profile, steps: list[Step] = steps) -> None:
                reader, card = build_reader(f"sim:{profile}")
                counting_reader(reader, tally, model)
                timed_card(card, tally)
                session = KioskSession(InlineCardWorker(reader), policy)

                def lay() -> None:
                    assert isinstance(reader.driver, VirtualDriver) and card is not None
                    reader.driver.insert(card)
                    session.handle(CardInserted())

                walk(steps, session, lay)
                reader.close()

            rows.append(measure(journey, "in-process", run))
    rows.append(measure("read-id (PACE, CAN)", "in-process",
                        lambda tally: _read_id(template, tally, model)))
    return rows


def _read_id(template: Path, tally: Tally, model: ModuleType) -> None:
    reader, card = build_reader(f"sim:{template}")
    counting_reader(reader, tally, model)
    timed_card(card, tally)
    assert isinstance(reader.driver, VirtualDriver) and card is not None
    reader.driver.insert(card)
    with reader.session() as session:
        session.reset()
        session.run(icao.read_identity(Secret.from_digits(bytearray(CAN.encode()))))
    reader.close()


@contextmanager
def private_pcscd(folder: Path) -> Iterator[Any]:
    daemon = PrivatePcscd(folder, "Bench PCD")
    os.environ["PCSCLITE_CSOCK_NAME"] = daemon.socket_path
    daemon.start()
    try:
        yield daemon
    finally:
        daemon.stop()


def through_pcscd(template: Path, pki: Path, model: ModuleType, folder: Path) -> list[Row]:
    _, _, der = pem.unarmor((pki / "cie-auth-ca.pem").read_bytes())
    policy = CertificatePolicy([asn1_x509.Certificate.load(der)])
    rows = []
    with private_pcscd(folder) as daemon:
        for journey, (tries, steps) in JOURNEYS.items():
            with tempfile.TemporaryDirectory() as cards:
                profile = fresh_card(template, Path(cards), tries)

                def run(tally: Tally, profile: Path = profile, steps: list[Step] = steps) -> None:
                    reader = counting_reader(open_reader(f"pcsc:{daemon.reader}"), tally, model)
                    session = KioskSession(InlineCardWorker(reader), policy)
                    card: list[subprocess.Popen[bytes]] = []

                    def lay() -> None:
                        card.append(subprocess.Popen(
                            [*KIOSK, "sim", "card", "--profile", str(profile), "--vpcd",
                             f"127.0.0.1:{daemon.port}"], stderr=subprocess.DEVNULL))
                        wait_for_card(daemon.reader, present=True)
                        session.handle(CardInserted())

                    try:
                        walk(steps, session, lay)
                    finally:
                        for process in card:
                            process.terminate()
                            process.wait()
                        wait_for_card(daemon.reader, present=False)
                        reader.close()

                rows.append(measure(journey, "pcscd + vpcd", run))
    return rows


def collect(root: Path, paths: list[str]) -> list[Row]:
    model = timing_model(root)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        subprocess.run([*KIOSK, "sim", "pki", "init", str(base / "pki")], check=True,
                       capture_output=True)
        subprocess.run([*KIOSK, "sim", "card", "new", "--pki", str(base / "pki"), "--out",
                        str(base / "card.json"), "--pin", PIN, "--puk", PUK], check=True,
                       capture_output=True)
        rows: list[Row] = []
        if "in-process" in paths:
            rows += in_process(base / "card.json", base / "pki", model)
        if "pcscd" in paths:
            rows += through_pcscd(base / "card.json", base / "pki", model, base)
        return rows


def before(ref: str, paths: list[str]) -> list[Row]:
    """This file run on ``ref``'s code in a temporary worktree, with this tree's model."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(["git", "-C", str(HERE), "worktree", "add", "--detach", str(tree), ref],
                       check=True, capture_output=True)
        try:
            shutil.copy(Path(__file__), tree / "bench" / "journeys.py")
            done = subprocess.run(
                [sys.executable, "-m", "bench.journeys", "--json", "--model", str(HERE),
                 "--paths", ",".join(paths)],
                cwd=tree, check=True, capture_output=True, text=True)
        finally:
            subprocess.run(["git", "-C", str(HERE), "worktree", "remove", "--force", str(tree)],
                           check=True, capture_output=True)
    return [Row(**row) for row in json.loads(done.stdout)]


def table(rows: list[Row], label: str) -> str:
    lines = [f"| journey ({label}) | path | APDUs | bytes out | bytes in | host CPU |"
             " card (model) | citizen waits | IAS channels |",
             "|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r.journey} | {r.path} | {r.apdus} | {r.sent} | {r.received} |"
              f" {r.host_cpu_ms:.0f} ms | {r.card_model_s:.2f} s | {r.wait_s:.2f} s |"
              f" {r.channels} |" for r in rows]
    return "\n".join(lines)


def purposes(rows: list[Row]) -> str:
    return "\n".join(f"- {r.journey}: " + ", ".join(f"{k} {n}" for k, n in r.by_purpose.items())
                     for r in rows if r.path == rows[0].path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", metavar="REF", help="also run git REF's code, same machine")
    parser.add_argument("--paths", default="in-process,pcscd")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--model", type=Path, default=HERE, help=argparse.SUPPRESS)
    args = parser.parse_args()
    paths = args.paths.split(",")
    if args.json:
        print(json.dumps([asdict(row) for row in collect(args.model, paths)]))
        return
    print(f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {sys.platform}, load "
          f"{os.getloadavg()[0]:.1f}; the citizen's typing not counted\n")
    if args.before:
        old = before(args.before, paths)
        print(table(old, f"before: {args.before}") + "\n")
    new = collect(HERE, paths)
    print(table(new, "this tree") + "\n")
    if args.before:
        print(f"APDUs by purpose, before ({args.before}):\n{purposes(old)}\n")
    print(f"APDUs by purpose, this tree:\n{purposes(new)}")


if __name__ == "__main__":
    main()
