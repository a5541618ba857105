"""Fixtures shared by the whole suite: the private pcscd and virtual cards attached to it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.hardware.reader import CardReader, ReaderEvent
from kiosk.sim.profile import new_profile
from tests.browser import browser  # noqa: F401 - registered once for all: two would clash
from tests.pcsc_daemon import PrivatePcscd

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[PrivatePcscd]:
    """One pcscd per test process. libpcsclite reads $PCSCLITE_CSOCK_NAME once per process,
    so it is set here, before anything in this process talks to PC/SC."""
    daemon = PrivatePcscd(tmp_path_factory.mktemp("pcscd"), f"Kiosk Test PCD {worker_id}")
    os.environ["PCSCLITE_CSOCK_NAME"] = daemon.socket_path
    daemon.start()
    yield daemon
    daemon.stop()


def kiosk_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "kiosk", *args]


def run_kiosk(*args: str, env: dict[str, str] | None = None,
              stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(kiosk_command(*args), capture_output=True, text=True, timeout=60,
                          env=env, input=stdin, cwd=ROOT, check=False)


def wait_for_card(reader: str, present: bool, timeout: float = 10) -> None:
    """Wait until pcscd sees the card arrive or leave (it polls vpcd about every 400 ms)."""
    from smartcard import scard

    flag = scard.SCARD_STATE_PRESENT if present else scard.SCARD_STATE_EMPTY
    _hr, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    try:
        state, deadline = scard.SCARD_STATE_UNAWARE, time.monotonic() + timeout
        while not state & flag:
            _hr, states = scard.SCardGetStatusChange(context, 250, [(reader, state)])
            state = states[0][1] & ~scard.SCARD_STATE_CHANGED
            assert time.monotonic() < deadline, f"card never {'arrived' if present else 'left'}"
    finally:
        scard.SCardReleaseContext(context)


def collect(reader: CardReader, until: Callable[[list[ReaderEvent]], bool],
            timeout: float = 15) -> list[ReaderEvent]:
    """Poll ``reader`` until the events so far satisfy ``until``."""
    events: list[ReaderEvent] = []
    deadline = time.monotonic() + timeout
    while not until(events):
        assert time.monotonic() < deadline, f"events so far: {events}"
        events += reader.poll(0.25)
    return events


class CardSubprocess:
    """``kiosk sim card --profile …`` with a link (``--vpcd`` or ``--nfc``), running until
    taken away; a card waiting for its reader retries for ever, so it is always ended."""

    def __init__(self, profile: Path, *link: str) -> None:
        with profile.with_suffix(".log").open("wb") as log:
            self.proc = subprocess.Popen(
                kiosk_command("sim", "card", "--profile", str(profile), *link),
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            )

    def end(self) -> None:
        """Stop the process (a torn card's has ended by itself already)."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class CardProcess(CardSubprocess):
    """A virtual card on the private pcscd's vpcd reader."""

    def __init__(self, daemon: PrivatePcscd, profile: Path) -> None:
        super().__init__(profile, "--vpcd", f"127.0.0.1:{daemon.port}")
        self.daemon = daemon

    def remove(self, wait: bool = True) -> None:
        self.end()
        if wait:
            wait_for_card(self.daemon.reader, present=False)


@pytest.fixture
def make_profile(tmp_path: Path) -> Callable[..., Path]:
    """Write a card profile (plain files) and return its path."""
    def make(name: str = "card", family: str = "NXP", **behaviours: object) -> Path:
        profile = new_profile(family)
        if behaviours:
            profile.behaviours = profile.behaviours.model_copy(update=behaviours)
        path = tmp_path / f"{name}.json"
        profile.save(path)
        return path
    return make


@pytest.fixture
def lay_card(pcscd: PrivatePcscd) -> Iterator[Callable[[Path], CardProcess]]:
    """Lay virtual cards on the private reader; every card is taken away at the end."""
    cards: list[CardProcess] = []

    def lay(profile: Path, wait: bool = True) -> CardProcess:
        card = CardProcess(pcscd, profile)
        cards.append(card)
        if wait:
            wait_for_card(pcscd.reader, present=True)
        return card

    try:
        yield lay
    finally:
        for card in cards:
            card.remove(wait=False)
    # Else the next test may find pcscd still reporting the card (it polls every 400 ms).
    wait_for_card(pcscd.reader, present=False)


# Distinctive values, so that the secret scan cannot mistake anything else for them.
TEST_PIN = "73914628"
TEST_PUK = "46820135"
TEST_NEW_PIN = "51739264"


@pytest.fixture(scope="session")
def test_pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pki = tmp_path_factory.mktemp("pki") / "pki"
    done = run_kiosk("sim", "pki", "init", str(pki))
    assert done.returncode == 0, done.stderr
    return pki


@pytest.fixture(scope="session")
def _card_templates(test_pki: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {}


@pytest.fixture
def issued_card(
    test_pki: Path, _card_templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
) -> Callable[..., Path]:
    """A complete virtual CIE (keys, certificate, EF.SOD) with fresh counters, as a profile."""
    def make(family: str = "NXP", name: str = "cie", **behaviours: object) -> Path:
        if family not in _card_templates:
            template = tmp_path_factory.mktemp("cards") / "template.json"
            done = run_kiosk("sim", "card", "new", "--pki", str(test_pki), "--out",
                             str(template), "--family", family, "--pin", TEST_PIN,
                             "--puk", TEST_PUK)
            assert done.returncode == 0, done.stderr
            _card_templates[family] = template
        document = json.loads(_card_templates[family].read_text())
        document["behaviours"].update(behaviours)
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(document))
        return path
    return make


@pytest.fixture(scope="session", autouse=True)
def _no_secret_left_in_any_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """At the end of the session, every file the tests left (profiles, logs, pcscd's logs,
    transcripts) is scanned for the test PIN and PUK."""
    yield
    from tests.secret_scan import findings

    leaks = findings(tmp_path_factory.getbasetemp(), [TEST_PIN, TEST_PUK, TEST_NEW_PIN])
    if leaks:
        pytest.fail("secrets left in files:\n" + "\n".join(leaks[:20]))
