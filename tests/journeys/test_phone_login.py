"""The smartphone journey on a kiosk without a back-office (its end to end runs against a
real one in tests/test_app_phone.py): the screen says it is not available here and what to
do instead, with no way forward but back."""

from __future__ import annotations

from kiosk.journeys import Cancel, Choice, InlineCardWorker, Screen
from tests.journeys.harness import Kiosk


def test_without_a_back_office_the_kiosk_says_to_use_the_card_or_the_counter() -> None:
    kiosk = Kiosk(None, worker=InlineCardWorker(reader=None))  # type: ignore[arg-type]
    view = kiosk.open(Choice.CONTINUE_WITH_PHONE)
    assert view.screen is Screen.ERROR and view.error is not None
    assert (view.error.code, view.error.support_code) == ("PHONE_UNAVAILABLE", "E-PHN-08")
    assert view.error.remedy == "remedy.phone_card_or_counter"
    assert view.options == () and view.can_cancel  # only the way back
    assert kiosk.session.identity is None
    assert kiosk.send(Cancel()).screen is Screen.MENU
    assert ("journey.outcome", {"journey": "phone-login", "outcome": "PHONE_UNAVAILABLE"}) \
        in kiosk.audit.events
