"""Journey 3, "Change PIN", against the in-process virtual CIE."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.journeys import Back, Choice, Screen
from tests.conftest import TEST_NEW_PIN, TEST_PIN
from tests.journeys.harness import Kiosk, card_status, set_tries

Card = Callable[..., Path]


def at_new_pin(kiosk: Kiosk) -> None:
    kiosk.open(Choice.CHANGE_PIN)
    assert kiosk.insert().screen is Screen.ENTER_OLD_PIN
    kiosk.type(TEST_PIN)
    view = kiosk.view
    assert view.screen is Screen.NEW_PIN_RULES  # the rules come before the new PIN is typed
    assert view.facts["rules"] == ("pin.rule.length", "pin.rule.all_same", "pin.rule.sequence")
    kiosk.choose(Choice.CONTINUE)
    assert kiosk.screen is Screen.ENTER_NEW_PIN


def test_change_the_pin(issued_card: Card, test_pki: Path) -> None:
    profile = issued_card()
    kiosk = Kiosk(profile, test_pki)
    at_new_pin(kiosk)
    kiosk.type(TEST_NEW_PIN)
    assert kiosk.screen is Screen.REPEAT_NEW_PIN
    assert kiosk.type(TEST_NEW_PIN).screen is Screen.PIN_CHANGED
    assert all(len(secret) == 0 for secret in kiosk.secrets())
    # the new PIN works: "Test my PIN" with it, on the same kiosk
    kiosk.choose(Choice.DONE)
    kiosk.open(Choice.TEST_PIN)
    assert kiosk.type(TEST_NEW_PIN).screen is Screen.PIN_WORKS


@pytest.mark.parametrize(("weak", "rule"), [("22222222", "pin.rule.all_same"),
                                            ("34567890", "pin.rule.sequence"),
                                            ("87654321", "pin.rule.sequence")])
def test_a_weak_new_pin_is_refused_by_the_kiosk_naming_the_rule(
        issued_card: Card, test_pki: Path, weak: str, rule: str) -> None:
    profile = issued_card()
    kiosk = Kiosk(profile, test_pki)
    at_new_pin(kiosk)
    view = kiosk.type(weak)
    assert view.screen is Screen.ENTER_NEW_PIN
    assert view.facts["notice"] == rule
    assert view.pad is not None and view.pad.entered == 0
    kiosk.type(TEST_NEW_PIN)
    assert kiosk.view.facts["notice"] is None
    assert kiosk.type(TEST_NEW_PIN).screen is Screen.PIN_CHANGED


def test_two_different_new_pins_start_the_new_pin_again(issued_card: Card,
                                                        test_pki: Path) -> None:
    profile = issued_card()
    kiosk = Kiosk(profile, test_pki)
    at_new_pin(kiosk)
    kiosk.type(TEST_NEW_PIN)
    view = kiosk.type("51739265")
    assert view.screen is Screen.ENTER_NEW_PIN and view.facts["notice"] == "pin.notice.mismatch"
    # the current PIN is still held for the card; both new ones are wiped
    assert [len(secret) for secret in kiosk.secrets()] == [8, 0, 0]
    assert card_status(profile).pin.left == 3  # nothing was sent


def test_a_wrong_current_pin(issued_card: Card, test_pki: Path) -> None:
    profile = issued_card()
    kiosk = Kiosk(profile, test_pki)
    kiosk.open(Choice.CHANGE_PIN)
    kiosk.insert()
    kiosk.type("00000000")
    kiosk.choose(Choice.CONTINUE)
    kiosk.type(TEST_NEW_PIN)
    view = kiosk.type(TEST_NEW_PIN)
    assert view.screen is Screen.WRONG_PIN and view.facts["pin_tries_left"] == 2
    assert all(len(secret) == 0 for secret in kiosk.secrets())
    kiosk.choose(Choice.RETRY)
    assert kiosk.screen is Screen.ENTER_OLD_PIN


def test_the_last_wrong_current_pin_blocks(issued_card: Card, test_pki: Path) -> None:
    profile = issued_card()
    set_tries(profile, pin=1)
    kiosk = Kiosk(profile, test_pki)
    kiosk.open(Choice.CHANGE_PIN)
    kiosk.insert()
    assert kiosk.view.facts["pin_tries_left"] == 1
    kiosk.type("00000000")
    kiosk.choose(Choice.CONTINUE)
    kiosk.type(TEST_NEW_PIN)
    assert kiosk.type(TEST_NEW_PIN).screen is Screen.PIN_BLOCKED
    assert kiosk.view.options == (Choice.UNBLOCK_PIN,)
    assert kiosk.view.back is Back.MENU


def test_a_blocked_or_dead_card_is_not_asked_for_a_pin(issued_card: Card,
                                                       test_pki: Path) -> None:
    blocked, dead = issued_card(name="blocked"), issued_card(name="dead")
    set_tries(blocked, pin=0)
    set_tries(dead, pin=0, puk=0)
    for profile, screen in ((blocked, Screen.PIN_BLOCKED), (dead, Screen.CARD_DEAD)):
        kiosk = Kiosk(profile, test_pki)
        kiosk.open(Choice.CHANGE_PIN)
        assert kiosk.insert().screen is screen
