"""The console's catalogues: every message its code and templates use has an Italian
translation, and the compiled catalogue the pages load says the same as the .po file
(locales/babel.cfg has the commands that keep them so)."""

from __future__ import annotations

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from kiosk.backoffice.console import i18n

CONSOLE = i18n.LOCALES.parent
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]


def used_messages() -> set[str]:
    found = extract_from_dir(str(CONSOLE), METHODS, keywords={**DEFAULT_KEYWORDS, "N_": None})
    return {message for _file, _line, message, _comments, _context in found
            if isinstance(message, str)}


def test_every_console_message_is_translated_into_italian() -> None:
    with (i18n.LOCALES / "it" / "LC_MESSAGES" / "console.po").open("rb") as file:
        catalogue = read_po(file)
    used = used_messages()
    assert len(used) > 100
    untranslated = sorted(message for message in used
                          if catalogue.get(message) is None or not catalogue[message].string)
    assert untranslated == []
    loaded = i18n.translations("it")
    stale = sorted(message for message in used
                   if loaded.gettext(message) != catalogue[message].string)
    assert stale == []


def test_english_is_the_messages_themselves_and_unknown_languages_are_italian() -> None:
    assert i18n.translations("en").gettext("Kiosks") == "Kiosks"
    assert i18n.translations("xx").gettext("Kiosks") == "Chioschi"
    assert i18n.language_of("en") == "en"
    assert i18n.language_of(None) == "it"
