"""After a card left with a PIN or PUK command's answer lost: what the kiosk says.

The verdict is a table (what the tries read before and after prove); the journeys are walked
on the in-process virtual card, torn at the very command, with the chip running it or not,
and laid again: the screen then tells the truth about the card, whichever it is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.cie.pins import Tries
from kiosk.cie.steps import Step
from kiosk.cie.tasks import CardStatus
from kiosk.journeys import Choice, Lock, Screen
from kiosk.journeys import doubt as d
from kiosk.sim.profile import CardProfile
from tests.conftest import TEST_NEW_PIN, TEST_PIN, TEST_PUK
from tests.journeys.harness import Kiosk, TearableCard, set_tries

Card = Callable[..., Path]


def status(pin: int | None, puk: int | None = 10) -> CardStatus:
    return CardStatus(None, "910718464654", Tries(pin), Tries(puk))


VERDICTS = [
    # step, tries (PIN, PUK) before, after: what is known, which PIN first
    (Step.VERIFY_PIN, (3, 10), (2, 10), (d.PIN_UNCHANGED, d.PIN_TRY_COUNTED), d.TRY_CURRENT_PIN),
    (Step.VERIFY_PIN, (3, 10), (3, 10), (d.PIN_UNCHANGED, d.NO_PIN_TRY_COUNTED),
     d.TRY_CURRENT_PIN),
    (Step.VERIFY_PIN, (1, 10), (0, 10), (d.PIN_STILL_BLOCKED, d.PIN_TRY_COUNTED), None),
    (Step.VERIFY_PIN, (None, None), (3, 10), (d.PIN_UNCHANGED,), d.TRY_CURRENT_PIN),
    (Step.VERIFY_PUK, (0, 5), (0, 4), (d.PIN_STILL_BLOCKED, d.PUK_TRY_COUNTED), None),
    (Step.VERIFY_PUK, (0, 5), (0, 5), (d.PIN_STILL_BLOCKED, d.NO_PUK_TRY_COUNTED), None),
    (Step.CHANGE_PIN, (3, 10), (3, 10), (d.MAYBE_NEW_PIN,), d.TRY_NEW_THEN_OLD),
    (Step.UNBLOCK_PIN, (0, 10), (3, 10), (d.NEW_PIN_SET,), d.TRY_NEW_PIN),
    (Step.UNBLOCK_PIN, (0, 10), (0, 10), (d.PIN_STILL_BLOCKED,), None),
    (Step.UNBLOCK_PIN, (2, 10), (2, 10), (d.PIN_UNCHANGED,), d.TRY_CURRENT_PIN),
    (Step.UNBLOCK_PIN, (3, 10), (3, 10), (d.MAYBE_NEW_PIN,), d.TRY_NEW_THEN_OLD),
    (Step.UNBLOCK_PIN, (None, None), (3, 10), (d.MAYBE_NEW_PIN,), d.TRY_NEW_THEN_OLD),
]


@pytest.mark.parametrize(("step", "before", "after", "known", "first"), VERDICTS)
def test_what_the_counters_prove(step: Step, before: tuple[int | None, int | None],
                                 after: tuple[int, int], known: tuple[str, ...],
                                 first: str | None) -> None:
    found = d.verdict(step, status(*before), status(*after))
    assert (found.known, found.try_first) == (known, first)


def test_every_doubt_has_its_sentence() -> None:
    assert set(d.MAY_HAVE) == {Step.VERIFY_PIN, Step.VERIFY_PUK, Step.CHANGE_PIN,
                               Step.UNBLOCK_PIN}


def valid(profile: Path, digits: str) -> bool:
    pins = CardProfile.load(profile).pins
    assert pins is not None
    return pins.matches(digits.encode(), is_pin=True)


def tear_the_change(kiosk: Kiosk, runs: bool) -> TearableCard:
    """Change PIN up to the new PIN typed twice, the card leaving during CHANGE REFERENCE DATA
    (``runs``: whether the chip ran it)."""
    kiosk.open(Choice.CHANGE_PIN)
    kiosk.insert()
    kiosk.type(TEST_PIN)
    kiosk.choose(Choice.CONTINUE)
    kiosk.type(TEST_NEW_PIN)
    assert kiosk.card is not None
    kiosk.card.tear_at_instruction(0x24, runs=runs)
    kiosk.type(TEST_NEW_PIN)
    return kiosk.card


@pytest.mark.parametrize("runs", [False, True], ids=["never-reached-the-chip", "chip-ran-it"])
def test_a_change_torn_at_change_reference_data(issued_card: Card, test_pki: Path,
                                                runs: bool) -> None:
    profile = issued_card()
    kiosk = Kiosk(profile, test_pki)
    card = tear_the_change(kiosk, runs)
    assert kiosk.screen is Screen.CARD_IN_DOUBT
    assert kiosk.view.facts["may_have"] == "doubt.may_have.change_pin"
    assert kiosk.view.error is None  # the screen's own words say it, not the removal's
    assert all(len(secret) == 0 for secret in kiosk.secrets())
    assert valid(profile, TEST_NEW_PIN) is runs and valid(profile, TEST_PIN) is not runs
    kiosk.remove()
    assert kiosk.screen is Screen.CARD_IN_DOUBT
    card.laid_again()
    assert kiosk.insert().screen is Screen.AFTER_DOUBT
    assert kiosk.view.facts["known"] == (d.MAYBE_NEW_PIN,)
    assert kiosk.view.facts["try_first"] == d.TRY_NEW_THEN_OLD
    assert kiosk.view.facts["pin_tries_left"] == 3
    assert kiosk.choose(Choice.DONE).screen is Screen.ATTRACT


@pytest.mark.parametrize("runs", [False, True], ids=["never-reached-the-chip", "chip-ran-it"])
def test_an_unblock_torn_at_reset_retry_counter(issued_card: Card, test_pki: Path,
                                                runs: bool) -> None:
    profile = issued_card()
    set_tries(profile, pin=0)
    kiosk = Kiosk(profile, test_pki)
    kiosk.open(Choice.UNBLOCK_PIN)
    kiosk.insert()
    kiosk.choose(Choice.CONTINUE)
    kiosk.type(TEST_PUK)
    kiosk.choose(Choice.CONTINUE)
    kiosk.type(TEST_NEW_PIN)
    assert kiosk.card is not None
    kiosk.card.tear_at_instruction(0x2C, runs=runs)
    kiosk.type(TEST_NEW_PIN)
    assert kiosk.screen is Screen.CARD_IN_DOUBT
    assert kiosk.view.facts["may_have"] == "doubt.may_have.unblock_pin"
    kiosk.remove()
    kiosk.card.laid_again()
    assert kiosk.insert().screen is Screen.AFTER_DOUBT
    if runs:
        assert kiosk.view.facts["known"] == (d.NEW_PIN_SET,)
        assert kiosk.view.facts["try_first"] == d.TRY_NEW_PIN
        assert kiosk.view.facts["pin_tries_left"] == 3
    else:
        assert kiosk.view.facts["known"] == (d.PIN_STILL_BLOCKED,)
        assert kiosk.view.facts["try_first"] is None
        assert kiosk.view.facts["pin_tries_left"] == 0
    assert kiosk.view.facts["puk_tries_left"] == 10


@pytest.mark.parametrize("runs", [False, True], ids=["never-reached-the-chip", "chip-ran-it"])
def test_a_wrong_pin_torn_at_verify(issued_card: Card, test_pki: Path, runs: bool) -> None:
    profile = issued_card()
    kiosk = Kiosk(profile, test_pki)
    kiosk.open(Choice.TEST_PIN)
    kiosk.insert()
    assert kiosk.card is not None
    kiosk.card.tear_at_instruction(0x20, runs=runs, with_data=True)
    kiosk.type("00000000")
    assert kiosk.screen is Screen.CARD_IN_DOUBT
    assert kiosk.view.facts["may_have"] == "doubt.may_have.verify_pin"
    kiosk.remove()
    kiosk.card.laid_again()
    assert kiosk.insert().screen is Screen.AFTER_DOUBT
    counted = d.PIN_TRY_COUNTED if runs else d.NO_PIN_TRY_COUNTED
    assert kiosk.view.facts["known"] == (d.PIN_UNCHANGED, counted)
    assert kiosk.view.facts["pin_tries_left"] == (2 if runs else 3)
    assert kiosk.session.card_losses == 1  # a tear is a placement problem like any other


def test_the_card_not_laid_again(issued_card: Card, test_pki: Path) -> None:
    """"Retry" without the card reads nothing and stays; "done" ends the session."""
    profile = issued_card()
    kiosk = Kiosk(profile, test_pki)
    kiosk.open(Choice.TEST_PIN)
    kiosk.insert()
    assert kiosk.card is not None
    kiosk.card.tear_at_instruction(0x20, runs=False, with_data=True)
    kiosk.type(TEST_PIN)
    kiosk.remove()
    assert kiosk.choose(Choice.RETRY).screen is Screen.CARD_IN_DOUBT
    assert kiosk.choose(Choice.DONE).screen is Screen.ATTRACT


def test_a_lock_lets_the_citizen_learn_what_the_torn_change_did(issued_card: Card,
                                                               test_pki: Path) -> None:
    """"The change may have happened" and what the counters then say are results a clerk's
    lock must not hide: the kiosk closes on the citizen's next touch after them."""
    profile = issued_card()
    kiosk = Kiosk(profile, test_pki)
    card = tear_the_change(kiosk, runs=True)
    assert kiosk.send(Lock("Chiuso")).screen is Screen.CARD_IN_DOUBT
    kiosk.remove()
    card.laid_again()
    assert kiosk.insert().screen is Screen.AFTER_DOUBT
    assert kiosk.choose(Choice.DONE).screen is Screen.OUT_OF_ORDER
    outcomes = [data["outcome"] for kind, data in kiosk.audit.events if kind == "journey.outcome"]
    assert outcomes == ["CHANGE_IN_DOUBT", "TRIES_REREAD"]
