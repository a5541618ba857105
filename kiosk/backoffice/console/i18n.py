"""The console's languages: Italian first, English too, from gettext catalogues made with
Babel (``locales/babel.cfg`` says how to extract, update and compile them).

Message ids are the English text, so an English page needs no catalogue of its own beyond
the file that says it is English. Strings built in Python (state names, flash messages) are
marked with :func:`N_` where they are defined and translated where they are shown.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

LOCALES = Path(__file__).parent / "locales"
DOMAIN = "console"
LANGUAGES = {"it": "Italiano", "en": "English"}
DEFAULT = "it"


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated later, where it is shown."""
    return message


@cache
def translations(language: str) -> gettext.NullTranslations:
    if language not in LANGUAGES:
        language = DEFAULT
    return gettext.translation(DOMAIN, LOCALES, languages=[language])


def language_of(chosen: object) -> str:
    return chosen if isinstance(chosen, str) and chosen in LANGUAGES else DEFAULT
