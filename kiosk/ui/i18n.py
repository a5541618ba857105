"""The kiosk's words in the citizen's language: gettext catalogues looked up by message id.

A message id is a dotted key (``pin.enter``, ``error.wrong_pin``), never English text; the
journeys emit ids as data (:mod:`kiosk.journeys.views`, the error catalogue, fact values) and
this module turns them into text. Italian is the reference language and the fallback.

**Screens.** A :class:`~kiosk.journeys.views.Screen` value is the id of a screen; its texts
are two entries, ``<id>.title`` (a short heading) and ``<id>.body`` (one to three plain
sentences), read with :meth:`Catalog.title` and :meth:`Catalog.body`. Speech reads the title,
then the body. Buttons (:class:`~kiosk.journeys.views.Choice`), error messages and remedies,
PIN rules, certificate states and the ids in facts are one entry each, read with
:meth:`Catalog.text`.

**Values.** Texts that carry values use named placeholders, filled after the lookup by
``str.format``: ``text(PIN_TRIES_LEFT, tries_left=2)``. Every language uses exactly the
Italian's placeholders (tests check it). Screen bodies carry none: the values a screen shows
are lines of their own (:data:`PIN_TRIES_LEFT`, :data:`HOLDER_NAME`, ...), so a value the card
did not give (``None``) means leaving a line out, never printing "None".

**Run time versus tests.** At run time a citizen never sees a raw id: a text missing in one
language falls back to Italian, and a text missing in Italian too becomes
:data:`TEXT_MISSING`, each with a warning in the log (the id and the language, never the
values, which may be a name or a codice fiscale). A missing placeholder value is left blank,
with a warning. ``Catalog(language, strict=True)``, which the tests use, raises
:class:`MissingTranslation` instead.

**Why compiled .mo files are committed.** The kiosk loads them with the stdlib
:class:`gettext.GNUTranslations`: no parsing of .po files at every start on a Raspberry Pi,
nothing to compile on the read-only root filesystem, no Babel catalogue code in the running
kiosk (it uses Babel's CLDR data only, to write dates).
setuptools cannot compile them at build time, so ``pybabel compile`` writes them next to the
.po files and ``tests/ui/test_i18n.py`` fails when a .mo file says something its .po file does
not. Babel is for the tools: extraction (:mod:`kiosk.ui.i18n_extract`, see
``kiosk/ui/locales/babel.cfg`` for the commands), ``update`` and ``compile``.

Example::

    catalog = Catalog("de")
    catalog.title(Screen.ENTER_PIN)                  # 'Geben Sie die PIN ein'
    catalog.text(PIN_TRIES_LEFT, tries_left=2)       # 'Verbleibende Versuche für die PIN: 2 von 3'
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import logging
import string
from collections.abc import Mapping
from pathlib import Path

from babel.dates import format_date

from kiosk.errors import KioskError
from kiosk.journeys.views import DEFAULT_LANGUAGE, Language, Screen

log = logging.getLogger(__name__)

DOMAIN = "kiosk"
LOCALES = Path(__file__).resolve().parent / "locales"
LANGUAGES: tuple[str, ...] = tuple(language.value for language in Language)
DEFAULT = DEFAULT_LANGUAGE.value
# The CLDR locale a language's dates are written in, where it is not the language itself.
DATE_LOCALES = {"en": "en_GB"}

# -- ids only the UI uses (the journeys' own ids are in kiosk/journeys) -----------------------
# Speech for the PIN pad: positions, never digits (field-references.md D).
SPEECH_DIGIT_ENTERED = "speech.pin.digit_entered"  # {n} {total}
SPEECH_DIGIT_DELETED = "speech.pin.digit_deleted"
SPEECH_PIN_COMPLETE = "speech.pin.complete"
# The PIN pad's keys and the cancel button every screen with can_cancel has.
PAD_CONFIRM = "pad.confirm"
PAD_DELETE = "pad.delete"
PAD_PROGRESS = "pad.progress"  # {entered} {length}: the count under the dots, "3 di 8"
CANCEL = "ui.cancel"
# A text too long for the screen is shown in pages (kiosk.ui.screens.text_column).
PAGE_BACK = "ui.page.back"
PAGE_NEXT = "ui.page.next"
PAGE_OF = "ui.page.of"  # {page} {pages}
ACCESSIBILITY = "ui.accessibility"  # the name of the accessibility button (it shows an icon)
# The help button of every screen's top bar, and the way back from the overlay it opens (whose
# title and body are the journeys' Desk ids).
HELP_BUTTON = "help.button"
HELP_CLOSE = "help.close"
# The inactivity overlay (WarningView).
TIMEOUT_TITLE = "overlay.timeout.title"
TIMEOUT_BODY = "overlay.timeout.body"  # {seconds_left}
TIMEOUT_EXTEND = "overlay.timeout.extend"
# Lines that show a value from the facts or the error view.
PIN_TRIES_LEFT = "pin.tries_left"  # {tries_left}
PUK_TRIES_LEFT = "puk.tries_left"  # {tries_left}
PUK_TRIES_UNKNOWN = "puk.tries_unknown"
HOLDER_NAME = "identity.name"  # {given_name} {surname}
HOLDER_CODICE_FISCALE = "identity.codice_fiscale"  # {codice_fiscale}
ENTRA_CON_CIE_YES = "identity.entra_con_cie.yes"
ENTRA_CON_CIE_NO = "identity.entra_con_cie.no"
CERTIFICATE_EXPIRES = "certificate.expires"  # {date}
APP_WAIT_HOURS = "lost.app.wait_hours"  # {hours}
APP_THEN_UNBLOCK = "lost.app.then_unblock"
DOCUMENT_NUMBER = "identity.document_number"  # {document_number}
TICKET_NUMBER = "handoff.ticket_number"  # {ticket_number}
# What is typed so far on the text keyboard (an e-mail address).
TYPED_EMAIL = "handoff.typed_email"  # {email}
SUPPORT_CODE = "error.support_code"  # {support_code}
# The renewal reminder's line (a date, formatted for the language) and a Comune's own words.
CARD_EXPIRES_ON = "renewal.expires_on"  # {date}
CARD_EXPIRED_ON = "renewal.expired_on"  # {date}
COMUNE_TEXT = "renewal.comune_text"  # {message}
# A clerk's words from the back-office, shown as typed: the lock's message, a notice.
LOCK_MESSAGE = "kiosk.lock_message"  # {message}
CLERK_NOTICE = "kiosk.notice"  # {message}
# Each language's name in itself, for the language screen.
LANGUAGE_NAMES: Mapping[str, str] = {
    "it": "language.it", "en": "language.en", "de": "language.de", "fr": "language.fr",
    "sl": "language.sl",
}
# What the citizen sees if a text is missing in Italian too (and the catalogue is broken).
TEXT_MISSING = "ui.text_missing"
_LAST_RESORT = "Testo non disponibile. Chieda aiuto al personale."


class I18nError(KioskError):
    """A language or a text the catalogues cannot give."""

    code = "I18N_ERROR"


class UnknownLanguage(I18nError, ValueError):
    code = "UNKNOWN_LANGUAGE"


class CatalogMissing(I18nError, FileNotFoundError):
    """A compiled catalogue is not installed: a packaging fault, found at start-up."""

    code = "CATALOG_MISSING"


class MissingTranslation(I18nError, KeyError):
    """Strict mode only: a message id, or a value its text needs, is missing."""

    code = "MISSING_TRANSLATION"


def mo_path(language: str, locales: Path = LOCALES) -> Path:
    return locales / language / "LC_MESSAGES" / f"{DOMAIN}.mo"


def po_path(language: str, locales: Path = LOCALES) -> Path:
    return locales / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def _translations(language: str, locales: Path) -> gettext.GNUTranslations:
    path = mo_path(language, locales)
    try:
        with path.open("rb") as mo:
            return gettext.GNUTranslations(mo)
    except FileNotFoundError as exc:
        raise CatalogMissing(f"no compiled catalogue for {language!r} at {path}") from exc


def placeholders(text: str) -> frozenset[str]:
    """The names of the ``{placeholders}`` in ``text``."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


class _Blanks(dict[str, object]):
    """Values for ``format_map`` that leave a missing placeholder blank and remember it."""

    def __init__(self, values: Mapping[str, object]) -> None:
        super().__init__(values)
        self.missing: list[str] = []

    def __missing__(self, key: str) -> str:
        self.missing.append(key)
        return ""


class Catalog:
    """The texts of one language (one of :data:`LANGUAGES`; Italian by default).

    Catalogues are loaded once per process and shared; a language switch is a new
    ``Catalog``. ``locales`` is the folder of catalogues, the installed one unless a test
    builds its own. Raises :class:`UnknownLanguage` for a language the kiosk does not speak and
    :class:`CatalogMissing` if its compiled catalogue is not installed.

    >>> Catalog("it").text("choice.done")
    'Ho finito'
    """

    def __init__(
        self, language: str | Language = DEFAULT, *, strict: bool = False, locales: Path = LOCALES
    ) -> None:
        code = language.value if isinstance(language, Language) else language
        if code not in LANGUAGES:
            raise UnknownLanguage(f"unknown language {code!r}; the kiosk speaks {LANGUAGES}")
        self.language = code
        self.strict = strict
        self._own = _translations(code, locales)
        self._italian = _translations(DEFAULT, locales)

    def __repr__(self) -> str:
        return f"Catalog({self.language!r})"

    def has(self, message_id: str) -> bool:
        """Whether this language has its own text for ``message_id`` (no fallback)."""
        return self._own.gettext(message_id) != message_id

    def text(self, message_id: str, **values: object) -> str:
        """The text of ``message_id`` with ``values`` in its placeholders; a date is written
        as the language writes it ("12 marzo 2027", "12. März 2027"), by Babel's CLDR data."""
        template = self._lookup(message_id)
        filled = _Blanks({key: self.date(value) if isinstance(value, dt.date) else value
                          for key, value in values.items()})
        try:
            result = template.format_map(filled)
        except (ValueError, IndexError) as exc:  # a broken translation: {} or a stray brace
            return self._broken(message_id, exc)
        if filled.missing:
            if self.strict:
                raise MissingTranslation(f"{message_id}: no value for {sorted(filled.missing)}")
            log.warning("text %s (%s) shown without %s", message_id, self.language,
                        sorted(filled.missing))
        return result

    def date(self, value: dt.date) -> str:
        """A date in full, as this language writes it (English as in Europe: 12 March 2027)."""
        return format_date(value, "long", locale=DATE_LOCALES.get(self.language, self.language))

    def title(self, screen: Screen | str, **values: object) -> str:
        """The heading of a screen."""
        return self.text(f"{_screen_id(screen)}.title", **values)

    def body(self, screen: Screen | str, **values: object) -> str:
        """The explanation under a screen's heading."""
        return self.text(f"{_screen_id(screen)}.body", **values)

    def _lookup(self, message_id: str) -> str:
        found = self._own.gettext(message_id)
        if found != message_id:
            return found
        if self.strict:
            raise MissingTranslation(f"{message_id}: no {self.language} text")
        found = self._italian.gettext(message_id)
        if found != message_id:
            log.warning("text %s missing in %s; shown in Italian", message_id, self.language)
            return found
        log.warning("text %s missing in every language", message_id)
        for translations in (self._own, self._italian):
            missing = translations.gettext(TEXT_MISSING)
            if missing != TEXT_MISSING:
                return missing
        return _LAST_RESORT

    def _broken(self, message_id: str, exc: Exception) -> str:
        if self.strict:
            raise MissingTranslation(f"{message_id}: broken text in {self.language}") from exc
        log.warning("text %s (%s) cannot be filled in: %s", message_id, self.language, exc)
        return _LAST_RESORT


def _screen_id(screen: Screen | str) -> str:
    return screen.value if isinstance(screen, Screen) else screen
