"""The front-panel controller: a small RP2040 board on a serial line that drives the lights
and the buzzer, latches the case's tamper switch while the Pi is off, and power-cycles a Pi
that stopped answering its heartbeat.

The host side is here (:mod:`.framing` and :mod:`.messages` the sans-IO codec, :mod:`.driver`
the frontend, :mod:`.serial_link` and :mod:`.virtual` its links); the board's MicroPython
firmware is in ``firmware/``; both follow docs/frontpanel-protocol.md and are tested against
the same ``vectors.json``.
"""

from kiosk.hardware.frontpanel.driver import FrontPanel, Link, open_frontpanel
from kiosk.hardware.frontpanel.messages import LedMode, PanelStatus, TamperState

__all__ = ["FrontPanel", "LedMode", "Link", "PanelStatus", "TamperState", "open_frontpanel"]
