"""What can happen to a session: the person's events (from the UI), the reader's, the clock's
and the card worker's. Plain frozen values, built by the UI thread, the reader monitor or the
card worker and handled one at a time by :class:`~kiosk.journeys.session.KioskSession`.

:class:`DigitTyped` carries one digit on its way into the journey's secret holder; its repr
never shows it, and the session pushes it into the holder at once and keeps no reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiosk.cie.steps import Step
from kiosk.journeys.views import Choice, Language


@dataclass(frozen=True, slots=True)
class Chosen:
    """A button of the current view was pressed."""

    choice: Choice


@dataclass(frozen=True, slots=True)
class LanguageChosen:
    language: Language


@dataclass(frozen=True, slots=True)
class DigitTyped:
    """One key of the PIN pad: the ASCII code of a digit (``0x30``-``0x39``)."""

    digit: int = field(repr=False)

    def __post_init__(self) -> None:
        if not 0x30 <= self.digit <= 0x39:
            raise ValueError("a PIN pad key is an ASCII digit")


@dataclass(frozen=True, slots=True)
class DigitDeleted:
    pass


@dataclass(frozen=True, slots=True)
class Confirmed:
    """The pad's OK key: the digits typed are complete."""


@dataclass(frozen=True, slots=True)
class Cancel:
    pass


@dataclass(frozen=True, slots=True)
class CardInserted:
    pass


@dataclass(frozen=True, slots=True)
class CardRemoved:
    pass


@dataclass(frozen=True, slots=True)
class Tick:
    """Time passed: the session reads its clock (the UI sends one every second or so)."""


@dataclass(frozen=True, slots=True)
class ExtendSession:
    """The citizen asked for more time on the inactivity warning."""


@dataclass(frozen=True, slots=True)
class CardDone:
    """A card job ended well; ``ticket`` says which one, so a stale answer is ignored."""

    ticket: int
    result: Any = field(repr=False)


@dataclass(frozen=True, slots=True)
class CardFailed:
    """A card job ended with a coded error (never a message: it could say too much).

    ``in_doubt`` is the step whose answer the link lost when that step may have changed the
    card (a try spent, the PIN changed or unblocked): then nobody knows whether it did.
    """

    ticket: int
    code: str
    tries_left: int | None = None
    in_doubt: Step | None = None


@dataclass(frozen=True, slots=True)
class CardProgress:
    """A card job reached a new step: what the screen says the card is doing."""

    ticket: int
    step: Step


PersonEvent = (
    Chosen | LanguageChosen | DigitTyped | DigitDeleted | Confirmed | Cancel | ExtendSession
)
Event = PersonEvent | CardInserted | CardRemoved | Tick | CardDone | CardFailed | CardProgress
