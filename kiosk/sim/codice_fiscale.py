"""Date of birth and sex as a codice fiscale encodes them (DM 23/12/1976).

A virtual card's MRZ and DG11 must agree with its codice fiscale, as a real card's do, so by
default they are read from it rather than asked for. Characters 7-8 are the year, 9 the month
as a letter, 10-11 the day (plus 40 for women). Digits replaced by letters to tell people
with the same code apart (omocodia) are mapped back.
"""

from __future__ import annotations

import datetime as dt

_MONTHS = "ABCDEHLMPRST"
_OMOCODIA = str.maketrans("LMNPQRSTUV", "0123456789")
_FEMALE_OFFSET = 40


def birth_and_sex(code: str, today: dt.date) -> tuple[dt.date, str]:
    """(date of birth, ``M``/``F``); the century is the latest that puts the birth in the past.

    Raises ValueError for a code whose date part is not a date.
    """
    code = code.upper()
    year_digits = code[6:8].translate(_OMOCODIA)
    day_digits = code[9:11].translate(_OMOCODIA)
    month = _MONTHS.find(code[8:9]) + 1 if len(code) > 8 else 0
    if not (year_digits.isdigit() and day_digits.isdigit() and month):
        raise ValueError("the codice fiscale does not encode a date of birth")
    day, sex = int(day_digits), "M"
    if day > _FEMALE_OFFSET:
        day, sex = day - _FEMALE_OFFSET, "F"
    year = today.year // 100 * 100 + int(year_digits)
    if year > today.year:
        year -= 100
    birth = dt.date(year, month, day)
    if birth > today:
        birth = birth.replace(year=year - 100)
    return birth, sex
