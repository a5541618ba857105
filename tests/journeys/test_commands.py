"""The back-office's commands: lock with the clerk's message, unlock, a notice. A lock lets a
running card job finish, then wipes the journey as a session's end does; while locked only the
language buttons answer and nothing times out. The heartbeat's view of it all: kiosk_state."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.journeys import (
    Cancel,
    CardInserted,
    CardRemoved,
    CertificatePolicy,
    Choice,
    Chosen,
    DigitTyped,
    EndReason,
    ExtendSession,
    KioskSession,
    Language,
    LanguageChosen,
    Lock,
    Phase,
    Screen,
    ShowNotice,
    Tick,
    Timing,
    Unlock,
)
from kiosk.journeys.events import MAX_MESSAGE_LENGTH
from kiosk.journeys.ports import Activity, KioskStatus
from kiosk.journeys.worker import CardJob
from tests.conftest import TEST_PIN
from tests.journeys.harness import HeldWorker, Kiosk, ScriptedWorker

Card = Callable[..., Path]
MESSAGE = "Il lettore è in manutenzione. Torniamo alle 14."


def idle_kiosk() -> Kiosk:
    return Kiosk(None, worker=ScriptedWorker([]),
                 timing=Timing(idle_seconds=60, warning_seconds=30))


def test_a_lock_on_the_attract_screen_shows_the_clerks_message_until_the_unlock() -> None:
    k = idle_kiosk()
    view = k.send(Lock(MESSAGE))
    assert view.screen is Screen.OUT_OF_ORDER and view.facts["lock_message"] == MESSAGE
    assert view.options == () and not view.can_cancel
    assert k.session.kiosk_state() == KioskStatus(Activity.LOCKED)
    k.wait(10)
    view = k.send(Unlock())
    assert view.screen is Screen.ATTRACT and view.language is Language.IT
    assert k.session.kiosk_state() == KioskStatus(Activity.IDLE)
    assert k.audit.events == [("kiosk.locked", {"waited_for_card": False}),
                              ("kiosk.unlocked", {"was_locked": True, "locked_ms": 10_000})]
    assert k.session.ended == []  # no citizen was there


def test_while_locked_only_the_language_buttons_answer_and_nothing_times_out() -> None:
    k = idle_kiosk()
    k.send(Lock(MESSAGE))
    for event in (Chosen(Choice.START), Cancel(), CardInserted(), ExtendSession(),
                  DigitTyped(0x31), CardRemoved(), Chosen(Choice.CHECK_CARD)):
        assert k.send(event).screen is Screen.OUT_OF_ORDER
    view = k.send(LanguageChosen(Language.FR))
    assert view.screen is Screen.OUT_OF_ORDER and view.language is Language.FR
    view = k.wait(24 * 3600)
    assert view.screen is Screen.OUT_OF_ORDER and view.warning is None
    assert view.language is Language.FR and view.facts["lock_message"] == MESSAGE
    assert k.audit.kinds() == ["kiosk.locked"]


def test_a_lock_at_the_menu_ends_the_session_and_speaks_the_citizens_language() -> None:
    k = idle_kiosk()
    k.choose(Choice.START)
    k.send(LanguageChosen(Language.DE))
    k.wait(5)
    view = k.send(Lock(MESSAGE))
    assert view.screen is Screen.OUT_OF_ORDER and view.language is Language.DE
    assert k.session.ended == [EndReason.LOCKED]
    assert k.audit.events == [
        ("session.started", {}),
        ("session.ended", {"reason": "locked", "duration_ms": 5_000, "journeys": 0}),
        ("kiosk.locked", {"waited_for_card": False}),
    ]
    assert k.send(Unlock()).language is Language.IT  # the next citizen starts in Italian


def test_a_lock_at_the_pin_pad_wipes_the_digits_at_once(issued_card: Card,
                                                        test_pki: Path) -> None:
    k = Kiosk(issued_card(), test_pki)
    k.open(Choice.TEST_PIN)
    k.insert()
    k.type(TEST_PIN[:5], confirm=False)
    journey = k.session.journey
    assert journey is not None and k.session.kiosk_state() == KioskStatus(
        Activity.IN_JOURNEY, "test-pin")
    holders = list(k.secrets())
    assert [len(holder) for holder in holders] == [5]
    view = k.send(Lock(None))
    assert view.screen is Screen.OUT_OF_ORDER and view.facts["lock_message"] is None
    assert [len(holder) for holder in holders] == [0] and k.session.journey is None
    assert journey.ctx.status is None  # what the card said is forgotten too
    assert k.audit.kinds()[-3:] == ["journey.ended", "session.ended", "kiosk.locked"]
    assert k.audit.events[-3][1]["reason"] == "locked"


def pin_verify_under_way(issued_card: Card, test_pki: Path) -> tuple[Kiosk, HeldWorker]:
    """The PIN typed and confirmed: the authenticate job holds the digits, not yet run."""
    k = Kiosk(issued_card(), test_pki, held=True)
    worker = k.worker
    assert isinstance(worker, HeldWorker)
    k.open(Choice.TEST_PIN)
    k.insert()
    worker.release()  # the tries left
    k.session.pump()
    assert k.screen is Screen.ENTER_PIN
    assert k.type(TEST_PIN).screen is Screen.WORKING and k.session.busy
    return k, worker


def job_digits(job: CardJob) -> list[int]:
    return [len(secret) for secret in job.secrets]


def test_a_lock_waits_for_the_pin_verify_then_closes_the_journey(issued_card: Card,
                                                                 test_pki: Path) -> None:
    k, worker = pin_verify_under_way(issued_card, test_pki)
    _, job = worker.waiting[0]
    view = k.send(Lock(MESSAGE))
    # never pulled from under the card: the job keeps its digits, the screen waits with it
    assert view.screen is Screen.WORKING and job_digits(job) == [8]
    assert k.session.kiosk_state() == KioskStatus(Activity.IN_JOURNEY, "test-pin")
    for event in (Cancel(), Chosen(Choice.DONE), DigitTyped(0x31)):
        assert k.send(event).screen is Screen.WORKING
    k.wait(3600)  # the card works: the clock stands still, no warning, no end
    assert k.screen is Screen.WORKING and k.session.busy
    worker.release()  # the card answers: PIN right
    view = k.send(Tick())
    assert view.screen is Screen.PIN_WORKS  # the citizen learns what the card said
    assert job_digits(job) == [0]
    view = k.send(Chosen(Choice.DONE))  # whatever the button, the kiosk now closes
    assert view.screen is Screen.OUT_OF_ORDER and view.facts["lock_message"] == MESSAGE
    assert job_digits(job) == [0] and k.session.journey is None
    assert k.session.ended == [EndReason.LOCKED]
    assert k.audit.kinds() == ["session.started", "journey.started", "journey.outcome",
                               "journey.ended", "session.ended", "kiosk.locked"]
    assert k.audit.events[2][1]["outcome"] == "PIN_WORKS"  # the card's answer is recorded
    assert k.audit.events[-1] == ("kiosk.locked", {"waited_for_card": True})


def test_a_lock_on_a_result_screen_lets_the_citizen_read_it_then_closes_on_any_button(
        issued_card: Card, test_pki: Path) -> None:
    k, worker = pin_verify_under_way(issued_card, test_pki)
    worker.release()
    assert k.send(Tick()).screen is Screen.PIN_WORKS
    assert k.send(Lock(MESSAGE)).screen is Screen.PIN_WORKS
    k.wait(61)  # the citizen reads: the inactivity warning comes as it would
    assert k.view.warning is not None
    k.wait(31)  # nobody there: the session times out, and the kiosk locks
    assert k.screen is Screen.OUT_OF_ORDER
    assert k.session.ended == [EndReason.TIMEOUT]
    assert k.audit.events[-1] == ("kiosk.locked", {"waited_for_card": False})


def test_an_unlock_before_the_card_answers_lets_the_journey_go_on(issued_card: Card,
                                                                  test_pki: Path) -> None:
    k, worker = pin_verify_under_way(issued_card, test_pki)
    k.send(Lock(MESSAGE))
    k.send(Unlock())
    worker.release()
    assert k.send(Tick()).screen is Screen.PIN_WORKS
    assert k.audit.events[-2:] == [
        ("kiosk.unlocked", {"was_locked": False, "locked_ms": None}),
        ("journey.outcome", {"journey": "test-pin", "outcome": "PIN_WORKS"}),
    ]


def test_a_notice_stays_on_the_attract_screen_and_the_menu_until_cleared() -> None:
    k = idle_kiosk()
    notice = "Martedì l'anagrafe chiude alle 12."
    assert k.send(ShowNotice(notice)).facts["clerk_notice"] == notice
    assert k.choose(Choice.START).screen is Screen.LANGUAGE
    assert "clerk_notice" not in k.view.facts
    assert k.choose(Choice.CONTINUE).facts["clerk_notice"] == notice
    assert "clerk_notice" not in k.choose(Choice.LOST_CODES).facts  # not inside a journey
    k.send(Lock(MESSAGE))
    assert "clerk_notice" not in k.view.facts
    assert k.send(Unlock()).facts["clerk_notice"] == notice  # it outlives sessions and locks
    assert "clerk_notice" not in k.send(ShowNotice("")).facts
    assert [event for event in k.audit.events if event[0] == "kiosk.notice"] == [
        ("kiosk.notice", {"shown": True}), ("kiosk.notice", {"shown": False})]


@pytest.mark.parametrize(("typed", "shown"), [
    ("  Torno subito  ", "Torno subito"),
    ("Riga uno\nRiga due", "Riga uno\nRiga due"),
    ("Tab\there\x1b[31m", "Tab here [31m"),
    (" \n\t", None),
    (None, None),
])
def test_the_clerks_words_are_shown_as_typed_less_what_has_no_glyph(
        typed: str | None, shown: str | None) -> None:
    assert Lock(typed).message == shown and ShowNotice(typed).message == shown


def test_a_message_longer_than_the_wire_allows_is_refused() -> None:
    Lock("x" * MAX_MESSAGE_LENGTH)
    with pytest.raises(ValueError, match="at most 500"):
        Lock("x" * (MAX_MESSAGE_LENGTH + 1))


def test_commands_come_from_the_uplinks_thread_and_wake_the_ui() -> None:
    woken = threading.Event()
    session = KioskSession(ScriptedWorker([]), CertificatePolicy([]), wake=woken.set)
    uplink = threading.Thread(target=session.post, args=(Lock(MESSAGE),))
    uplink.start()
    uplink.join()
    assert woken.is_set() and session.view.screen is Screen.ATTRACT  # not before the pump
    session.pump()
    assert session.phase is Phase.LOCKED and session.kiosk_state().activity is Activity.LOCKED
