"""The card worker on its own thread, the reader monitor on another, and the session meeting
them on the test's thread (which plays the UI thread)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.attach import build_reader
from kiosk.cie.errors import WrongPin
from kiosk.cie.flow import Flow
from kiosk.cie.secret import Secret
from kiosk.hardware import reader as hardware
from kiosk.hardware.monitor import ReaderMonitor
from kiosk.hardware.virtual import VirtualDriver
from kiosk.journeys import (
    CardDone,
    CardFailed,
    CardInserted,
    CardRemoved,
    Choice,
    Chosen,
    Confirmed,
    DigitTyped,
    KioskSession,
    Screen,
    ThreadCardWorker,
)
from kiosk.journeys.worker import CardJob, from_reader
from tests.conftest import TEST_PIN
from tests.journeys.harness import TearableCard, policy

Card = Callable[..., Path]


def secret(digits: str) -> Secret:
    return Secret.from_digits(bytearray(digits.encode()))


def test_a_journey_with_the_reader_monitor_and_the_worker_on_their_threads(
        issued_card: Card, test_pki: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    reader, inner = build_reader(f"sim:{issued_card()}")
    assert inner is not None and isinstance(reader.driver, VirtualDriver)
    driver, card = reader.driver, TearableCard(inner)
    woken = threading.Event()
    worker = ThreadCardWorker(reader)
    session = KioskSession(worker, policy(test_pki), wake=woken.set)

    def on_reader(event: hardware.ReaderEvent) -> None:
        mapped = from_reader(event)
        if mapped is not None:
            session.post(mapped)

    monitor = ReaderMonitor(reader, on_reader, interval=0.05)
    monitor.start()

    def until(screen: Screen, timeout: float = 30) -> None:
        while session.view.screen is not screen:
            woken.clear()
            assert woken.wait(timeout), f"stuck on {session.view.screen}, waiting for {screen}"
            session.pump()

    try:
        for choice in (Choice.START, Choice.CONTINUE, Choice.TEST_PIN):
            session.handle(Chosen(choice))
        assert session.view.screen is Screen.LAY_CARD
        driver.insert(card)
        until(Screen.ENTER_PIN)
        for digit in TEST_PIN.encode():
            session.handle(DigitTyped(digit))
        session.handle(Confirmed())
        until(Screen.PIN_WORKS)
        assert session.view.facts["surname"] == "ROSSI"
        driver.remove()
        until(Screen.ATTRACT)
    finally:
        monitor.stop()
        worker.close()
        reader.close()
    assert card.threads == {"card-worker"}  # never the UI thread
    assert TEST_PIN not in caplog.text


def test_the_worker_wipes_the_job_secrets_whatever_happens(issued_card: Card) -> None:
    reader, card = build_reader(f"sim:{issued_card()}")
    assert card is not None and isinstance(reader.driver, VirtualDriver)
    reader.driver.insert(card)
    answers: list[object] = []
    worker = ThreadCardWorker(reader, answers.append)
    held = secret("00000000")

    def refused(family: object) -> Flow[None]:
        raise WrongPin("wrong", 2)
        yield

    def crashes(family: object) -> Flow[None]:
        raise ZeroDivisionError
        yield

    try:
        first = worker.submit(CardJob("refused", refused, (held,)))
        second = worker.submit(CardJob("crashes", crashes, (secret("12345678"),)))
        assert worker.wait_idle()
    finally:
        worker.close()
        reader.close()
    assert answers == [CardFailed(first, "WRONG_PIN", 2), CardFailed(second, "INTERNAL_ERROR")]
    assert len(held) == 0


def test_an_answer_for_a_job_nobody_waits_for_is_ignored(issued_card: Card,
                                                         test_pki: Path) -> None:
    from tests.journeys.harness import Kiosk

    kiosk = Kiosk(issued_card(), test_pki)
    kiosk.open(Choice.TEST_PIN)
    kiosk.insert()
    assert kiosk.screen is Screen.ENTER_PIN
    kiosk.send(CardDone(999, None))
    kiosk.send(CardFailed(999, "PIN_BLOCKED"))
    assert kiosk.screen is Screen.ENTER_PIN


def test_reader_events_map_to_session_events() -> None:
    assert from_reader(hardware.CardInserted("r", b"\x3b")) == CardInserted()
    assert from_reader(hardware.CardLeft("r")) == CardRemoved()
    assert from_reader(hardware.ReaderDetached("r")) == CardRemoved()
    assert from_reader(hardware.ReaderAttached("r")) is None


def test_a_typed_digit_never_shows_in_a_repr() -> None:
    assert "7" not in repr(DigitTyped(ord("7")))
    with pytest.raises(ValueError, match="ASCII digit"):
        DigitTyped(ord("a"))
