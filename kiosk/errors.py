"""The error base shared by the rooms that are allowed to import each other.

Every error the kiosk reports carries a stable ``code``; the CLI prints it, the UI maps it to a
message and a remedy, a technician searches for it. :mod:`kiosk.cie` has its own base
(:class:`kiosk.cie.errors.CieError`) because it imports nothing else of the project.
"""

from __future__ import annotations

from typing import Any


class KioskError(Exception):
    code = "KIOSK_ERROR"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    def details(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self)}
