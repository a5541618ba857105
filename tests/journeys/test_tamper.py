"""The tamper switch: a case opened wipes the citizen's secrets, locks the kiosk on the
out-of-service screen and only then raises ``kiosk.tampered``, in that order, whatever the
kiosk was doing; the kiosk stays locked until the case is shut and a clerk unlocks it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from kiosk.cie.secret import Secret
from kiosk.journeys import (
    CallClerk,
    CaseClosed,
    CaseOpened,
    Choice,
    Chosen,
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
from kiosk.journeys.ports import Activity, EventValue, KioskStatus
from tests.conftest import TEST_PIN
from tests.journeys.harness import Kiosk, Recorded, ScriptedWorker
from tests.journeys.test_commands import job_digits, pin_verify_under_way

Card = Callable[..., Path]


class Witness(Recorded):
    """An audit sink that also notes, at each event, what the session held at that moment:
    the digits in the journey's holders and the phase (locked or not)."""

    def __init__(self) -> None:
        super().__init__()
        self.kiosk: Kiosk | None = None
        self.holders: list[Secret] = []  # the journey's, set by the test
        self.seen: list[tuple[str, list[int], Phase]] = []

    def record(self, kind: str, data: Mapping[str, EventValue]) -> None:
        super().record(kind, data)
        assert self.kiosk is not None
        self.seen.append((kind, [len(holder) for holder in self.holders],
                          self.kiosk.session.phase))


def idle_kiosk() -> Kiosk:
    return Kiosk(None, worker=ScriptedWorker([]), timing=Timing())


def test_the_case_opened_during_a_pin_entry_wipes_then_locks_then_alerts(
        issued_card: Card, test_pki: Path) -> None:
    witness = Witness()
    k = Kiosk(issued_card(), test_pki, audit=witness)
    witness.kiosk = k
    k.open(Choice.TEST_PIN)
    k.insert()
    k.send(LanguageChosen(Language.FR))
    k.type(TEST_PIN[:5], confirm=False)
    witness.holders = list(k.secrets())
    assert [len(holder) for holder in witness.holders] == [5]
    k.session.post(CaseOpened())  # as the app does, from the sensor's thread
    k.session.pump()  # the turn that wipes and locks ...
    assert [len(holder) for holder in witness.holders] == [0]
    assert k.screen is Screen.TAMPERED and k.view.language is Language.FR
    assert "kiosk.tampered" not in k.audit.kinds()  # ... the screen is drawn here ...
    k.session.pump()  # ... and the next turn raises the alert
    assert witness.seen[-3:] == [
        ("journey.ended", [0], Phase.JOURNEY),  # wiped while the journey was still open
        ("session.ended", [0], Phase.ATTRACT),
        ("kiosk.tampered", [0], Phase.LOCKED),  # locked before the alert
    ]
    assert k.audit.events[-1] == ("kiosk.tampered", {"journey": "test-pin"})
    assert k.audit.events[-2][1]["reason"] == "tampered"
    assert k.session.ended == [EndReason.TAMPERED]
    assert k.session.kiosk_state() == KioskStatus(Activity.LOCKED)


def test_the_locked_screen_offers_nothing_and_the_pad_is_dead() -> None:
    k = idle_kiosk()
    view = k.send(CaseOpened())
    assert view.screen is Screen.TAMPERED and view.options == () and not view.can_cancel
    assert "lock_message" not in view.facts
    for event in (Chosen(Choice.START), DigitTyped(0x31), Chosen(Choice.CHECK_CARD)):
        assert k.send(event).screen is Screen.TAMPERED
    assert k.wait(24 * 3600).screen is Screen.TAMPERED  # it never times out
    assert k.audit.events == [("kiosk.tampered", {"journey": ""})]


def test_it_does_not_reopen_by_itself_and_a_clerk_unlocks_it_only_once_the_case_is_shut(
) -> None:
    k = idle_kiosk()
    k.send(CaseOpened())
    k.wait(60)
    assert k.send(Unlock()).screen is Screen.TAMPERED  # the case is still open
    k.wait(60)
    assert k.send(CaseClosed()).screen is Screen.TAMPERED  # shut: still locked, for a person
    assert k.wait(3600).screen is Screen.TAMPERED
    view = k.send(Unlock())
    assert view.screen is Screen.ATTRACT and view.language is Language.IT
    assert k.session.kiosk_state() == KioskStatus(Activity.IDLE)
    assert k.audit.events == [
        ("kiosk.tampered", {"journey": ""}),
        ("kiosk.unlock-refused", {"reason": "case-open"}),
        ("kiosk.case-closed", {"open_ms": 120_000}),
        ("kiosk.unlocked", {"was_locked": True, "locked_ms": 3_720_000}),
    ]


def test_a_switch_told_twice_or_shut_at_start_changes_nothing() -> None:
    k = idle_kiosk()
    assert k.send(CaseClosed()).screen is Screen.ATTRACT  # a backend's first reading
    k.send(CaseOpened())
    k.send(CaseOpened())
    k.send(CaseClosed())
    k.send(CaseClosed())
    assert k.audit.kinds() == ["kiosk.tampered", "kiosk.case-closed"]


def test_the_case_opened_on_a_clerks_lock_shows_the_tamper_screen_until_unlocked() -> None:
    k = idle_kiosk()
    k.send(Lock("Torno alle 14"))
    assert k.send(CaseOpened()).screen is Screen.TAMPERED
    k.send(CaseClosed())
    assert k.send(Unlock()).screen is Screen.ATTRACT
    assert k.audit.kinds() == ["kiosk.locked", "kiosk.tampered", "kiosk.case-closed",
                               "kiosk.unlocked"]


def test_the_case_opened_while_the_card_works_does_not_wait_for_it(
        issued_card: Card, test_pki: Path) -> None:
    """Unlike a clerk's lock: the job goes on with its own copy of the digits (the worker
    wipes it at its end), the journey's holders are wiped now, the answer is dropped."""
    k, worker = pin_verify_under_way(issued_card, test_pki)
    _, job = worker.waiting[0]
    k.send(Lock("later"))  # a clerk's lock waiting for the card is overtaken
    view = k.send(CaseOpened())
    assert view.screen is Screen.TAMPERED and k.session.journey is None
    worker.release()
    k.session.pump()
    assert job_digits(job) == [0] and k.screen is Screen.TAMPERED
    assert k.audit.kinds()[-3:] == ["journey.ended", "session.ended", "kiosk.tampered"]
    assert "journey.outcome" not in k.audit.kinds()


def test_the_help_overlay_closes_and_can_be_opened_again_on_the_tamper_screen() -> None:
    k = idle_kiosk()
    k.send(CallClerk())
    view = k.send(CaseOpened())
    assert view.screen is Screen.TAMPERED and view.help is None
    assert k.send(CallClerk()).help is not None
    assert k.audit.kinds() == ["help.requested", "help.ended", "kiosk.tampered",
                               "help.requested"]
