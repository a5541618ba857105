"""Journey 5, "I lost my codes": no card needed, only the official paths explained."""

from __future__ import annotations

from kiosk.journeys import Back, Choice, JourneyId, Screen
from kiosk.journeys.states import PUK_RECOVERY_URL
from tests.journeys.harness import Kiosk, ScriptedWorker


def kiosk() -> Kiosk:
    return Kiosk(None, worker=ScriptedWorker([]))


def test_lost_pin_only_leads_to_the_unblock_journey() -> None:
    k = kiosk()
    view = k.open(Choice.LOST_CODES)
    assert view.screen is Screen.LOST_WHAT
    assert view.options == (Choice.LOST_PIN, Choice.LOST_PUK, Choice.LOST_BOTH)
    k.choose(Choice.LOST_PIN)
    assert k.view.journey == JourneyId.UNBLOCK_PIN.value and k.screen is Screen.LAY_CARD


def test_lost_puk_shows_the_app_recovery_with_its_qr_and_the_counter() -> None:
    k = kiosk()
    k.open(Choice.LOST_CODES)
    view = k.choose(Choice.LOST_PUK)
    assert view.screen is Screen.LOST_PATHS and view.facts["lost"] == "puk"
    assert view.options == (Choice.RECOVER_PUK_APP, Choice.GO_TO_COUNTER)
    assert view.back is Back.PREVIOUS
    app = k.choose(Choice.RECOVER_PUK_APP)
    assert app.options == (Choice.DONE,) and app.back is Back.PREVIOUS
    assert app.screen is Screen.PUK_RECOVERY_APP
    assert app.facts["qr_url"] == PUK_RECOVERY_URL
    assert app.facts["hours"] == 48
    assert app.facts["then_unblock"] is False
    # the steps in the order the citizen takes them: who can, the app, the wait
    steps = [key for key in app.facts if key in {"needs", "app_menu", "hours"}]
    assert steps == ["needs", "app_menu", "hours"]
    assert k.back().screen is Screen.LOST_PATHS  # the way back is the screen before
    counter = k.choose(Choice.GO_TO_COUNTER)
    assert counter.screen is Screen.REPRINT_AT_COUNTER
    assert counter.facts["second_half"] == "lost.second_half_by_email"
    # one way forward, the request for the desk (hand_off.py); one back
    assert counter.options == (Choice.REQUEST_PUK_AT_COUNTER,) and counter.back is Back.PREVIOUS
    assert k.back().screen is Screen.LOST_PATHS


def test_both_lost_recover_the_puk_then_unblock() -> None:
    k = kiosk()
    k.open(Choice.LOST_CODES)
    assert k.choose(Choice.LOST_BOTH).facts["lost"] == "both"
    assert k.choose(Choice.RECOVER_PUK_APP).facts["then_unblock"] is True


def test_the_recovery_url_comes_from_the_configuration() -> None:
    from kiosk.journeys import CertificatePolicy, KioskSession

    url = "https://comune.example/recupero-puk"  # a Comune's own page, configured
    session = KioskSession(ScriptedWorker([]), CertificatePolicy([]), puk_recovery_url=url)
    for event_choice in (Choice.START, Choice.CONTINUE, Choice.LOST_CODES, Choice.LOST_PUK,
                         Choice.RECOVER_PUK_APP):
        from kiosk.journeys import Chosen

        session.handle(Chosen(event_choice))
    assert session.view.facts["qr_url"] == url
