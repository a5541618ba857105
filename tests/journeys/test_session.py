"""The session around the journeys: attract → language → menu, the inactivity warning and its
extensions, and the wipe at the end of every session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.journeys import (
    Cancel,
    Choice,
    DigitTyped,
    EndReason,
    ExtendSession,
    Language,
    LanguageChosen,
    Phase,
    Screen,
    Timing,
)
from tests.conftest import TEST_PIN
from tests.journeys.harness import Kiosk, ScriptedWorker

Card = Callable[..., Path]


def idle_kiosk(timing: Timing | None = None) -> Kiosk:
    return Kiosk(None, worker=ScriptedWorker([]), timing=timing)


def test_attract_language_menu_with_italian_by_default() -> None:
    k = idle_kiosk()
    assert k.view.screen is Screen.ATTRACT and k.view.options == (Choice.START,)
    view = k.choose(Choice.START)
    assert view.screen is Screen.LANGUAGE and view.language is Language.IT
    assert view.facts["languages"] == ("it", "en", "de", "fr", "sl")
    view = k.send(LanguageChosen(Language.SL))
    assert view.screen is Screen.MENU and view.language is Language.SL
    assert view.options == (Choice.CHECK_CARD, Choice.TEST_PIN, Choice.CHANGE_PIN,
                            Choice.UNBLOCK_PIN, Choice.LOST_CODES, Choice.CONTINUE_WITH_PHONE,
                            Choice.ACTIVATE)
    assert k.send(LanguageChosen(Language.DE)).language is Language.DE  # always switchable
    k.send(Cancel())
    assert k.view.screen is Screen.ATTRACT and k.view.language is Language.IT
    assert k.session.ended == [EndReason.CANCELLED]


def test_the_attract_screen_never_times_out() -> None:
    k = idle_kiosk()
    assert k.wait(3600).screen is Screen.ATTRACT and k.view.warning is None


def test_inactivity_warns_then_ends_the_session() -> None:
    k = idle_kiosk(Timing(idle_seconds=60, warning_seconds=30))
    k.open(Choice.LOST_CODES)
    assert k.wait(59).warning is None
    view = k.wait(1)
    assert view.warning is not None and view.warning.seconds_left == 30
    assert view.warning.can_extend and view.warning.extensions_left == 10
    assert k.wait(10).warning.seconds_left == 20  # type: ignore[union-attr]
    k.choose(Choice.LOST_PUK)  # the warning is modal: the screen behind ignores touches
    assert k.screen is Screen.LOST_WHAT
    k.wait(20)
    assert k.session.phase is Phase.ATTRACT and k.session.ended == [EndReason.TIMEOUT]
    assert k.session.journey is None


def test_activity_restarts_the_idle_time() -> None:
    k = idle_kiosk()
    k.open(Choice.LOST_CODES)
    k.wait(50)
    k.choose(Choice.LOST_PUK)
    assert k.wait(50).warning is None


def test_the_session_can_be_extended_ten_times_then_ends() -> None:
    k = idle_kiosk(Timing(idle_seconds=60, warning_seconds=20, max_extensions=10))
    k.open(Choice.LOST_CODES)
    for used in range(10):
        view = k.wait(60)
        assert view.warning is not None and view.warning.extensions_left == 10 - used
        k.wait(19)  # nearly all the 20 seconds pass before the citizen asks
        assert k.send(ExtendSession()).warning is None
        assert k.screen is Screen.LOST_WHAT
    view = k.wait(60)
    assert view.warning is not None and not view.warning.can_extend
    k.send(ExtendSession())  # no more
    assert k.view.warning is not None
    k.wait(20)
    assert k.session.ended == [EndReason.TIMEOUT]


def test_wcag_minimums_cannot_be_configured_away() -> None:
    with pytest.raises(ValueError, match="WCAG"):
        Timing(warning_seconds=19)
    with pytest.raises(ValueError, match="WCAG"):
        Timing(max_extensions=9)


def test_a_timeout_on_the_pin_pad_wipes_the_digits(issued_card: Card, test_pki: Path) -> None:
    k = Kiosk(issued_card(), test_pki)
    k.open(Choice.TEST_PIN)
    k.insert()
    k.type(TEST_PIN[:7], confirm=False)
    held = list(k.secrets())
    assert [len(secret) for secret in held] == [7]
    k.wait(60)
    k.send(DigitTyped(0x31))  # modal warning: the pad takes nothing
    assert [len(secret) for secret in held] == [7]
    k.wait(30)
    assert [len(secret) for secret in held] == [0]
    assert k.session.phase is Phase.ATTRACT and k.session.journey is None
    assert k.session.ended == [EndReason.TIMEOUT]


def test_the_clock_stands_still_while_the_card_works() -> None:
    """A job that has not answered yet: the citizen is waiting for the kiosk."""
    from kiosk.journeys import CardInserted
    from kiosk.journeys.worker import CardJob, CardWorker, Errand

    class Slow(CardWorker):
        def __init__(self) -> None:
            super().__init__(reader=None)  # type: ignore[arg-type]

        def _start(self, ticket: int, job: CardJob | Errand) -> None:
            pass  # never answers

    k = Kiosk(None, worker=Slow())
    k.open(Choice.CHECK_CARD)
    k.send(CardInserted())
    assert k.screen is Screen.WORKING and not k.view.can_cancel
    k.send(Cancel())
    assert k.screen is Screen.WORKING  # no cancel while the card works
    assert k.wait(600).warning is None


def test_every_journey_ends_with_nothing_left(issued_card: Card, test_pki: Path) -> None:
    k = Kiosk(issued_card(), test_pki)
    k.open(Choice.CHANGE_PIN)
    k.insert()
    k.type(TEST_PIN)
    k.choose(Choice.CONTINUE)
    k.type("5173", confirm=False)
    held = list(k.secrets())
    assert sorted(len(secret) for secret in held) == [0, 4, 8]
    k.send(Cancel())
    assert k.session.phase is Phase.MENU
    assert [len(secret) for secret in held] == [0, 0, 0]
    k.send(Cancel())
    assert k.phase() is Phase.ATTRACT


def test_a_card_laid_during_the_warning_counts_as_activity(issued_card: Card,
                                                           test_pki: Path) -> None:
    k = Kiosk(issued_card(), test_pki)
    k.open(Choice.CHECK_CARD)
    assert k.wait(60).warning is not None
    view = k.insert()
    assert view.screen is Screen.CHECK_RESULT and view.warning is None
