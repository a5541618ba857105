"""Every error code of the taxonomy, as the citizen meets it: a message, a remedy, and a short
support code to read out to the clerk or the help line.

Codes come from :mod:`kiosk.cie.errors` and :mod:`kiosk.hardware.errors` (and the few the
journeys add); message and remedy are gettext ids the UI translates. Support codes are stable
once published, like the codes: ``E-<area>-<nn>``. An unknown code is shown as the generic
entry with its own code kept, so a new error never crashes a screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.journeys.views import ErrorView

INTERNAL_ERROR = "INTERNAL_ERROR"


@dataclass(frozen=True, slots=True)
class Entry:
    message: str
    remedy: str
    support_code: str


def _e(message: str, remedy: str, support_code: str) -> Entry:
    return Entry(f"error.{message}", f"remedy.{remedy}", support_code)


CATALOGUE: dict[str, Entry] = {
    # PIN and PUK
    "WRONG_PIN": _e("wrong_pin", "retype_pin", "E-PIN-01"),
    "PIN_BLOCKED": _e("pin_blocked", "unblock_with_puk", "E-PIN-02"),
    "INVALID_PIN_FORMAT": _e("pin_format", "type_eight_digits", "E-PIN-03"),
    "WRONG_PUK": _e("wrong_puk", "retype_puk_or_counter", "E-PUK-01"),
    "PUK_BLOCKED": _e("puk_blocked", "new_card_at_counter", "E-PUK-02"),
    "CONFIRMATION_REQUIRED": _e("puk_confirmation", "confirm_or_counter", "E-PUK-03"),
    # the card
    "NOT_A_CIE": _e("not_a_cie", "use_a_cie", "E-CRD-01"),
    "UNSUPPORTED_CHIP": _e("unsupported_chip", "go_to_counter", "E-CRD-02"),
    "PROTOCOL_ERROR": _e("card_answer", "lay_card_again", "E-CRD-03"),
    "SM_ERROR": _e("card_link", "lay_card_again", "E-CRD-04"),
    "CIE_ERROR": _e("card_generic", "lay_card_again", "E-CRD-05"),
    "PUBLIC_KEY_INVALID": _e("card_data", "go_to_counter", "E-CRD-06"),
    "CERTIFICATE_INVALID": _e("certificate", "go_to_counter", "E-CRD-07"),
    "SOD_MALFORMED": _e("card_data", "go_to_counter", "E-CRD-08"),
    "SOD_UNSUPPORTED_ALGORITHM": _e("card_data", "go_to_counter", "E-CRD-09"),
    "SECURITY_INFOS_MALFORMED": _e("card_data", "go_to_counter", "E-CRD-10"),
    "DATA_GROUP_MALFORMED": _e("card_data", "go_to_counter", "E-CRD-11"),
    # travel-document access (CAN, MRZ)
    "INVALID_CAN_FORMAT": _e("can_format", "type_six_digits", "E-CAN-01"),
    "WRONG_CAN": _e("wrong_can", "retype_can", "E-CAN-02"),
    "WRONG_MRZ": _e("wrong_mrz", "lay_card_again", "E-CAN-03"),
    "PACE_UNSUPPORTED": _e("unsupported_chip", "go_to_counter", "E-CAN-04"),
    "PACE_REFUSED": _e("card_answer", "lay_card_again", "E-CAN-05"),
    # the reader
    "CARD_REMOVED": _e("card_removed", "keep_card_still", "E-RDR-01"),
    "NO_CARD": _e("no_card", "lay_card_again", "E-RDR-02"),
    "NO_READER": _e("reader_missing", "call_staff", "E-RDR-03"),
    "READER_UNAVAILABLE": _e("reader_missing", "call_staff", "E-RDR-04"),
    "READER_ERROR": _e("reader", "call_staff", "E-RDR-05"),
    "BAD_READER": _e("reader", "call_staff", "E-RDR-06"),
    "READER_NO_EXTENDED_APDU": _e("reader", "call_staff", "E-RDR-07"),
    # continue with smartphone (the back-office's refusals, and its absence)
    "PHONE_CODE_WRONG": _e("phone_code_wrong", "phone_retype_code", "E-PHN-01"),
    "PHONE_CODE_USED": _e("phone_code_used", "phone_new_qr", "E-PHN-02"),
    "PHONE_LINK_EXPIRED": _e("phone_qr_expired", "phone_new_qr", "E-PHN-03"),
    "PHONE_CODE_EXPIRED": _e("phone_code_expired", "phone_new_qr", "E-PHN-04"),
    "PHONE_CODE_OTHER_KIOSK": _e("phone_other_kiosk", "phone_right_kiosk", "E-PHN-05"),
    "PHONE_TOO_MANY_TRIES": _e("phone_too_many_tries", "phone_new_qr", "E-PHN-06"),
    "PHONE_LOGIN_NOT_FOUND": _e("phone_login_lost", "phone_new_qr", "E-PHN-07"),
    "PHONE_UNAVAILABLE": _e("phone_unavailable", "phone_card_or_counter", "E-PHN-08"),
    "PHONE_DISABLED": _e("phone_unavailable", "phone_card_or_counter", "E-PHN-09"),
    "UPLINK_UNREACHABLE": _e("link_down", "phone_try_again", "E-PHN-10"),
    # the kiosk itself
    "KIOSK_ERROR": _e("kiosk", "call_staff", "E-KSK-01"),
    INTERNAL_ERROR: _e("kiosk", "call_staff", "E-KSK-02"),
}

GENERIC = _e("unknown", "call_staff", "E-GEN-00")


def lookup(code: str) -> Entry:
    return CATALOGUE.get(code, GENERIC)


def error_view(code: str, tries_left: int | None = None) -> ErrorView:
    entry = lookup(code)
    return ErrorView(code, entry.message, entry.remedy, entry.support_code, tries_left)
