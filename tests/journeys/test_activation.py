"""Journey 9, "Attiva la tua identità digitale CIE", on virtual cards made for each case: the
kiosk reads the card with the CAN (never a PIN or a PUK), finds what applies from the chip's
dates and its own clock, and lands on the right screen; the renewal reminder on "check my
card". The rules themselves are tested in test_card_rules.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kiosk.journeys import Choice, JourneyId, Screen, View
from kiosk.journeys.guidance import ACTIVATION_URL, BOOKING_URL, CIEID_APP_URL, Guidance
from kiosk.journeys.ports import ActivationSteps
from kiosk.journeys.views import Back
from kiosk.sim import issuing, pki
from kiosk.sim.icao_issuing import DEMO_CAN
from tests.conftest import TEST_PIN, TEST_PUK
from tests.journeys.harness import Kiosk, set_tries
from tests.secret_scan import forms

TODAY = dt.date.today()  # the virtual cards are issued today, as the issuing rules demand
VERIFY = 0x20


def years_ago(years: int, days: int = 0) -> dt.date:
    return TODAY.replace(year=TODAY.year - years) - dt.timedelta(days=days)


def at(day: dt.date, **settings: object) -> Guidance:
    """The configured links and the kiosk's clock standing on ``day``."""
    moment = dt.datetime.combine(day, dt.time(10, 0), dt.UTC)
    return Guidance(now=lambda: moment, **settings)  # type: ignore[arg-type]


@dataclass
class Printer:
    """A receipt printer's port that keeps what it was asked to print (the real adapter and
    its paper are tested in tests/hardware/printer/test_steps.py)."""

    works: bool = True
    printed: list[ActivationSteps] = field(default_factory=list)

    def print_steps(self, steps: ActivationSteps) -> bool:
        self.printed.append(steps)
        return self.works


MakeCard = Callable[..., Path]


@pytest.fixture(scope="module")
def authority(test_pki: Path) -> pki.TestPki:
    return pki.load(test_pki)


@pytest.fixture
def card(authority: pki.TestPki, tmp_path: Path) -> MakeCard:
    """A virtual CIE issued today for the case: the holder's birth, the card's expiry, the
    tries left."""
    def make(birth: dt.date | None = None, expiry: dt.date | None = None,
             pin: int | None = None, puk: int | None = None) -> Path:
        path = tmp_path / "cie.json"
        issuing.issue(authority, pin=TEST_PIN, puk=TEST_PUK, birth=birth,
                      expiry=expiry).save(path)
        if pin is not None or puk is not None:
            set_tries(path, pin, puk)
        return path
    return make


@pytest.fixture
def visits() -> Iterator[list[View]]:
    seen: list[View] = []
    yield seen


def activate(k: Kiosk, seen: list[View] | None = None) -> View:
    """From the menu: the intro, the card, the CAN; returns the screen the rules chose."""
    intro = k.open(Choice.ACTIVATE)
    assert intro.screen is Screen.ACTIVATION_INTRO and intro.options == (Choice.CONTINUE,)
    assert k.choose(Choice.CONTINUE).screen is Screen.LAY_CARD
    pad = k.insert()
    assert pad.screen is Screen.ENTER_CAN and pad.pad is not None and pad.pad.length == 6
    view = k.type(DEMO_CAN)
    if seen is not None:
        seen.extend((intro, pad, view))
    return view


def walk(k: Kiosk, seen: list[View]) -> None:
    """Press the way forward until the end of the steps."""
    while k.screen is not Screen.ACTIVATION_DONE:
        seen.append(k.choose(k.view.options[0]))


def no_code_asked(k: Kiosk, seen: list[View]) -> None:
    """No PIN or PUK pad was shown, and the card never got a PIN or PUK (a VERIFY with a
    cryptogram; the tries are read with an empty VERIFY)."""
    assert all(view.screen not in {Screen.ENTER_PIN, Screen.ENTER_PUK} for view in seen)
    assert all(view.pad is None or view.pad.length == 6 for view in seen)
    assert k.card is not None
    assert not [raw for raw in k.card.log if raw[1] == VERIFY and raw[5:6] == b"\x87"]


def test_an_adult_is_shown_every_step_with_the_card_number_and_the_official_pages(
        card: MakeCard, test_pki: Path, visits: list[View]) -> None:
    printer = Printer()
    k = Kiosk(card(), test_pki, guidance=at(TODAY), steps_printer=printer)
    at_hand = activate(k, visits)
    assert at_hand.screen is Screen.ACTIVATION_AT_HAND
    assert at_hand.facts["have"] == ("activation.have.card", "activation.have.pin",
                                     "activation.have.puk_half", "activation.have.phone")
    puk = k.choose(Choice.CONTINUE)
    assert puk.screen is Screen.ACTIVATION_PUK_WHERE and puk.back is Back.PREVIOUS
    levels = k.choose(Choice.CONTINUE)
    assert levels.screen is Screen.ACTIVATION_LEVELS_1_2
    assert levels.facts["card_number"] == issuing.DEMO_SERIAL
    assert levels.facts["qr_url"] == ACTIVATION_URL and levels.facts["minor"] is None
    app = k.choose(Choice.CONTINUE)
    assert app.screen is Screen.ACTIVATION_CIEID_APP and app.facts["qr_url"] == CIEID_APP_URL
    level3 = k.choose(Choice.CONTINUE)
    assert level3.screen is Screen.ACTIVATION_LEVEL_3
    done = k.choose(Choice.CONTINUE)
    assert done.screen is Screen.ACTIVATION_DONE and done.options == (Choice.PRINT_STEPS,)
    assert "expires_on" not in done.facts  # ten years to go: no reminder
    printed = k.choose(Choice.PRINT_STEPS)
    assert printed.facts["printed"] == "activation.printed" and printed.options == (Choice.DONE,)
    assert printer.printed == [ActivationSteps(issuing.DEMO_SERIAL, True, ACTIVATION_URL,
                                               CIEID_APP_URL)]
    visits.extend((at_hand, puk, levels, app, level3, done, printed))
    no_code_asked(k, visits)
    k.choose(Choice.DONE)
    assert k.session.journey is None
    outcomes = [data for kind, data in k.audit.events if kind == "journey.outcome"]
    assert outcomes == [{"journey": "activation", "outcome": "ACTIVATION_STEPS"}]


def test_a_15_year_old_gets_levels_1_and_2_and_is_never_sent_to_level_3(
        card: MakeCard, test_pki: Path, visits: list[View]) -> None:
    printer = Printer()
    k = Kiosk(card(birth=years_ago(15)), test_pki, guidance=at(TODAY), steps_printer=printer)
    assert activate(k, visits).screen is Screen.ACTIVATION_AT_HAND
    walk(k, visits)
    levels = next(view for view in visits if view.screen is Screen.ACTIVATION_LEVELS_1_2)
    assert levels.facts["minor"] == "activation.minor.levels_1_2_only"
    assert Screen.ACTIVATION_LEVEL_3 not in {view.screen for view in visits}
    assert k.session.journey is not None and "ShowLevelThree" not in k.session.journey.trail
    k.choose(Choice.PRINT_STEPS)
    assert printer.printed[0].level3 is False
    no_code_asked(k, visits)


def test_a_4_year_old_gets_no_digital_identity(card: MakeCard, test_pki: Path,
                                                visits: list[View]) -> None:
    k = Kiosk(card(birth=years_ago(4)), test_pki, guidance=at(TODAY))
    view = activate(k, visits)
    assert view.screen is Screen.ACTIVATION_TOO_YOUNG
    assert view.options == (Choice.DONE,) and view.back is Back.MENU
    no_code_asked(k, visits)
    assert ("journey.outcome", {"journey": "activation", "outcome": "TOO_YOUNG"}) in \
        k.audit.events  # a code for the Comune's figures; never a date or an age


def test_a_child_on_the_5th_birthday_may_start(card: MakeCard, test_pki: Path) -> None:
    k = Kiosk(card(birth=years_ago(5)), test_pki, guidance=at(TODAY))
    assert activate(k).screen is Screen.ACTIVATION_AT_HAND


def test_an_expired_card_goes_to_the_renewal_with_the_booking_qr(
        card: MakeCard, test_pki: Path, visits: list[View]) -> None:
    expiry = TODAY + dt.timedelta(days=10)
    # The card was issued valid; the kiosk reads it 40 days later.
    k = Kiosk(card(expiry=expiry), test_pki, guidance=at(expiry + dt.timedelta(days=30)))
    view = activate(k, visits)
    assert view.screen is Screen.RENEWAL
    assert view.facts["expired_on"] == expiry.isoformat() and "expires_on" not in view.facts
    assert view.facts["qr_url"] == BOOKING_URL
    assert view.facts["bring"] == ("renewal.bring.photo", "renewal.bring.old_card",
                                   "renewal.bring.health_card")
    assert view.options == (Choice.DONE,) and not view.can_cancel  # nothing else to do here
    no_code_asked(k, visits)


def test_the_comunes_own_renewal_text_and_booking_page(card: MakeCard, test_pki: Path) -> None:
    expiry = TODAY + dt.timedelta(days=10)
    guidance = at(expiry + dt.timedelta(days=1), comune_text="Si prenota allo 0461 000000.",
                  booking_url="https://comune.example.it/prenota-cie")
    view = activate(Kiosk(card(expiry=expiry), test_pki, guidance=guidance))
    assert view.screen is Screen.RENEWAL
    assert view.facts["comune_text"] == "Si prenota allo 0461 000000."
    assert view.facts["qr_url"] == "https://comune.example.it/prenota-cie"


def test_a_blocked_pin_leads_to_the_unblock_or_the_reprint(
        card: MakeCard, test_pki: Path, visits: list[View]) -> None:
    k = Kiosk(card(pin=0), test_pki, guidance=at(TODAY))
    view = activate(k, visits)
    assert view.screen is Screen.ACTIVATION_PIN_BLOCKED
    assert view.options == (Choice.UNBLOCK_PIN, Choice.REQUEST_REPRINT)
    no_code_asked(k, visits)
    assert k.choose(Choice.UNBLOCK_PIN).journey == JourneyId.UNBLOCK_PIN.value


def test_a_blocked_pin_with_the_puk_lost_too_goes_to_the_reprint(
        card: MakeCard, test_pki: Path) -> None:
    k = Kiosk(card(pin=0), test_pki, guidance=at(TODAY))
    activate(k)
    assert k.choose(Choice.REQUEST_REPRINT).screen is Screen.HANDOFF_INTRO
    assert k.view.journey == JourneyId.REPRINT_CODES.value


def test_a_blocked_puk_says_once_that_only_a_new_card_helps(
        card: MakeCard, test_pki: Path, visits: list[View]) -> None:
    k = Kiosk(card(pin=0, puk=0), test_pki, guidance=at(TODAY))
    view = activate(k, visits)
    assert view.screen is Screen.ACTIVATION_PUK_BLOCKED
    assert view.facts["qr_url"] == BOOKING_URL and view.options == (Choice.DONE,)
    no_code_asked(k, visits)


def test_a_card_expiring_in_30_days_gets_the_calm_line_and_the_renewal(
        card: MakeCard, test_pki: Path, visits: list[View]) -> None:
    expiry = TODAY + dt.timedelta(days=30)
    k = Kiosk(card(expiry=expiry), test_pki, guidance=at(TODAY))
    assert activate(k, visits).screen is Screen.ACTIVATION_AT_HAND
    walk(k, visits)
    done = k.view
    assert done.facts["expires_on"] == expiry.isoformat()
    assert done.options == (Choice.HOW_TO_RENEW,)  # no printer here
    renewal = k.choose(Choice.HOW_TO_RENEW)
    assert renewal.screen is Screen.RENEWAL and renewal.facts["qr_url"] == BOOKING_URL
    assert k.back().screen is Screen.ACTIVATION_DONE
    no_code_asked(k, visits)


def test_the_window_is_configured(card: MakeCard, test_pki: Path) -> None:
    expiry = TODAY + dt.timedelta(days=30)
    k = Kiosk(card(expiry=expiry), test_pki, guidance=at(TODAY, renewal_window_days=20))
    activate(k)
    walk(k, [])
    assert "expires_on" not in k.view.facts and k.view.options == (Choice.DONE,)


def test_a_clock_at_1970_never_says_expired(card: MakeCard, test_pki: Path,
                                           visits: list[View]) -> None:
    k = Kiosk(card(), test_pki, guidance=at(dt.date(1970, 1, 1)))
    view = activate(k, visits)
    assert view.screen is Screen.ACTIVATION_CLOCK
    assert "expires_on" not in view.facts and view.options == (Choice.DONE,)


def test_a_printer_out_of_paper_is_said_and_not_offered_again(card: MakeCard,
                                                              test_pki: Path) -> None:
    k = Kiosk(card(), test_pki, guidance=at(TODAY), steps_printer=Printer(works=False))
    activate(k)
    walk(k, [])
    view = k.choose(Choice.PRINT_STEPS)
    assert view.facts["printed"] == "activation.not_printed" and view.options == (Choice.DONE,)


def test_a_wrong_can_is_typed_again(card: MakeCard, test_pki: Path) -> None:
    k = Kiosk(card(), test_pki, guidance=at(TODAY))
    k.open(Choice.ACTIVATE)
    k.choose(Choice.CONTINUE)
    k.insert()
    error = k.type("000000")
    assert error.screen is Screen.ERROR and error.error is not None
    assert error.error.code == "WRONG_CAN" and error.options == (Choice.RETRY,)
    assert k.choose(Choice.RETRY).screen is Screen.ENTER_CAN


def test_the_can_never_leaves_the_card_session(card: MakeCard, test_pki: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    """Not in a view, an audit event, a log line or what the printer is given; and its holder
    is wiped once the card task took it."""
    caplog.set_level("DEBUG")
    printer = Printer()
    k = Kiosk(card(), test_pki, guidance=at(TODAY), steps_printer=printer)
    seen: list[View] = []
    activate(k, seen)
    assert all(len(secret) == 0 for secret in k.secrets())
    walk(k, seen)
    seen.append(k.choose(Choice.PRINT_STEPS))
    said = "\n".join([repr(seen), repr(k.audit.events), caplog.text, repr(printer.printed),
                      repr([(s.document_number, s.activation_url) for s in printer.printed])])
    for form in forms(DEMO_CAN)[:3]:
        assert form.decode() not in said
    for code in (TEST_PIN, TEST_PUK):
        assert code not in said


def test_check_card_shows_the_expiry_line_and_the_renewal_when_due(
        card: MakeCard, test_pki: Path) -> None:
    """"Check my card" knows the expiry from the authentication certificate, issued with the
    card for its lifetime: standing 30 days before it, the kiosk offers the renewal."""
    k = Kiosk(card(), test_pki)
    k.open(Choice.CHECK_CARD)
    expires = k.insert().facts["certificate_expires"]
    assert isinstance(expires, str)
    expiry = dt.date.fromisoformat(expires)
    k.close()
    due = Kiosk(card(), test_pki, guidance=at(expiry - dt.timedelta(days=30)))
    due.open(Choice.CHECK_CARD)
    result = due.insert()
    assert result.facts["expires_on"] == expiry.isoformat()
    assert result.options == (Choice.HOW_TO_RENEW,)
    renewal = due.choose(Choice.HOW_TO_RENEW)
    assert renewal.screen is Screen.RENEWAL and renewal.facts["qr_url"] == BOOKING_URL
    assert due.back().screen is Screen.CHECK_RESULT
    later = Kiosk(card(), test_pki, guidance=at(expiry - dt.timedelta(days=400)))
    later.open(Choice.CHECK_CARD)
    calm = later.insert()
    assert "expires_on" not in calm.facts and calm.options == (Choice.DONE,)
