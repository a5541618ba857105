"""Reader errors, each with a stable code that tells a technician what to look at."""

from __future__ import annotations

from kiosk.errors import KioskError


class ReaderError(KioskError):
    code = "READER_ERROR"


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
