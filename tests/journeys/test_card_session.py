"""One secure channel per card session: the jobs of a journey share the channel the first one
opened, and every way a card session ends (the card leaving, a reset, an SM error, the end of
the journey, the idle time) forces a new one, with the old keys zeroed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.attach import build_reader
from kiosk.cie.sm import SecureChannel
from kiosk.hardware.virtual import VirtualDriver
from kiosk.journeys import CardDone, CardFailed, Choice, InlineCardWorker, Screen, jobs
from kiosk.journeys.events import Event
from kiosk.journeys.worker import CardWorker
from tests.conftest import TEST_NEW_PIN, TEST_PIN
from tests.journeys.harness import FakeClock, Kiosk, TearableCard

Card = Callable[..., Path]


def key_agreements(card: TearableCard) -> int:
    """MSE SET KAT commands the card got: one per IAS channel opened (DH, then DAPP)."""
    return sum(raw[:4] == b"\x00\x22\x41\xa6" for raw in card.log)


class Bench:
    """A worker on the in-process virtual card, the card's log, and the outcomes posted."""

    def __init__(self, profile: Path, clock: FakeClock | None = None) -> None:
        reader, inner = build_reader(f"sim:{profile}")
        assert inner is not None and isinstance(reader.driver, VirtualDriver)
        self.driver, self.card = reader.driver, TearableCard(inner)
        self.driver.insert(self.card)
        self.posted: list[Event] = []
        self.worker: CardWorker = InlineCardWorker(reader, self.posted.append,
                                                   clock=clock or FakeClock())

    def status(self) -> Event:
        self.worker.submit(jobs.status())
        return [event for event in self.posted if isinstance(event, CardDone | CardFailed)][-1]

    @property
    def channel(self) -> SecureChannel:
        held = self.worker.held
        assert held is not None and held.link.ias is not None
        return held.link.ias.channel


def test_a_second_task_sends_no_dh_or_dapp(issued_card: Card) -> None:
    bench = Bench(issued_card())
    assert isinstance(bench.status(), CardDone)
    first = len(bench.card.log)
    assert isinstance(bench.status(), CardDone)
    assert key_agreements(bench.card) == 1
    assert len(bench.card.log) - first == 2  # the two empty VERIFYs, and nothing else
    assert bench.worker.held is not None and bench.worker.held.link.opened == 1


def test_the_card_leaving_and_coming_back_is_a_new_channel(issued_card: Card) -> None:
    bench = Bench(issued_card())
    bench.status()
    old = bench.channel
    bench.driver.remove()
    bench.driver.insert(bench.card)
    assert isinstance(bench.status(), CardDone)
    assert key_agreements(bench.card) == 2
    assert old.wiped and bench.channel is not old


def test_a_reset_is_a_new_channel(issued_card: Card) -> None:
    bench = Bench(issued_card())
    bench.status()
    old = bench.channel
    assert bench.worker.held is not None
    bench.worker.held.session.reset()
    assert isinstance(bench.status(), CardDone)
    assert key_agreements(bench.card) == 2 and old.wiped


def test_an_sm_error_ends_the_channel(issued_card: Card) -> None:
    """The card lost its session behind the kiosk's back (a power glitch): its plain 6882
    is an SM error, the job fails, and the next one opens a new channel."""
    bench = Bench(issued_card())
    bench.status()
    old = bench.channel
    bench.card.card.reset()
    failed = bench.status()
    assert isinstance(failed, CardFailed) and failed.code == "SM_ERROR"
    assert old.wiped and bench.worker.held is None
    assert isinstance(bench.status(), CardDone)
    assert key_agreements(bench.card) == 2


def test_the_idle_time_ends_the_channel(issued_card: Card) -> None:
    clock = FakeClock()
    bench = Bench(issued_card(), clock)
    bench.status()
    clock.now += bench.worker.idle_seconds - 1
    bench.status()
    assert key_agreements(bench.card) == 1
    old = bench.channel
    clock.now += bench.worker.idle_seconds + 1
    bench.status()
    assert key_agreements(bench.card) == 2 and old.wiped


def test_the_wiped_keys_are_zero_bytes(issued_card: Card) -> None:
    bench = Bench(issued_card())
    bench.status()
    channel = bench.channel
    bench.worker.end_card_session()
    assert channel.wiped
    assert channel._k_enc == bytearray(16) and channel._k_mac == bytearray(16)
    assert bench.worker.held is None


@pytest.mark.parametrize(("journey", "steps"), [
    (Choice.CHANGE_PIN, [TEST_PIN, Choice.CONTINUE, TEST_NEW_PIN, TEST_NEW_PIN]),
    (Choice.TEST_PIN, [TEST_PIN]),
])
def test_a_journey_opens_one_channel_and_ends_it(issued_card: Card, test_pki: Path,
                                                 journey: Choice, steps: list[object]) -> None:
    kiosk = Kiosk(issued_card(), test_pki)
    kiosk.open(journey)
    kiosk.insert()
    for step in steps:
        if isinstance(step, Choice):
            kiosk.choose(step)
        else:
            assert isinstance(step, str)
            kiosk.type(step)
    assert kiosk.screen in (Screen.PIN_CHANGED, Screen.PIN_WORKS)
    assert kiosk.card is not None and key_agreements(kiosk.card) == 1
    held = kiosk.worker.held
    assert held is not None and held.link.ias is not None
    channel = held.link.ias.channel
    kiosk.choose(Choice.DONE)  # the journey ends: so does its card session
    assert kiosk.worker.held is None and channel.wiped


def test_a_card_taken_away_between_two_tasks_gets_a_new_channel(issued_card: Card,
                                                                test_pki: Path) -> None:
    kiosk = Kiosk(issued_card(), test_pki)
    kiosk.open(Choice.TEST_PIN)
    kiosk.insert()
    assert kiosk.remove().screen is Screen.CARD_REMOVED
    assert kiosk.worker.held is None
    kiosk.choose(Choice.DONE)
    kiosk.open(Choice.TEST_PIN)
    kiosk.insert()
    assert kiosk.type(TEST_PIN).screen is Screen.PIN_WORKS
    assert kiosk.card is not None and key_agreements(kiosk.card) == 2
