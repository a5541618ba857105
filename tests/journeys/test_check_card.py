"""Journey 1, "Check my card", driven headless against the in-process virtual CIE."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.cie.tasks import DigitalIdentity
from kiosk.journeys import Back, CardInserted, Choice, EndReason, JourneyId, Phase, Screen
from tests.journeys.harness import Kiosk, ScriptedWorker, fails, set_tries

Card = Callable[..., Path]


def checked(profile: Path, pki: Path) -> Kiosk:
    kiosk = Kiosk(profile, pki)
    assert kiosk.open(Choice.CHECK_CARD).screen is Screen.LAY_CARD
    kiosk.insert()
    assert kiosk.screen is Screen.CHECK_RESULT
    return kiosk


def test_an_active_card(issued_card: Card, test_pki: Path) -> None:
    kiosk = checked(issued_card(), test_pki)
    view = kiosk.view
    assert view.facts["digital_identity"] == DigitalIdentity.ACTIVE.value
    assert (view.facts["pin_tries_left"], view.facts["puk_tries_left"]) == (3, 10)
    assert view.facts["certificate"] == "certificate.valid"
    assert view.facts["next_step"] == "check.next.all_good"
    assert view.options == (Choice.DONE,) and view.back is Back.MENU
    assert view.journey == JourneyId.CHECK_CARD.value
    kiosk.choose(Choice.DONE)
    assert kiosk.session.phase is Phase.ATTRACT
    assert kiosk.session.ended == [EndReason.DONE]


def test_a_card_laid_before_the_journey_is_read_at_once(issued_card: Card,
                                                        test_pki: Path) -> None:
    kiosk = Kiosk(issued_card(), test_pki)
    kiosk.choose(Choice.START)
    kiosk.insert()
    kiosk.choose(Choice.CONTINUE)
    assert kiosk.choose(Choice.CHECK_CARD).screen is Screen.CHECK_RESULT


def test_a_card_with_an_untrusted_certificate(issued_card: Card) -> None:
    kiosk = checked(issued_card(), None)  # type: ignore[arg-type] # no anchors configured
    assert kiosk.view.facts["certificate"] == "certificate.untrusted"
    assert kiosk.view.facts["next_step"] == "check.next.certificate_at_counter"


def test_a_pin_blocked_card_leads_to_the_unblock_journey(issued_card: Card,
                                                         test_pki: Path) -> None:
    profile = issued_card()
    set_tries(profile, pin=0)
    kiosk = checked(profile, test_pki)
    view = kiosk.view
    assert view.facts["digital_identity"] == DigitalIdentity.PIN_BLOCKED.value
    assert view.facts["next_step"] == "check.next.unblock_with_puk"
    assert view.options == (Choice.UNBLOCK_PIN,) and view.back is Back.MENU
    kiosk.choose(Choice.UNBLOCK_PIN)
    assert kiosk.view.journey == JourneyId.UNBLOCK_PIN.value
    assert kiosk.screen is Screen.PUK_TRIES  # the card is still there: read at once


def test_a_dead_card_is_sent_to_the_counter(issued_card: Card, test_pki: Path) -> None:
    profile = issued_card()
    set_tries(profile, pin=0, puk=0)
    view = checked(profile, test_pki).view
    assert view.facts["digital_identity"] == DigitalIdentity.DEAD.value
    assert view.facts["next_step"] == "check.next.new_card_at_counter"
    assert view.options == (Choice.DONE,)


def test_the_last_pin_try_is_pointed_out(issued_card: Card, test_pki: Path) -> None:
    profile = issued_card()
    set_tries(profile, pin=1)
    assert checked(profile, test_pki).view.facts["next_step"] == "check.next.last_pin_try"


def test_unknown_tries_are_shown_as_unknown(issued_card: Card, test_pki: Path) -> None:
    view = checked(issued_card(empty_verify=False), test_pki).view
    assert (view.facts["pin_tries_left"], view.facts["puk_tries_left"]) == (None, None)


@pytest.mark.parametrize(("code", "support"), [("NOT_A_CIE", "E-CRD-01"),
                                               ("PROTOCOL_ERROR", "E-CRD-03"),
                                               ("READER_UNAVAILABLE", "E-RDR-04")])
def test_errors_show_message_remedy_and_support_code_and_can_be_retried(
        code: str, support: str) -> None:
    kiosk = Kiosk(None, worker=ScriptedWorker([fails(code), fails("SM_ERROR")]))
    kiosk.open(Choice.CHECK_CARD)
    kiosk.send(CardInserted())  # no reader here: the scripted worker answers
    view = kiosk.view
    assert view.screen is Screen.ERROR
    assert view.error is not None and (view.error.code, view.error.support_code) == (code,
                                                                                     support)
    assert view.error.message.startswith("error.") and view.error.remedy.startswith("remedy.")
    kiosk.choose(Choice.RETRY)  # the card is still there: read again at once
    assert kiosk.view.error is not None and kiosk.view.error.code == "SM_ERROR"


def test_a_card_the_kiosk_cannot_use_leads_to_the_smartphone() -> None:
    kiosk = Kiosk(None, worker=ScriptedWorker([fails("UNSUPPORTED_CHIP"),
                                               fails("UPLINK_UNREACHABLE")]))
    kiosk.open(Choice.CHECK_CARD)
    kiosk.send(CardInserted())
    assert kiosk.view.screen is Screen.ERROR
    assert kiosk.view.options == (Choice.CONTINUE_WITH_PHONE,)
    kiosk.choose(Choice.CONTINUE_WITH_PHONE)
    view = kiosk.view  # the smartphone journey asked the back-office, which is out of reach
    assert view.journey == "phone-login" and view.error is not None
    assert (view.error.code, view.options) == ("UPLINK_UNREACHABLE", (Choice.RETRY,))


def test_removal_during_the_read_is_a_safe_stop(issued_card: Card, test_pki: Path) -> None:
    kiosk = Kiosk(issued_card(), test_pki)
    kiosk.open(Choice.CHECK_CARD)
    kiosk.tear_after(3)
    kiosk.insert()
    assert kiosk.screen is Screen.CARD_REMOVED
    assert kiosk.view.options == (Choice.CHECK_CARD, Choice.DONE)
    kiosk.remove()  # the monitor's report arrives too: nothing changes
    assert kiosk.screen is Screen.CARD_REMOVED
    kiosk.choose(Choice.DONE)
    assert kiosk.session.phase is Phase.ATTRACT
