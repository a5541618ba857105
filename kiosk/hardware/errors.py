"""Reader errors, each with a stable code that tells a technician what to look at."""

from __future__ import annotations

from typing import Any

from kiosk.cie.steps import Step
from kiosk.errors import KioskError

# What the card may have done with a command whose answer never came (steps.CHANGES_CARD).
MAY_HAVE = {
    Step.VERIFY_PIN: "a PIN try may have been counted",
    Step.VERIFY_PUK: "a PUK try may have been counted",
    Step.CHANGE_PIN: "the PIN may have been changed",
    Step.UNBLOCK_PIN: "the PIN may have been unblocked with the new one",
}


class ReaderError(KioskError):
    """The link to the card failed. ``in_doubt`` is the step of a command that may have
    changed the card and whose answer was lost with the link (None when nothing was at stake);
    the card session sets it, since only it knows which command was waiting."""

    code = "READER_ERROR"
    in_doubt: Step | None = None

    def details(self) -> dict[str, Any]:
        out = super().details()
        if self.in_doubt is not None:
            out["message"] = f"{out['message']}: {MAY_HAVE[self.in_doubt]}"
            out["in_doubt"] = self.in_doubt.value
        return out


class NoReader(ReaderError):
    """No reader is connected, or not the one that was asked for."""

    code = "NO_READER"


class NoCard(ReaderError):
    """The reader is there but nothing lies on it."""

    code = "NO_CARD"


class CardRemoved(ReaderError):
    """The card left the reader while it was being used."""

    code = "CARD_REMOVED"


class ReaderUnavailable(ReaderError):
    """The reader service (pcscd) is not running or stopped during the exchange."""

    code = "READER_UNAVAILABLE"


class BadReaderUri(ReaderError):
    code = "BAD_READER"
