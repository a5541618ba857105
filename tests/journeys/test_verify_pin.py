"""Journey 2, "Test my PIN" (level-3 authentication), against the in-process virtual CIE."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.journeys import Back, CardInserted, Choice, EndReason, JourneyId, Phase, Screen
from tests.conftest import TEST_PIN
from tests.journeys.harness import Kiosk, ScriptedWorker, card_status, fails, set_tries

Card = Callable[..., Path]
WRONG = "00000000"


def at_pin_pad(profile: Path, pki: Path, *, threaded: bool = False) -> Kiosk:
    kiosk = Kiosk(profile, pki, threaded=threaded)
    kiosk.open(Choice.TEST_PIN)
    assert kiosk.screen is Screen.LAY_CARD
    assert kiosk.insert().screen is Screen.ENTER_PIN
    return kiosk


@pytest.mark.parametrize("threaded", [False, True], ids=["inline", "thread"])
def test_the_right_pin_names_the_holder(issued_card: Card, test_pki: Path,
                                        threaded: bool) -> None:
    kiosk = at_pin_pad(issued_card(), test_pki, threaded=threaded)
    try:
        assert kiosk.view.facts["pin_tries_left"] == 3
        kiosk.type(TEST_PIN[:5], confirm=False)
        assert kiosk.view.pad is not None and kiosk.view.pad.entered == 5
        view = kiosk.type(TEST_PIN[5:])
        assert view.screen is Screen.PIN_WORKS
        assert (view.facts["given_name"], view.facts["surname"]) == ("MARIA", "ROSSI")
        assert view.facts["codice_fiscale"] == "RSSMRA95A58H501Z"
        assert view.facts["certificate"] == "certificate.valid"
        assert view.facts["signature_valid"] is True
        assert view.facts["works_for_entra_con_cie"] is True
        assert all(len(secret) == 0 for secret in kiosk.secrets())
        journey = kiosk.session.journey
        assert journey is not None
        kiosk.remove()  # taking the card away at the end closes the session
        assert (journey.ctx.status, getattr(journey.ctx, "result", 0)) == (None, None)
        assert kiosk.session.phase is Phase.ATTRACT
        assert kiosk.session.ended == [EndReason.CARD_REMOVED]
    finally:
        kiosk.close()


def test_the_pad_takes_eight_digits_and_ok_only_when_complete(issued_card: Card,
                                                              test_pki: Path) -> None:
    from kiosk.journeys import Confirmed, DigitDeleted

    kiosk = at_pin_pad(issued_card(), test_pki)
    kiosk.type("1234567")
    assert kiosk.screen is Screen.ENTER_PIN  # OK on 7 digits does nothing
    kiosk.type("89", confirm=False)
    assert kiosk.view.pad is not None and kiosk.view.pad.entered == 8  # the ninth is refused
    for _ in range(8):
        kiosk.send(DigitDeleted())
    assert kiosk.view.pad is not None and kiosk.view.pad.entered == 0
    assert kiosk.type(TEST_PIN).screen is Screen.PIN_WORKS
    assert repr(kiosk.view).count("7391") == 0
    kiosk.send(Confirmed())  # late keys change nothing


def test_a_wrong_pin_shows_tries_left_and_is_never_retried_by_the_kiosk(
        issued_card: Card, test_pki: Path) -> None:
    profile = issued_card()
    kiosk = at_pin_pad(profile, test_pki)
    view = kiosk.type(WRONG)
    assert view.screen is Screen.WRONG_PIN
    assert view.facts["pin_tries_left"] == 2
    assert view.error is None  # "PIN sbagliato" says it once, with the tries left
    assert view.options == (Choice.RETRY,) and view.back is Back.MENU
    assert card_status(profile).pin.left == 2  # one try, the kiosk's only
    assert all(len(secret) == 0 for secret in kiosk.secrets())
    kiosk.choose(Choice.RETRY)
    assert kiosk.screen is Screen.ENTER_PIN and kiosk.view.facts["pin_tries_left"] == 2
    assert kiosk.type(TEST_PIN).screen is Screen.PIN_WORKS
    assert card_status(profile).pin.left == 3


def test_three_wrong_pins_lead_to_the_unblock_journey(issued_card: Card,
                                                      test_pki: Path) -> None:
    profile = issued_card()
    kiosk = at_pin_pad(profile, test_pki)
    for left in (2, 1):
        assert kiosk.type(WRONG).facts["pin_tries_left"] == left
        kiosk.choose(Choice.RETRY)
    view = kiosk.type(WRONG)
    assert view.screen is Screen.PIN_BLOCKED
    assert view.facts["puk_tries_left"] == 10 and view.error is None
    kiosk.choose(Choice.UNBLOCK_PIN)
    assert kiosk.view.journey == JourneyId.UNBLOCK_PIN.value
    assert kiosk.screen is Screen.PUK_TRIES and kiosk.view.facts["puk_tries_left"] == 10


def test_a_blocked_pin_is_never_sent(issued_card: Card, test_pki: Path) -> None:
    profile = issued_card()
    set_tries(profile, pin=0)
    kiosk = Kiosk(profile, test_pki)
    kiosk.open(Choice.TEST_PIN)
    assert kiosk.insert().screen is Screen.PIN_BLOCKED  # before any pad is shown
    assert kiosk.back().screen is Screen.MENU  # where "Ho perso PIN o PUK" is
    assert kiosk.choose(Choice.LOST_CODES).screen is Screen.LOST_WHAT


def test_a_dead_card(issued_card: Card, test_pki: Path) -> None:
    profile = issued_card()
    set_tries(profile, pin=0, puk=0)
    kiosk = Kiosk(profile, test_pki)
    kiosk.open(Choice.TEST_PIN)
    assert kiosk.insert().screen is Screen.CARD_DEAD


def test_cancel_on_the_pad_wipes_and_goes_back_to_the_menu(issued_card: Card,
                                                           test_pki: Path) -> None:
    from kiosk.journeys import Cancel

    kiosk = at_pin_pad(issued_card(), test_pki)
    kiosk.type(TEST_PIN[:6], confirm=False)
    held = list(kiosk.secrets())
    assert [len(secret) for secret in held] == [6]
    kiosk.send(Cancel())
    assert kiosk.session.phase is Phase.MENU
    assert [len(secret) for secret in held] == [0]


@pytest.mark.parametrize("code", ["PROTOCOL_ERROR", "SM_ERROR", "INTERNAL_ERROR"])
def test_a_card_error_while_authenticating(code: str) -> None:
    from kiosk.cie.pins import Tries
    from kiosk.cie.tasks import CardStatus
    from tests.journeys.harness import answers

    ok = CardStatus(None, "910718464654", Tries(3), Tries(10))
    worker = ScriptedWorker([answers(ok), fails(code)])
    kiosk = Kiosk(None, worker=worker)
    kiosk.open(Choice.TEST_PIN)
    kiosk.send(CardInserted())
    view = kiosk.type(TEST_PIN)
    assert view.screen is Screen.ERROR and view.error is not None and view.error.code == code
    assert worker.jobs == ["status", "authenticate"]
    assert all(len(secret) == 0 for secret in kiosk.secrets())
