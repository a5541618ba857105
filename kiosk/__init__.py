"""Firmware for self-service CIE kiosks in Italian town halls.

The rooms and the one dependency rule between them are described in DESIGN.md:
``ui`` → ``journeys`` → ``cie`` / ``hardware`` / ``uplink``; ``cie`` imports nothing else of
the project; ``sim`` may borrow ``cie``'s byte-level helpers but never its protocol logic.
"""

import os

__version__ = "0.1.0"

# pygame prints a banner on import unless told not to; the kiosk's output is for technicians.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
