"""The audit trail: what each of the five journeys records, in order, with durations from the
session's clock; and that no secret and nothing personal is ever in it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from kiosk.journeys import Cancel, CardInserted, Choice, Language, LanguageChosen, Screen, Timing
from kiosk.journeys.jobs import AuthResult
from kiosk.journeys.ports import EventValue
from tests.conftest import TEST_NEW_PIN, TEST_PIN, TEST_PUK
from tests.journeys.harness import Kiosk, ScriptedWorker, card_status, fails, set_tries

Card = Callable[..., Path]
Events = list[tuple[str, dict[str, EventValue]]]
WRONG = "00000000"


def later(kiosk: Kiosk, seconds: float) -> None:
    """Time passes between two touches (no tick: nothing else happens)."""
    kiosk.clock.now += seconds


def open_journey(kiosk: Kiosk, journey: Choice) -> None:
    """Start, 5 s on the language screen, then the journey's button."""
    kiosk.choose(Choice.START)
    later(kiosk, 5)
    kiosk.choose(Choice.CONTINUE)
    kiosk.choose(journey)


def started(journey: str, language: str = "it") -> tuple[str, dict[str, EventValue]]:
    return ("journey.started", {"journey": journey, "language": language})


def outcome(journey: str, code: str) -> tuple[str, dict[str, EventValue]]:
    return ("journey.outcome", {"journey": journey, "outcome": code})


def ended(journey: str, reason: str, ms: int) -> tuple[str, dict[str, EventValue]]:
    return ("journey.ended", {"journey": journey, "reason": reason, "duration_ms": ms})


def session_ended(reason: str, ms: int, journeys: int = 1) -> tuple[str, dict[str, EventValue]]:
    return ("session.ended", {"reason": reason, "duration_ms": ms, "journeys": journeys})


SESSION_STARTED: tuple[str, dict[str, EventValue]] = ("session.started", {})


def visit(journey: str, outcomes: list[str], reason: str, journey_ms: int,
          session_ms: int) -> Events:
    """What a session with one journey records, from start to end."""
    return [SESSION_STARTED, started(journey), *(outcome(journey, code) for code in outcomes),
            ended(journey, reason, journey_ms), session_ended(reason, session_ms)]


# -- the five journeys, as a citizen goes through them ----------------------------------------


def check_my_card(kiosk: Kiosk) -> None:
    open_journey(kiosk, Choice.CHECK_CARD)
    later(kiosk, 2)
    assert kiosk.insert().screen is Screen.CHECK_RESULT
    later(kiosk, 10)
    kiosk.choose(Choice.DONE)


def try_my_pin_wrong_then_right(kiosk: Kiosk) -> AuthResult:
    """A wrong PIN, the retry, the right one; the card taken away ends it. Returns what the
    card told about its holder (for the scan)."""
    open_journey(kiosk, Choice.TEST_PIN)
    kiosk.insert()
    later(kiosk, 8)
    assert kiosk.type(WRONG).screen is Screen.WRONG_PIN
    kiosk.choose(Choice.RETRY)
    later(kiosk, 6)
    assert kiosk.type(TEST_PIN).screen is Screen.PIN_WORKS
    journey = kiosk.session.journey
    assert journey is not None
    result = journey.ctx.result  # type: ignore[attr-defined]
    assert isinstance(result, AuthResult)
    later(kiosk, 4)
    kiosk.remove()
    return result


def change_my_pin(kiosk: Kiosk) -> None:
    open_journey(kiosk, Choice.CHANGE_PIN)
    kiosk.insert()
    kiosk.type(TEST_PIN)
    kiosk.choose(Choice.CONTINUE)
    kiosk.type(TEST_NEW_PIN)
    later(kiosk, 20)
    assert kiosk.type(TEST_NEW_PIN).screen is Screen.PIN_CHANGED
    kiosk.choose(Choice.DONE)


def unblock_wrong_then_right_puk(kiosk: Kiosk) -> None:
    open_journey(kiosk, Choice.UNBLOCK_PIN)
    for puk, screen in ((WRONG, Screen.WRONG_PUK), (TEST_PUK, Screen.PIN_UNBLOCKED)):
        if kiosk.screen is Screen.LAY_CARD:
            kiosk.insert()
        kiosk.choose(Choice.CONTINUE)  # 10 or 9 PUK tries left: no confirmation
        kiosk.type(puk)
        kiosk.choose(Choice.CONTINUE)
        kiosk.type(TEST_NEW_PIN)
        later(kiosk, 15)
        assert kiosk.type(TEST_NEW_PIN).screen is screen
        if screen is Screen.WRONG_PUK:
            kiosk.choose(Choice.RETRY)
    kiosk.choose(Choice.DONE)


def lost_my_puk(kiosk: Kiosk) -> None:
    open_journey(kiosk, Choice.LOST_CODES)
    kiosk.choose(Choice.LOST_PUK)
    later(kiosk, 30)
    kiosk.choose(Choice.GO_TO_COUNTER)
    kiosk.back()
    later(kiosk, 3)
    kiosk.choose(Choice.RECOVER_PUK_APP)
    kiosk.choose(Choice.DONE)


# -- what each records -------------------------------------------------------------------------


def test_check_my_card(issued_card: Card, test_pki: Path) -> None:
    kiosk = Kiosk(issued_card(), test_pki)
    check_my_card(kiosk)
    assert kiosk.audit.events == [
        SESSION_STARTED,
        started("check-card"),
        outcome("check-card", "CARD_CHECKED"),
        ended("check-card", "done", 12_000),
        session_ended("done", 17_000),
    ] == visit("check-card", ["CARD_CHECKED"], "done", 12_000, 17_000)


def test_test_my_pin(issued_card: Card, test_pki: Path) -> None:
    kiosk = Kiosk(issued_card(), test_pki)
    try_my_pin_wrong_then_right(kiosk)
    assert kiosk.audit.events == visit("test-pin", ["WRONG_PIN", "PIN_WORKS"], "card-removed",
                                       18_000, 23_000)


def test_change_my_pin(issued_card: Card, test_pki: Path) -> None:
    kiosk = Kiosk(issued_card(), test_pki)
    change_my_pin(kiosk)
    assert kiosk.audit.events == visit("change-pin", ["PIN_CHANGED"], "done", 20_000, 25_000)


def test_unblock_my_pin(issued_card: Card, test_pki: Path) -> None:
    profile = issued_card()
    set_tries(profile, pin=0, puk=10)
    kiosk = Kiosk(profile, test_pki)
    unblock_wrong_then_right_puk(kiosk)
    assert kiosk.audit.events == visit("unblock-pin", ["WRONG_PUK", "PIN_UNBLOCKED"], "done",
                                       30_000, 35_000)


def test_i_lost_my_codes() -> None:
    kiosk = Kiosk(None, worker=ScriptedWorker([]))
    lost_my_puk(kiosk)
    assert kiosk.audit.events == visit("lost-codes", ["REPRINT_AT_COUNTER", "PUK_RECOVERY_APP"],
                                       "done", 33_000, 38_000)


# -- the other ways a journey or a session ends ----------------------------------------------


def test_a_handoff_ends_one_journey_and_starts_the_next_in_the_language_chosen() -> None:
    kiosk = Kiosk(None, worker=ScriptedWorker([]))
    kiosk.choose(Choice.START)
    kiosk.send(LanguageChosen(Language.SL))
    kiosk.choose(Choice.LOST_CODES)
    later(kiosk, 4)
    kiosk.choose(Choice.LOST_PIN)  # a lost PIN alone is the unblock journey
    kiosk.send(Cancel())  # back to the menu, then away
    kiosk.send(Cancel())
    assert kiosk.audit.events == [
        SESSION_STARTED,
        started("lost-codes", "sl"),
        ended("lost-codes", "handoff", 4_000),
        started("unblock-pin", "sl"),
        ended("unblock-pin", "menu", 0),
        session_ended("cancelled", 4_000, journeys=2),
    ]


def test_a_failure_records_its_own_code_and_a_timeout_ends_both() -> None:
    kiosk = Kiosk(None, worker=ScriptedWorker([fails("PROTOCOL_ERROR")]),
                  timing=Timing(idle_seconds=60, warning_seconds=30))
    kiosk.open(Choice.CHECK_CARD)
    assert kiosk.send(CardInserted()).screen is Screen.ERROR
    kiosk.wait(60)
    kiosk.wait(30)
    assert kiosk.audit.events == visit("check-card", ["PROTOCOL_ERROR"], "timeout", 90_000,
                                       90_000)


def test_a_session_without_a_journey_records_none() -> None:
    kiosk = Kiosk(None, worker=ScriptedWorker([]))
    kiosk.choose(Choice.START)
    later(kiosk, 3)
    kiosk.send(Cancel())
    assert kiosk.audit.events == [SESSION_STARTED, session_ended("cancelled", 3_000, 0)]


# -- nothing personal, nothing secret ----------------------------------------------------------

# What an event may hold: these keys, codes and ids (never free text), whole numbers, flags.
KEYS = {"journey", "language", "outcome", "reason", "duration_ms", "journeys",
        "waited_for_card", "was_locked", "locked_ms", "shown"}
CODE = re.compile(r"[a-z][a-z.-]*|[A-Z][A-Z_]*")


def test_no_secret_and_nothing_personal_in_any_event(issued_card: Card, test_pki: Path) -> None:
    """The five journeys, each on its own card; every event they record is scanned for the
    codes typed and for everything the card says about its holder, and must be made of codes,
    ids, durations and counts only (so the tries left are not in it either)."""
    recorded: Events = []
    for run in (check_my_card, change_my_pin):
        kiosk = Kiosk(issued_card(name=run.__name__), test_pki)
        run(kiosk)
        recorded += kiosk.audit.events
    blocked = issued_card(name="blocked")
    set_tries(blocked, pin=0, puk=10)
    kiosk = Kiosk(blocked, test_pki)
    unblock_wrong_then_right_puk(kiosk)
    recorded += kiosk.audit.events
    profile = issued_card(name="test")
    kiosk = Kiosk(profile, test_pki)
    identity = try_my_pin_wrong_then_right(kiosk)
    recorded += kiosk.audit.events
    kiosk = Kiosk(None, worker=ScriptedWorker([]))
    lost_my_puk(kiosk)
    recorded += kiosk.audit.events
    holder = identity.certificate.holder
    assert holder is not None
    personal = [TEST_PIN, TEST_PUK, TEST_NEW_PIN, WRONG, holder.given_name, holder.surname,
                holder.codice_fiscale, identity.nis, identity.serial,
                card_status(profile).nis]
    assert all(value for value in personal)
    assert len(recorded) == 28
    for kind, data in recorded:
        text = f"{kind} {data}"
        assert not [value for value in personal if value and value in text], text
        assert set(data) <= KEYS, kind
        for key, value in data.items():
            if isinstance(value, str):
                assert CODE.fullmatch(value), f"{kind}: {key}={value!r} is not a code"
            elif isinstance(value, int) and not isinstance(value, bool):
                assert key.endswith("_ms") or key == "journeys", f"{kind}: {key}"
