"""What can happen to a session: the person's events (from the UI), the reader's, the clock's,
the card worker's and the back-office's commands. Plain frozen values, built by the UI thread,
the reader monitor, the card worker or the uplink and handled one at a time by
:class:`~kiosk.journeys.session.KioskSession`.

:class:`DigitTyped` carries one digit on its way into the journey's secret holder; its repr
never shows it, and the session pushes it into the holder at once and keeps no reference.
"""

from __future__ import annotations

import re
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
class CharacterTyped:
    """One key of the text keyboard (an e-mail address): a printable ASCII character. Not a
    secret; :class:`DigitDeleted` and :class:`Confirmed` delete and confirm here too."""

    character: str

    def __post_init__(self) -> None:
        if len(self.character) != 1 or not self.character.isascii() \
                or not self.character.isprintable() or self.character.isspace():
            raise ValueError("a keyboard key is one printable ASCII character")


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
class CallClerk:
    """The help button: the citizen asks for a clerk, from whatever screen."""


@dataclass(frozen=True, slots=True)
class CloseHelp:
    """The help overlay's way back: the citizen goes on where they were."""


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


# The longest clerk's message a command carries (the wire's limit, kiosk.uplink.schemas).
MAX_MESSAGE_LENGTH = 500
# Control characters other than the line break: a message is shown as typed, but a tab or an
# escape code has no glyph on the kiosk's fonts.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def _clerk_text(message: str | None) -> str | None:
    """The clerk's words as the screen shows them: control characters as spaces, no blank
    lines around them; None for nothing to show. Raises ValueError past the wire's limit."""
    if message is None:
        return None
    if len(message) > MAX_MESSAGE_LENGTH:
        raise ValueError(f"a clerk's message has at most {MAX_MESSAGE_LENGTH} characters")
    return _CONTROL.sub(" ", message).strip() or None


@dataclass(frozen=True, slots=True)
class Lock:
    """The back-office locks the kiosk: the out-of-order screen, with the clerk's message."""

    message: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", _clerk_text(self.message))


@dataclass(frozen=True, slots=True)
class Unlock:
    """The back-office puts the kiosk back in service: the attract screen again."""


@dataclass(frozen=True, slots=True)
class ShowNotice:
    """A clerk's notice on the attract screen and the menu; an empty one takes it away."""

    message: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", _clerk_text(self.message))


@dataclass(frozen=True, slots=True)
class CaseOpened:
    """The tamper switch: the kiosk's case is open (or was opened while the kiosk was off).
    The session wipes and locks at once, whatever runs; see
    :mod:`~kiosk.journeys.session` for how the kiosk comes back."""


@dataclass(frozen=True, slots=True)
class CaseClosed:
    """The tamper switch: the case is shut again. The kiosk stays locked for a clerk."""


PersonEvent = (
    Chosen | LanguageChosen | DigitTyped | CharacterTyped | DigitDeleted | Confirmed | Cancel
    | ExtendSession | CallClerk | CloseHelp
)
Command = Lock | Unlock | ShowNotice
Tamper = CaseOpened | CaseClosed
Event = (PersonEvent | CardInserted | CardRemoved | Tick | CardDone | CardFailed | CardProgress
         | Command | Tamper)
