"""What the lights and the buzzer say, decided from what the screen shows.

A pure mapping, kept apart from the pins: the session's :class:`~kiosk.journeys.views.View`
(and whether the kiosk has a reader) gives the guidance light and the status LED, and the step
from one view to the next gives the blind-user mode's beeps. It sits beside :mod:`kiosk.app`,
which applies it to whatever :class:`~kiosk.hardware.indicators.Indicators` the profile has,
because it joins two rooms: the journeys may not know the lights exist (DESIGN.md §2), and the
lights' backends need not know what a screen is.

- Guidance light, around the reader: on while the kiosk waits for the card (the screens that
  ask to lay it, again after a loss or a change in doubt), blinking while it reads (the
  "hold the card still" screen), off otherwise and whenever the kiosk cannot serve.
- Status LED: on while the kiosk serves; blinking while it is locked by the back-office or has
  no reader, so a clerk sees it from the desk.
- Beeps, only in the blind-user mode: a short one when the card is detected (a screen waiting
  for it gives way to reading it), a long one when a card step ends (reading gives way to its
  result), so a citizen who cannot see the screen knows when to wait and when to listen.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.hardware.indicators import Light
from kiosk.journeys.views import Screen, View

WAITING_FOR_CARD = frozenset({Screen.LAY_CARD, Screen.LAY_CARD_HELP, Screen.CARD_IN_DOUBT})
READING = frozenset({Screen.WORKING})
CARD_DETECTED_MS = 60
CARD_STEP_DONE_MS = 300


@dataclass(frozen=True, slots=True)
class Lights:
    guidance: Light
    status: Light


def lights_for(view: View, *, serving: bool) -> Lights:
    """The lights for ``view``; ``serving`` is False while the kiosk has no reader."""
    if view.screen is Screen.OUT_OF_ORDER or not serving:
        return Lights(Light.OFF, Light.BLINK)
    if view.screen in WAITING_FOR_CARD:
        return Lights(Light.ON, Light.ON)
    if view.screen in READING:
        return Lights(Light.BLINK, Light.ON)
    return Lights(Light.OFF, Light.ON)


def beep_for(before: View, after: View) -> int | None:
    """The beep's length in milliseconds for the step from ``before`` to ``after``, if any."""
    if before.screen in WAITING_FOR_CARD and after.screen in READING:
        return CARD_DETECTED_MS
    if before.screen in READING and after.screen not in READING:
        return CARD_STEP_DONE_MS
    return None
