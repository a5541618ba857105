""""Call a clerk": the help button works the same on every screen, because the session, not a
journey, answers it. What the overlay promises, what the audit trail records (the journey and
the screen, never who), and how the overlay ends: closed by the citizen, or under a session's
end, which wipes as ever."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.journeys import (
    CallClerk,
    Cancel,
    Choice,
    CloseHelp,
    Desk,
    DigitTyped,
    EndReason,
    Language,
    LanguageChosen,
    Lock,
    Phase,
    Screen,
    Timing,
    Unlock,
)
from kiosk.journeys.ports import EventValue
from tests.conftest import TEST_PIN
from tests.journeys.harness import Kiosk, ScriptedWorker

Card = Callable[..., Path]
Event = tuple[str, dict[str, EventValue]]


@dataclass
class Link:
    """The back-office link as the uplink reports it: up, or down."""

    up: bool

    def reachable(self) -> bool:
        return self.up


def help_events(kiosk: Kiosk) -> list[Event]:
    return [(kind, data) for kind, data in kiosk.audit.events if kind.startswith("help.")]


def asked(journey: str, step: str) -> list[Event]:
    data: dict[str, EventValue] = {"journey": journey, "step": step}
    return [("help.requested", data)]


def asked_and_ended(journey: str, step: str) -> list[Event]:
    data: dict[str, EventValue] = {"journey": journey, "step": step}
    return [("help.requested", data), ("help.ended", dict(data))]


def at_menu(kiosk: Kiosk) -> None:
    kiosk.choose(Choice.START)
    kiosk.choose(Choice.CONTINUE)
    assert kiosk.screen is Screen.MENU


@pytest.mark.parametrize(("link", "desk"), [(None, Desk.IN_PERSON), (Link(up=True), Desk.CALLED),
                                            (Link(up=False), Desk.WHEN_BACK)],
                         ids=["no-back-office", "link-up", "link-down"])
def test_the_overlay_says_what_the_desk_sees(link: Link | None, desk: Desk) -> None:
    kiosk = Kiosk(None, worker=ScriptedWorker([]), link=link)
    at_menu(kiosk)
    view = kiosk.send(CallClerk())
    assert view.screen is Screen.MENU  # the overlay lies over the screen, which stays
    assert view.help is not None and view.help.desk is desk
    assert help_events(kiosk) == asked("", "session.menu")


def test_closing_it_goes_back_where_the_citizen_was_and_records_the_end() -> None:
    kiosk = Kiosk(None, worker=ScriptedWorker([]), link=Link(up=True))
    at_menu(kiosk)
    kiosk.choose(Choice.LOST_CODES)
    kiosk.choose(Choice.LOST_PUK)
    before = kiosk.view
    kiosk.send(CallClerk())
    kiosk.send(CallClerk())  # a second press while it is open calls nobody twice
    after = kiosk.send(CloseHelp())
    assert after == before and after.help is None
    assert help_events(kiosk) == asked_and_ended("lost-codes", "lost.paths")


def test_the_overlay_is_modal_but_the_language_bar_works(issued_card: Card,
                                                         test_pki: Path) -> None:
    kiosk = Kiosk(issued_card(), test_pki)
    kiosk.open(Choice.TEST_PIN)
    kiosk.insert()
    kiosk.type(TEST_PIN[:3], confirm=False)
    kiosk.send(CallClerk())
    for digit in TEST_PIN[3:]:
        kiosk.send(DigitTyped(ord(digit)))
    kiosk.send(CallClerk())
    kiosk.send(Cancel())
    view = kiosk.send(LanguageChosen(Language.DE))
    assert view.screen is Screen.ENTER_PIN and view.pad is not None and view.pad.entered == 3
    assert view.language is Language.DE
    view = kiosk.send(CloseHelp())
    assert view.help is None and view.pad is not None and view.pad.entered == 3
    assert help_events(kiosk) == asked_and_ended("test-pin", "pin.enter")


def test_a_session_that_ends_under_the_overlay_ends_it_too(issued_card: Card,
                                                           test_pki: Path) -> None:
    """The card taken away on "your PIN works" ends the session: the overlay goes with the
    wipe, and help.ended comes before session.ended."""
    kiosk = Kiosk(issued_card(), test_pki)
    kiosk.open(Choice.TEST_PIN)
    kiosk.insert()
    assert kiosk.type(TEST_PIN).screen is Screen.PIN_WORKS
    kiosk.send(CallClerk())
    view = kiosk.remove()
    assert kiosk.phase() is Phase.ATTRACT and view.help is None
    assert kiosk.session.ended == [EndReason.CARD_REMOVED]
    kinds = kiosk.audit.kinds()
    assert kinds[-3:] == ["help.ended", "journey.ended", "session.ended"]
    assert help_events(kiosk) == asked_and_ended("test-pin", "pin.works")


def test_waiting_for_a_clerk_has_more_time_but_not_for_ever() -> None:
    timing = Timing(idle_seconds=60, warning_seconds=30, help_idle_seconds=300)
    kiosk = Kiosk(None, worker=ScriptedWorker([]), timing=timing)
    at_menu(kiosk)
    kiosk.send(CallClerk())
    assert kiosk.wait(120).warning is None  # past idle_seconds: the clerk is on the way
    assert kiosk.wait(181).warning is not None
    assert kiosk.wait(31).screen is Screen.ATTRACT
    assert kiosk.session.ended == [EndReason.TIMEOUT]
    assert kiosk.view.help is None
    assert help_events(kiosk) == asked_and_ended("", "session.menu")


def test_help_from_the_attract_and_the_out_of_order_screens() -> None:
    kiosk = Kiosk(None, worker=ScriptedWorker([]), link=Link(up=False))
    kiosk.send(CallClerk())
    assert kiosk.send(CloseHelp()).help is None
    kiosk.send(Lock("In manutenzione"))
    view = kiosk.send(CallClerk())
    assert view.screen is Screen.OUT_OF_ORDER and view.help is not None
    assert kiosk.send(Unlock()).help is None  # the clerk came and put it back in service
    assert help_events(kiosk) == [*asked_and_ended("", "session.attract"),
                                  *asked_and_ended("", "kiosk.out_of_order")]


@pytest.mark.parametrize("locked", [False, True], ids=["attract", "out-of-order"])
def test_outside_a_session_the_overlay_closes_by_itself(locked: bool) -> None:
    timing = Timing(help_idle_seconds=300)
    kiosk = Kiosk(None, worker=ScriptedWorker([]), timing=timing)
    if locked:
        kiosk.send(Lock())
    kiosk.send(CallClerk())
    assert kiosk.wait(299).help is not None
    assert kiosk.wait(1).help is None
    step = "kiosk.out_of_order" if locked else "session.attract"
    assert help_events(kiosk) == asked_and_ended("", step)


def test_a_lock_ends_the_session_and_the_overlay_with_it() -> None:
    kiosk = Kiosk(None, worker=ScriptedWorker([]))
    at_menu(kiosk)
    kiosk.send(CallClerk())
    view = kiosk.send(Lock())
    assert view.screen is Screen.OUT_OF_ORDER and view.help is None
    assert kiosk.audit.kinds()[-4:] == ["help.requested", "help.ended", "session.ended",
                                        "kiosk.locked"]


def test_no_secret_and_nothing_personal_in_a_call_for_help(issued_card: Card,
                                                           test_pki: Path) -> None:
    """Help asked on the PIN pad with digits in it, and on the screen that names the holder:
    the events carry a journey id and a screen id, nothing else."""
    kiosk = Kiosk(issued_card(), test_pki, link=Link(up=True))
    kiosk.open(Choice.TEST_PIN)
    kiosk.insert()
    kiosk.type(TEST_PIN[:7], confirm=False)
    kiosk.send(CallClerk())
    kiosk.send(CloseHelp())
    kiosk.type(TEST_PIN[7:])
    facts = kiosk.view.facts
    kiosk.send(CallClerk())
    kiosk.send(CloseHelp())
    personal = [TEST_PIN, facts["given_name"], facts["surname"], facts["codice_fiscale"]]
    assert all(isinstance(value, str) and value for value in personal)
    events = help_events(kiosk)
    assert events == [*asked_and_ended("test-pin", "pin.enter"),
                      *asked_and_ended("test-pin", "pin.works")]
    for kind, data in events:
        assert set(data) == {"journey", "step"}
        assert not [value for value in personal if str(value) in f"{kind} {data}"]
