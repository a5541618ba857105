"""What the lights say for each screen, and when the blind-user mode beeps (kiosk.lights)."""

from __future__ import annotations

import pytest

from kiosk.hardware.indicators import Light
from kiosk.journeys import Screen, View
from kiosk.lights import CARD_DETECTED_MS, CARD_STEP_DONE_MS, Lights, beep_for, lights_for

ON, OFF, BLINK = Light.ON, Light.OFF, Light.BLINK


@pytest.mark.parametrize(("screen", "guidance", "status"), [
    (Screen.ATTRACT, OFF, ON),
    (Screen.MENU, OFF, ON),
    (Screen.LAY_CARD, ON, ON),  # waiting for the card: the reader's light shows where
    (Screen.LAY_CARD_HELP, ON, ON),
    (Screen.CARD_IN_DOUBT, ON, ON),  # lay it again
    (Screen.WORKING, BLINK, ON),  # reading it: hold it still
    (Screen.ENTER_PIN, OFF, ON),
    (Screen.PIN_WORKS, OFF, ON),
    (Screen.OUT_OF_ORDER, OFF, BLINK),  # locked by the back-office
])
def test_the_lights_of_each_screen(screen: Screen, guidance: Light, status: Light) -> None:
    assert lights_for(View(screen), serving=True) == Lights(guidance, status)


@pytest.mark.parametrize("screen", [Screen.LAY_CARD, Screen.WORKING, Screen.ATTRACT])
def test_without_a_reader_the_kiosk_is_out_of_order_whatever_it_shows(screen: Screen) -> None:
    assert lights_for(View(screen), serving=False) == Lights(OFF, BLINK)


@pytest.mark.parametrize(("before", "after", "beep"), [
    (Screen.LAY_CARD, Screen.WORKING, CARD_DETECTED_MS),
    (Screen.LAY_CARD_HELP, Screen.WORKING, CARD_DETECTED_MS),
    (Screen.WORKING, Screen.ENTER_PIN, CARD_STEP_DONE_MS),
    (Screen.WORKING, Screen.PIN_WORKS, CARD_STEP_DONE_MS),
    (Screen.ENTER_PIN, Screen.WORKING, None),  # the PIN goes to the card: no card detected
    (Screen.WORKING, Screen.WORKING, None),  # what the card is doing changed
    (Screen.MENU, Screen.LAY_CARD, None),
])
def test_the_beeps_mark_the_card_detected_and_a_card_step_done(
        before: Screen, after: Screen, beep: int | None) -> None:
    assert beep_for(View(before), View(after)) == beep


def test_the_two_beeps_can_be_told_apart() -> None:
    assert CARD_DETECTED_MS * 3 <= CARD_STEP_DONE_MS
