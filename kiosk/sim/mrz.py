"""The TD1 machine-readable zone of a CIE (DG1) and the BAC key input derived from it.

ICAO 9303-5 (TD1: three lines of 30) and 9303-3 §4.9 (check digits). The layout copies the
Ministry test card's DG1 (``vectors/test-card-dg1.bin``): document code ``C<``, issuing state
and nationality ``ITA``, empty optional fields.
"""

from __future__ import annotations

import datetime as dt

LINE = 30
_WEIGHTS = (7, 3, 1)


def check_digit(field: str) -> str:
    """ICAO 9303-3 §4.9: digits as such, A-Z as 10-35, ``<`` as 0, weights 7 3 1."""
    total = 0
    for index, char in enumerate(field):
        if char.isdigit():
            value = int(char)
        elif "A" <= char <= "Z":
            value = ord(char) - ord("A") + 10
        elif char == "<":
            value = 0
        else:
            raise ValueError(f"{char!r} cannot appear in an MRZ")
        total += value * _WEIGHTS[index % 3]
    return str(total % 10)


def yymmdd(date: dt.date) -> str:
    return date.strftime("%y%m%d")


def name_field(surname: str, given_name: str) -> str:
    """``ROSSI<<MARIA``: spaces and hyphens become fillers (ICAO 9303-3 §4.6, simplified)."""

    def clean(part: str) -> str:
        return "".join(c if "A" <= c <= "Z" else "<" for c in part.upper())

    return f"{clean(surname)}<<{clean(given_name)}"


def td1(
    document_number: str,
    birth: dt.date,
    sex: str,
    expiry: dt.date,
    *,
    surname: str,
    given_name: str,
) -> str:
    """The 90 characters of a TD1 MRZ, lines joined."""
    line1 = f"C<ITA{document_number}{check_digit(document_number)}".ljust(LINE, "<")
    birth_field = yymmdd(birth) + check_digit(yymmdd(birth))
    expiry_field = yymmdd(expiry) + check_digit(yymmdd(expiry))
    line2 = f"{birth_field}{sex}{expiry_field}ITA".ljust(LINE - 1, "<")
    composite = line1[5:] + line2[:7] + line2[8:15] + line2[18:]
    line2 += check_digit(composite)
    line3 = name_field(surname, given_name)[:LINE].ljust(LINE, "<")
    return line1 + line2 + line3


def bac_information(document_number: str, birth: dt.date, expiry: dt.date) -> str:
    """Document number, birth date and expiry, each with its check digit (PROTOCOL.md §4.3)."""
    return "".join(
        field + check_digit(field) for field in (document_number, yymmdd(birth), yymmdd(expiry))
    )
