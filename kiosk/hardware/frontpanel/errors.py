"""Front-panel errors, each with a stable code that tells a technician what to look at."""

from __future__ import annotations

from typing import Any

from kiosk.errors import KioskError


class FrontPanelError(KioskError):
    code = "FRONTPANEL_ERROR"


class PanelNotFound(FrontPanelError, ConnectionError):
    """The serial port cannot be opened, or went away (USB cable, board unplugged)."""

    code = "FRONTPANEL_NOT_FOUND"


class PanelTimeout(FrontPanelError, TimeoutError):
    """The board did not answer, even to the resends (board hung, wrong port or baud rate)."""

    code = "FRONTPANEL_TIMEOUT"


class PanelProtocolError(FrontPanelError):
    """The board answered something this host cannot read: another protocol version, or a
    reply that does not belong to the request (firmware and kiosk out of step)."""

    code = "FRONTPANEL_PROTOCOL"


class PanelRejected(FrontPanelError):
    """The board refused a request with a NAK; ``nak`` is its code's name."""

    code = "FRONTPANEL_REJECTED"

    def __init__(self, message: str, *, nak: str) -> None:
        super().__init__(message)
        self.nak = nak

    def details(self) -> dict[str, Any]:
        return {**super().details(), "nak": self.nak}


class TamperStillOpen(PanelRejected):
    """The tamper latch cannot be cleared while the case is open: close it first."""

    code = "FRONTPANEL_TAMPER_OPEN"


class BadPayload(FrontPanelError, ValueError):
    """A message whose length or values the protocol does not allow: asked of the driver
    (a buzz of a minute), or received from the board (then the driver reports
    ``FRONTPANEL_PROTOCOL``)."""

    code = "FRONTPANEL_BAD_VALUE"


class BadPanelUri(FrontPanelError, ValueError):
    code = "FRONTPANEL_BAD_URI"
