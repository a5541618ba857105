"""Journey 4, "Unblock with PUK", against the in-process virtual CIE."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.journeys import Back, CardInserted, Choice, Screen, View
from kiosk.journeys.certificates import UNREADABLE
from kiosk.journeys.jobs import CheckResult
from tests.conftest import TEST_NEW_PIN, TEST_PIN, TEST_PUK
from tests.journeys.harness import Kiosk, ScriptedWorker, answers, card_status, fails, set_tries

Card = Callable[..., Path]
WRONG = "00000000"


def blocked_card(issued_card: Card, puk: int = 10, **behaviours: object) -> Path:
    profile = issued_card(**behaviours)
    set_tries(profile, pin=0, puk=puk)
    return profile


def at_puk_tries(kiosk: Kiosk) -> None:
    kiosk.open(Choice.UNBLOCK_PIN)
    kiosk.insert()
    assert kiosk.screen is Screen.PUK_TRIES


def type_puk_and_new_pin(kiosk: Kiosk, puk: str = TEST_PUK) -> View:
    assert kiosk.screen is Screen.ENTER_PUK
    kiosk.type(puk)
    kiosk.choose(Choice.CONTINUE)  # the new PIN's rules
    kiosk.type(TEST_NEW_PIN)
    return kiosk.type(TEST_NEW_PIN)


def test_unblock_with_many_puk_tries_left(issued_card: Card, test_pki: Path) -> None:
    profile = blocked_card(issued_card)
    kiosk = Kiosk(profile, test_pki)
    at_puk_tries(kiosk)
    view = kiosk.view
    assert (view.facts["puk_tries_left"], view.facts["pin_tries_left"]) == (10, 0)
    assert view.options == (Choice.CONTINUE,) and view.can_cancel
    kiosk.choose(Choice.CONTINUE)  # more than 3 left: no confirmation
    type_puk_and_new_pin(kiosk)
    assert kiosk.screen is Screen.PIN_UNBLOCKED
    assert all(len(secret) == 0 for secret in kiosk.secrets())
    assert card_status(profile).pin.left == 3
    kiosk.choose(Choice.DONE)
    kiosk.open(Choice.TEST_PIN)
    assert kiosk.type(TEST_NEW_PIN).screen is Screen.PIN_WORKS


@pytest.mark.parametrize("left", [3, 2, 1])
def test_the_last_puk_tries_need_an_explicit_confirmation(issued_card: Card, test_pki: Path,
                                                          left: int) -> None:
    profile = blocked_card(issued_card, puk=left)
    kiosk = Kiosk(profile, test_pki)
    at_puk_tries(kiosk)
    kiosk.choose(Choice.CONTINUE)
    view = kiosk.view
    assert view.screen is Screen.PUK_CONFIRM_LAST_TRIES
    assert view.facts["puk_tries_left"] == left
    assert view.facts["puk_tries_max"] == 10
    assert view.facts["warning"] == "puk.warning.ten_wrong_end_digital_life"
    assert view.options == (Choice.CONFIRM_PUK_TRY, Choice.GO_TO_COUNTER)
    kiosk.choose(Choice.CONFIRM_PUK_TRY)
    type_puk_and_new_pin(kiosk)
    assert kiosk.screen is Screen.PIN_UNBLOCKED


def test_unknown_puk_tries_need_a_confirmation(issued_card: Card, test_pki: Path) -> None:
    profile = blocked_card(issued_card, empty_verify=False)
    kiosk = Kiosk(profile, test_pki)
    at_puk_tries(kiosk)
    assert kiosk.view.facts["puk_tries_left"] is None
    kiosk.choose(Choice.CONTINUE)
    assert kiosk.screen is Screen.PUK_CONFIRM_LAST_TRIES
    kiosk.choose(Choice.CONFIRM_PUK_TRY)
    assert type_puk_and_new_pin(kiosk).screen is Screen.PIN_UNBLOCKED


def test_stopping_at_the_confirmation_sends_nothing_and_explains_the_counter(
        issued_card: Card, test_pki: Path) -> None:
    profile = blocked_card(issued_card, puk=2)
    kiosk = Kiosk(profile, test_pki)
    at_puk_tries(kiosk)
    kiosk.choose(Choice.CONTINUE)
    view = kiosk.choose(Choice.GO_TO_COUNTER)
    assert view.screen is Screen.REPRINT_AT_COUNTER
    assert "lost.bring.email_address" in view.facts["bring"]  # type: ignore[operator]
    assert card_status(profile).puk.left == 2


def test_a_wrong_puk_shows_tries_left_and_asks_again_before_a_low_try(
        issued_card: Card, test_pki: Path) -> None:
    profile = blocked_card(issued_card, puk=4)
    kiosk = Kiosk(profile, test_pki)
    at_puk_tries(kiosk)
    kiosk.choose(Choice.CONTINUE)
    type_puk_and_new_pin(kiosk, WRONG)
    view = kiosk.view
    assert view.screen is Screen.WRONG_PUK and view.facts["puk_tries_left"] == 3
    assert view.error is None  # "PUK sbagliato" says so itself, once
    assert view.options == (Choice.RETRY, Choice.GO_TO_COUNTER) and not view.can_cancel
    assert card_status(profile).puk.left == 3  # one try, never repeated by the kiosk
    kiosk.choose(Choice.RETRY)
    assert kiosk.screen is Screen.PUK_TRIES and kiosk.view.facts["puk_tries_left"] == 3
    view = kiosk.choose(Choice.CONTINUE)
    assert view.screen is Screen.PUK_CONFIRM_LAST_TRIES  # now within the last three


def test_the_last_wrong_puk_ends_the_digital_identity(issued_card: Card,
                                                      test_pki: Path) -> None:
    profile = blocked_card(issued_card, puk=1)
    kiosk = Kiosk(profile, test_pki)
    at_puk_tries(kiosk)
    kiosk.choose(Choice.CONTINUE)
    kiosk.choose(Choice.CONFIRM_PUK_TRY)
    type_puk_and_new_pin(kiosk, WRONG)
    assert kiosk.screen is Screen.CARD_DEAD
    assert card_status(profile).puk.left == 0


def test_a_dead_card_is_told_before_anything_is_typed(issued_card: Card,
                                                      test_pki: Path) -> None:
    profile = blocked_card(issued_card, puk=0)
    kiosk = Kiosk(profile, test_pki)
    kiosk.open(Choice.UNBLOCK_PIN)
    assert kiosk.insert().screen is Screen.CARD_DEAD


def test_a_pin_that_is_not_blocked_can_be_reset_with_the_puk(issued_card: Card,
                                                             test_pki: Path) -> None:
    profile = issued_card()
    kiosk = Kiosk(profile, test_pki)
    at_puk_tries(kiosk)
    assert kiosk.view.facts["pin_tries_left"] == 3
    kiosk.choose(Choice.CONTINUE)
    type_puk_and_new_pin(kiosk)
    assert kiosk.screen is Screen.PIN_UNBLOCKED
    kiosk.choose(Choice.DONE)
    kiosk.open(Choice.TEST_PIN)
    assert kiosk.type(TEST_PIN).screen is Screen.WRONG_PIN  # the old one is gone


def test_the_card_asking_for_a_confirmation_after_all_leads_back_to_it() -> None:
    """The tries read first said 10; the task found them unknown (another card?): the card
    task refuses to send, and the kiosk asks for the confirmation it now needs."""
    from kiosk.cie.pins import Tries
    from kiosk.cie.tasks import CardStatus

    status = CardStatus(None, "910718464654", Tries(0), Tries(10))
    worker = ScriptedWorker([answers(CheckResult(status, UNREADABLE)),
                             fails("CONFIRMATION_REQUIRED", None), answers(None)])
    kiosk = Kiosk(None, worker=worker)
    kiosk.open(Choice.UNBLOCK_PIN)
    kiosk.send(CardInserted())
    kiosk.choose(Choice.CONTINUE)
    type_puk_and_new_pin(kiosk)
    view = kiosk.view
    assert view.screen is Screen.PUK_CONFIRM_LAST_TRIES and view.facts["puk_tries_left"] is None
    assert all(len(secret) == 0 for secret in kiosk.secrets())
    kiosk.choose(Choice.CONFIRM_PUK_TRY)
    type_puk_and_new_pin(kiosk)
    assert kiosk.screen is Screen.PIN_UNBLOCKED
    assert worker.jobs == ["check", "unblock", "unblock"]


@pytest.mark.parametrize("code", ["PROTOCOL_ERROR", "SM_ERROR", "UNSUPPORTED_CHIP"])
def test_a_card_error_while_unblocking(code: str) -> None:
    from kiosk.cie.pins import Tries
    from kiosk.cie.tasks import CardStatus

    status = CardStatus(None, "910718464654", Tries(0), Tries(10))
    kiosk = Kiosk(None, worker=ScriptedWorker([answers(CheckResult(status, UNREADABLE)),
                                               fails(code)]))
    kiosk.open(Choice.UNBLOCK_PIN)
    kiosk.send(CardInserted())
    kiosk.choose(Choice.CONTINUE)
    type_puk_and_new_pin(kiosk)
    view = kiosk.view
    assert view.screen is Screen.ERROR and view.error is not None and view.error.code == code
    # A chip the kiosk cannot use is not laid again: the smartphone is the way forward.
    forward = Choice.CONTINUE_WITH_PHONE if code == "UNSUPPORTED_CHIP" else Choice.RETRY
    assert view.options == (forward,) and view.back is Back.MENU
