"""Which message id the renderer shows for what: the conventions of :mod:`kiosk.ui.i18n`.

A screen is ``<screen id>.title`` and ``<screen id>.body`` (bodies carry no placeholders);
buttons, errors and remedies are one id each. The values a screen shows are lines of their
own: a fact that is itself a message id (``"check.next.all_good"``), or a tuple of them (the
new PIN's rules, what to bring to the counter), is one line each, in the journey's order; the
known value facts (tries left, the holder's name, ...) become the catalogue's value lines; a
value the card did not give (``None``) leaves its line out. A clerk's words (the lock message,
a notice) are a value like the holder's name: shown as typed in the catalogue's frame, never
taken for a message id, even when they look like one. No user text is assembled here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Protocol

from kiosk.journeys.views import ErrorView, Fact, Screen
from kiosk.ui import i18n, i18n_extract

CANCEL = i18n.CANCEL
PAGE_BACK = i18n.PAGE_BACK
PAGE_NEXT = i18n.PAGE_NEXT
PAGE_OF = i18n.PAGE_OF  # {page} {pages}
PAD_CONFIRM = i18n.PAD_CONFIRM
PAD_DELETE = i18n.PAD_DELETE
WARNING_TITLE = i18n.TIMEOUT_TITLE
WARNING_BODY = i18n.TIMEOUT_BODY  # {seconds_left}
WARNING_EXTEND = i18n.TIMEOUT_EXTEND
SUPPORT_CODE = i18n.SUPPORT_CODE  # {support_code}
LANGUAGE_NAMES = i18n.LANGUAGE_NAMES
# The UI's own ids that the catalogue does not have yet (see the closing note of issue 5).
ACCESSIBILITY = "ui.accessibility"  # the accessibility button's name (it shows an icon)
HELP = i18n.HELP_BUTTON  # the help button's label and name, on every screen
HELP_CLOSE = i18n.HELP_CLOSE
PAD_PROGRESS = "pad.progress"  # {entered} {length}: "3 di 8"
# Kept for kiosk.ui.speech, which used the first draft: the PIN's line (error_lines() picks
# the PIN's or the PUK's by the error code).
TRIES_LEFT = i18n.PIN_TRIES_LEFT

# Facts that hold a clerk's (or the Comune's configured) words, and the line that frames them.
CLERK_WORDS = {"lock_message": i18n.LOCK_MESSAGE, "clerk_notice": i18n.CLERK_NOTICE,
               "comune_text": i18n.COMUNE_TEXT}

# Error codes whose tries_left counts PUK tries; the others count PIN tries.
_PUK_ERRORS = frozenset({"WRONG_PUK", "CONFIRMATION_REQUIRED", "PUK_BLOCKED"})


class Translator(Protocol):
    """What the renderer needs of the translation catalogue (:class:`kiosk.ui.i18n.Catalog`)."""

    def text(self, message_id: str, **values: object) -> str: ...


def is_message_id(value: object) -> bool:
    """Whether ``value`` is shaped like a message id (``"check.next.all_good"``)."""
    return i18n_extract.is_message_id(value)


def title_id(screen: Screen) -> str:
    return f"{screen.value}.title"


def body_id(screen: Screen) -> str:
    return f"{screen.value}.body"


Line = tuple[str, Mapping[str, object]]


def tries_line(key: str, value: Fact) -> Line | None:
    if key == "pin_tries_left" and isinstance(value, int):
        return i18n.PIN_TRIES_LEFT, {"tries_left": value}
    if key == "puk_tries_left":
        if isinstance(value, int):
            return i18n.PUK_TRIES_LEFT, {"tries_left": value}
        return i18n.PUK_TRIES_UNKNOWN, {}
    return None


def _value_line(key: str, value: Fact, facts: Mapping[str, Fact]) -> Line | None:
    """The catalogue's line for one value fact, or None to show nothing."""
    if value is None:
        return None
    match key:
        case "pin_tries_left" | "puk_tries_left":
            return tries_line(key, value)
        case "given_name":
            return i18n.HOLDER_NAME, {"given_name": value, "surname": facts.get("surname") or ""}
        case "codice_fiscale":
            return i18n.HOLDER_CODICE_FISCALE, {"codice_fiscale": value}
        case "document_number" | "card_number":
            return i18n.DOCUMENT_NUMBER, {"document_number": value}
        case "expires_on" if isinstance(value, str):
            return i18n.CARD_EXPIRES_ON, {"date": dt.date.fromisoformat(value)}
        case "expired_on" if isinstance(value, str):
            return i18n.CARD_EXPIRED_ON, {"date": dt.date.fromisoformat(value)}
        case "ticket_number":
            return i18n.TICKET_NUMBER, {"ticket_number": value}
        case "works_for_entra_con_cie":
            return (i18n.ENTRA_CON_CIE_YES if value else i18n.ENTRA_CON_CIE_NO), {}
        case "certificate_expires":
            return i18n.CERTIFICATE_EXPIRES, {"date": value}
        case "hours":
            return i18n.APP_WAIT_HOURS, {"hours": value}
        case "then_unblock":
            return (i18n.APP_THEN_UNBLOCK, {}) if value else None
    return None


def fact_lines(facts: Mapping[str, Fact]) -> Iterator[Line]:
    """The lines a view's facts show, in the journey's order (the notice is shown apart)."""
    for key, value in facts.items():
        if key == "notice":
            continue
        if key in CLERK_WORDS:
            if value is not None:
                yield CLERK_WORDS[key], {"message": value}
        elif isinstance(value, tuple):
            yield from ((item, {}) for item in value if is_message_id(item))
        elif is_message_id(value):
            assert isinstance(value, str)
            yield value, {}
        else:
            line = _value_line(key, value, facts)
            if line is not None:
                yield line


def error_lines(error: ErrorView) -> Iterator[Line]:
    """Message, tries left (when known), remedy; the support code is shown apart."""
    yield error.message, {}
    if error.tries_left is not None:
        key = "puk_tries_left" if error.code in _PUK_ERRORS else "pin_tries_left"
        line = tries_line(key, error.tries_left)
        if line is not None:
            yield line
    yield error.remedy, {}
