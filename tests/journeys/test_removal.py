"""The card taken away at every step of every journey: between steps (the reader reports it)
and in the middle of each card task (torn while an answer is awaited, or gone right after one,
at any APDU). Always a safe stop: the "card removed" screen (or, on a final screen, the end of
the session), or, when a PIN or PUK command's answer was lost, the screen that says the change
may have happened; every holder wiped, and never more than the one PIN or PUK try the citizen
asked for."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.journeys import Cancel, Choice, Phase, Screen
from kiosk.journeys.session import PLACEMENT_STEPS
from kiosk.sim.profile import CardProfile
from tests.conftest import TEST_NEW_PIN, TEST_PIN, TEST_PUK
from tests.journeys.harness import Kiosk, card_status, set_tries

Card = Callable[..., Path]
Action = Callable[[Kiosk], object]


def _open(choice: Choice) -> Action:
    return lambda kiosk: kiosk.open(choice)


def _type(digits: str) -> Action:
    return lambda kiosk: kiosk.type(digits)


def _choose(choice: Choice) -> Action:
    return lambda kiosk: kiosk.choose(choice)


def _insert(kiosk: Kiosk) -> object:
    return kiosk.insert()


# Each journey's happy path as the citizen walks it; the index marks the actions that run a
# card task; the setup puts the card where the path needs it.
SCRIPTS: dict[str, tuple[dict[str, int], list[Action], set[int]]] = {
    "check-card": ({}, [_open(Choice.CHECK_CARD), _insert], {1}),
    "test-pin": ({}, [_open(Choice.TEST_PIN), _insert, _type(TEST_PIN)], {1, 2}),
    "change-pin": ({}, [_open(Choice.CHANGE_PIN), _insert, _type(TEST_PIN),
                        _choose(Choice.CONTINUE), _type(TEST_NEW_PIN), _type(TEST_NEW_PIN)],
                   {1, 5}),
    "unblock-pin": ({"pin": 0, "puk": 3},
                    [_open(Choice.UNBLOCK_PIN), _insert, _choose(Choice.CONTINUE),
                     _choose(Choice.CONFIRM_PUK_TRY), _type(TEST_PUK), _choose(Choice.CONTINUE),
                     _type(TEST_NEW_PIN), _type(TEST_NEW_PIN)], {1, 7}),
}
# Screens where taking the card away ends the session (the result is shown, the job is done)
# or changes nothing (the check's result stays readable).
ENDS_SESSION = {Screen.PIN_WORKS, Screen.PIN_CHANGED, Screen.PIN_UNBLOCKED}
STAYS = {Screen.CHECK_RESULT}


def steps() -> list[tuple[str, int]]:
    return [(name, i) for name, (_, actions, _) in SCRIPTS.items()
            for i in range(2, len(actions) + 1)]


def prepared(issued_card: Card, test_pki: Path, name: str) -> tuple[Kiosk, Path]:
    tries, _, _ = SCRIPTS[name]
    profile = issued_card()
    if tries:
        set_tries(profile, **tries)
    return Kiosk(profile, test_pki), profile


def assert_at_most_one_try(profile: Path, name: str) -> None:
    status = card_status(profile)
    tries, _, _ = SCRIPTS[name]
    assert status.pin.left is not None and status.puk.left is not None
    assert status.pin.left >= tries.get("pin", 3) - 1 or status.pin.left == 3
    assert status.puk.left >= tries.get("puk", 10) - 1


@pytest.mark.parametrize(("name", "done"), steps(), ids=[f"{n}-after-{i}" for n, i in steps()])
def test_removal_between_steps(issued_card: Card, test_pki: Path, name: str, done: int) -> None:
    kiosk, profile = prepared(issued_card, test_pki, name)
    _, actions, _ = SCRIPTS[name]
    for action in actions[:done]:
        action(kiosk)
    before = kiosk.screen
    held = list(kiosk.secrets())
    kiosk.remove()
    if before in ENDS_SESSION:
        assert kiosk.session.phase is Phase.ATTRACT
    elif before in STAYS:
        assert kiosk.screen is before
    else:
        assert kiosk.screen is Screen.CARD_REMOVED, before
        assert kiosk.view.options == (Choice.CHECK_CARD, Choice.DONE)
    assert all(len(secret) == 0 for secret in held)
    assert_at_most_one_try(profile, name)


def task_apdus(issued_card: Card, test_pki: Path, name: str, task: int) -> list[bytes]:
    """The commands one card task sends on a card that stays."""
    kiosk, _ = prepared(issued_card, test_pki, name)
    _, actions, _ = SCRIPTS[name]
    for action in actions[:task]:
        action(kiosk)
    assert kiosk.card is not None
    before = len(kiosk.card.log)
    actions[task](kiosk)
    return kiosk.card.log[before:]


def may_change_the_card(raw: bytes) -> bool:
    """VERIFY with a code (its DO87 first), CHANGE REFERENCE DATA, RESET RETRY COUNTER."""
    return raw[1] in (0x24, 0x2C) or (raw[1] == 0x20 and raw[5:6] == b"\x87")


def assert_one_pin_valid(profile: Path, name: str) -> None:
    pins = CardProfile.load(profile).pins
    assert pins is not None
    old = pins.matches(TEST_PIN.encode(), is_pin=True)
    new = pins.matches(TEST_NEW_PIN.encode(), is_pin=True)
    assert old != new if name in ("change-pin", "unblock-pin") else old and not new


TASKS = [(name, task) for name, (_, _, tasks) in SCRIPTS.items() for task in sorted(tasks)]
MODES = ["torn", "torn-after-running", "left-after-answer"]


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("name", "task"), TASKS, ids=[f"{n}-task-{t}" for n, t in TASKS])
def test_removal_during_every_apdu_of_every_card_task(issued_card: Card, test_pki: Path,
                                                      name: str, task: int, mode: str) -> None:
    """Torn while the kiosk waits for an answer (the chip running the torn command or not),
    or taken away right after an answer: "card removed", or, when the lost answer was a PIN
    or PUK command's, "the change may have happened" and, once the card is back, what the
    card now says; a placement problem either way."""
    sent = task_apdus(issued_card, test_pki, name, task)
    assert len(sent) > 1  # a later task goes on with the secure channel the first one opened
    _, actions, _ = SCRIPTS[name]
    # Every APDU of the tasks that carry a PIN or PUK; every third of the reads (tries left,
    # certificate), which differ from each other only in which read fails.
    stride = 3 if task == 1 else 1
    first = 1 if mode == "left-after-answer" else 0
    for tear in [*range(first, len(sent) - 1, stride), len(sent) - 1]:
        kiosk, profile = prepared(issued_card, test_pki, name)
        for action in actions[:task]:
            action(kiosk)
        if mode == "left-after-answer":
            kiosk.leave_after(tear)
        else:
            kiosk.tear_after(tear, torn_runs=mode == "torn-after-running")
        actions[task](kiosk)
        doubt = may_change_the_card(sent[tear])
        expected = Screen.CARD_IN_DOUBT if doubt else Screen.CARD_REMOVED
        assert kiosk.screen is expected, (tear, kiosk.view)
        assert all(len(secret) == 0 for secret in kiosk.secrets())
        assert kiosk.session.card_losses == 1
        kiosk.remove()  # what the reader monitor reports after the tear
        assert kiosk.screen is expected
        assert_at_most_one_try(profile, name)
        assert_one_pin_valid(profile, name)
        assert kiosk.card is not None
        if doubt:
            kiosk.card.laid_again()
            assert kiosk.insert().screen is Screen.AFTER_DOUBT
            assert kiosk.view.facts["known"] and "pin_tries_left" in kiosk.view.facts
            continue
        if tear % 4:
            continue
        # the citizen lays the card again and checks it: the kiosk reads it normally
        kiosk.card.laid_again()
        kiosk.choose(Choice.CHECK_CARD)
        assert kiosk.insert().screen is Screen.CHECK_RESULT


def test_a_card_lost_twice_mid_read_brings_the_placement_help(issued_card: Card,
                                                              test_pki: Path) -> None:
    kiosk, _ = prepared(issued_card, test_pki, "check-card")
    kiosk.open(Choice.CHECK_CARD)
    assert kiosk.card is not None
    kiosk.tear_after(3)
    kiosk.insert()
    kiosk.remove()
    assert kiosk.screen is Screen.CARD_REMOVED
    assert "placement" not in kiosk.view.facts  # once can happen to anyone
    assert kiosk.choose(Choice.CHECK_CARD).screen is Screen.LAY_CARD
    assert "placement" not in kiosk.view.facts
    kiosk.card.apdus_left = 3
    kiosk.insert()
    kiosk.remove()
    assert kiosk.session.card_losses == 2
    assert kiosk.screen is Screen.CARD_REMOVED and "placement" not in kiosk.view.facts
    assert kiosk.choose(Choice.CHECK_CARD).screen is Screen.LAY_CARD_HELP
    assert kiosk.view.facts["placement"] == PLACEMENT_STEPS
    kiosk.card.laid_again()
    assert kiosk.insert().screen is Screen.CHECK_RESULT
    assert "placement" not in kiosk.view.facts  # the result screen is not about laying it


def test_a_card_taken_away_between_steps_is_no_placement_trouble(issued_card: Card,
                                                                 test_pki: Path) -> None:
    kiosk, _ = prepared(issued_card, test_pki, "test-pin")
    for _ in range(3):
        kiosk.open(Choice.TEST_PIN)
        assert kiosk.insert().screen is Screen.ENTER_PIN
        assert kiosk.remove().screen is Screen.CARD_REMOVED
        kiosk.choose(Choice.DONE)
        assert kiosk.session.phase is Phase.ATTRACT
    assert kiosk.session.card_losses == 0


def test_the_next_citizen_starts_without_the_placement_help(issued_card: Card,
                                                            test_pki: Path) -> None:
    kiosk, _ = prepared(issued_card, test_pki, "check-card")
    kiosk.open(Choice.CHECK_CARD)
    assert kiosk.card is not None
    for _ in range(2):
        kiosk.card.apdus_left = 2
        kiosk.insert()
        kiosk.remove()
        kiosk.choose(Choice.CHECK_CARD)
    assert kiosk.screen is Screen.LAY_CARD_HELP
    kiosk.send(Cancel())  # the journey, then the menu: the session ends
    kiosk.send(Cancel())
    assert kiosk.session.phase is Phase.ATTRACT
    assert kiosk.session.card_losses == 0
    assert kiosk.open(Choice.CHECK_CARD).screen is Screen.LAY_CARD
    assert "placement" not in kiosk.view.facts
