"""How commands print results and errors, for people and for scripts (``--json``)."""

from __future__ import annotations

import json
import sys
from typing import Any

from kiosk.cie.errors import CieError
from kiosk.errors import KioskError

EXIT_OK = 0
EXIT_CARD = 1
EXIT_USAGE = 2

# Errors that mean "you asked wrongly", not "the card said no".
USAGE_CODES = {
    "CONFIG_INVALID", "CONFIG_NOT_FOUND", "PROFILE_INVALID", "PROFILE_NOT_FOUND", "BAD_READER",
    "BAD_INPUT", "INVALID_PIN_FORMAT", "NEW_PIN_MISMATCH", "SOD_MALFORMED", "CERTIFICATE_INVALID",
    "SIM_PKI_INVALID", "SIM_PKI_EXISTS", "INVALID_CAN_FORMAT",
    "PROVISION_MISSING", "PROVISION_INVALID", "PROVISION_NO_TOKEN",
    "FRONTPANEL_NOT_CONFIGURED", "FRONTPANEL_BAD_URI",
}


def result(data: dict[str, Any], as_json: bool) -> int:
    if as_json:
        print(json.dumps(data, indent=2))
    else:
        width = max(len(key) for key in data)
        for key, value in data.items():
            print(f"{key:<{width}}  {'-' if value is None else value}")
    return EXIT_OK


def error(exc: KioskError | CieError, as_json: bool) -> int:
    details = exc.details()
    if as_json:
        print(json.dumps({"error": details}, indent=2))
    else:
        print(f"error {details['code']}: {details['message']}", file=sys.stderr)
    return EXIT_USAGE if details["code"] in USAGE_CODES else EXIT_CARD
