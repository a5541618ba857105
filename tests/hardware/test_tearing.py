"""The card taken away at every APDU of every card operation, in both ways a hand moves it,
through a real pcscd and vpcd (``tests/tearing.py`` runs the tears).

Every run must end with ``CARD_REMOVED`` (never ``READER_ERROR``, never a traceback or a
hang), say "in doubt" exactly when the unanswered command may have changed the card, and leave
the card as the commands it really got imply: a try spent at most once, and after a torn PIN
change or unblock exactly one of the old and the new PIN valid.

A run mostly waits for pcscd's 400 ms poll to see the card come and go, so the two slots of
the private pcscd's vpcd reader each run half of an operation's tears, and the tears that
would only repeat another's are run once (:func:`tests.tearing.tears`): the secure channel's
opening, the same APDUs in every IAS operation, is torn under ``status`` only, and in a long
file read every third chunk is torn after the first three.

The reader going away is another matter: pcscd stopped in the middle of an operation is
``READER_UNAVAILABLE``, and the kiosk shows the reader error ("call staff").
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.errors import KioskError
from kiosk.hardware.reader import open_reader
from kiosk.journeys import CardInserted, Choice, InlineCardWorker, Screen
from kiosk.sim.card import VirtualCie
from kiosk.sim.ias_data import PinState
from kiosk.sim.profile import CardProfile
from tests.conftest import wait_for_card
from tests.journeys.harness import Kiosk
from tests.pcsc_daemon import PrivatePcscd
from tests.tearing import NEW_PIN, OPERATIONS, PIN, Outcome, Slot, SlotCard, run, tears

pytestmark = [pytest.mark.pcscd, pytest.mark.slow]


@pytest.fixture
def slots(pcscd: PrivatePcscd) -> Iterator[list[Slot]]:
    """Both slots of the private pcscd's vpcd reader (vpcd serves one reader per pcscd)."""
    base = pcscd.reader.removesuffix(" 00 00")
    both = [Slot(f"{base} 00 00", pcscd.port), Slot(f"{base} 00 01", pcscd.port + 1)]
    yield both
    for slot in both:
        slot.close()


def valid(pins: PinState, digits: str) -> bool:
    return pins.matches(digits.encode(), is_pin=True)


def check_card(operation: str, outcome: Outcome) -> None:
    before, after = outcome.before, outcome.after
    assert before is not None and after is not None
    assert 0 <= before.pin_tries - after.pin_tries <= 1 or after.pin_tries == 3
    assert after.puk_tries == before.puk_tries  # only right PUKs are sent here
    if operation in ("change-pin", "unblock"):
        assert valid(after, PIN) != valid(after, NEW_PIN)
    else:
        assert valid(after, PIN) and not valid(after, NEW_PIN)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_a_tear_at_every_apdu_is_card_removed(
    slots: list[Slot], issued_card: Callable[..., Path], operation: str
) -> None:
    template = issued_card()
    steps = slots[0].steps_of(template, operation)
    runs = tears(steps, opening=operation in ("status", "verify-chip", "read-id"))
    assert len(steps) > 5 and runs
    failures: list[str] = []

    def lane(slot: Slot, share: list[tuple[dict[str, object], object]]) -> None:
        for behaviours, doubt in share:
            try:
                outcome = slot.torn_run(template, operation, behaviours)
                assert outcome.code == "CARD_REMOVED", outcome.code
                assert outcome.in_doubt == doubt, (outcome.in_doubt, doubt)
                check_card(operation, outcome)
            except AssertionError as error:  # reported below, with the run that failed
                failures.append(f"{behaviours}: {error!r}")

    lanes = [threading.Thread(target=lane, args=(slot, runs[index::len(slots)]))
             for index, slot in enumerate(slots)]
    for thread in lanes:
        thread.start()
    for thread in lanes:
        thread.join()
    assert not failures, "\n".join(failures)


class StopsPcscd:
    """A card on which pcscd itself goes away: at its ``at``-th command it stops the daemon
    and only then answers (to nobody), so the kiosk sees the reader vanish, not the card."""

    def __init__(self, card: VirtualCie, daemon: PrivatePcscd, at: int) -> None:
        self.card, self.atr, self.in_field = card, card.atr, True
        self._daemon, self._left = daemon, at

    def reset(self) -> None:
        self.card.reset()

    def apdu(self, raw: bytes) -> bytes | None:
        self._left -= 1
        if self._left == 0:
            self._daemon.stop()
        return self.card.apdu(raw)


@pytest.fixture
def unplugged(pcscd: PrivatePcscd) -> Iterator[PrivatePcscd]:
    """The private pcscd, started again after a test that stops it."""
    try:
        yield pcscd
    finally:
        if pcscd.proc is None:
            pcscd.restart()


def lay_stopping_card(pcscd: PrivatePcscd, template: Path, at: int) -> SlotCard:
    card = StopsPcscd(VirtualCie(CardProfile.load(template)), pcscd, at)
    slot = SlotCard(pcscd.port, card)  # type: ignore[arg-type]
    wait_for_card(pcscd.reader, present=True)
    return slot


@pytest.mark.parametrize("at", [3, 20])
def test_pcscd_stopping_mid_operation_is_reader_unavailable(
    unplugged: PrivatePcscd, issued_card: Callable[..., Path], at: int
) -> None:
    card = lay_stopping_card(unplugged, issued_card(), at)
    reader = open_reader(f"pcsc:{unplugged.reader}")
    try:
        with pytest.raises(KioskError) as caught, reader.session() as session:
            run(session, OPERATIONS["status"])
        assert caught.value.code == "READER_UNAVAILABLE"
    finally:
        card.take_away()
        reader.close()


def test_pcscd_stopping_mid_journey_shows_the_reader_error(
    unplugged: PrivatePcscd, issued_card: Callable[..., Path], test_pki: Path
) -> None:
    card = lay_stopping_card(unplugged, issued_card(), 12)
    reader = open_reader(f"pcsc:{unplugged.reader}")
    kiosk = Kiosk(None, test_pki, worker=InlineCardWorker(reader))
    try:
        kiosk.open(Choice.CHECK_CARD)
        view = kiosk.send(CardInserted())
        assert view.screen is Screen.ERROR
        assert view.error is not None
        assert (view.error.code, view.error.support_code) == ("READER_UNAVAILABLE", "E-RDR-04")
        assert view.error.remedy == "remedy.call_staff"
    finally:
        card.take_away()
        reader.close()
