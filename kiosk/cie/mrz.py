"""The machine-readable zone: check digits, the TD1 layout of DG1, and the BAC key input.

ICAO 9303-3 §4.9 defines the check digit (weights 7, 3, 1; ``<`` counts 0, digits their value,
``A``-``Z`` 10-35) and 9303-5 §4.2 the TD1 layout of the CIE: three lines of 30 characters.
Every check digit of a TD1 MRZ is verified here, including the composite one, because DG1 comes
from the card and a wrong digit means a corrupt or forged file. The same check digits make up
the BAC key seed (ICAO 9303-11 §9.7.2), which is why both live in this one module.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.cie.errors import DataGroupMalformed

TD1_LINE = 30
TD1_LENGTH = 3 * TD1_LINE
_WEIGHTS = (7, 3, 1)
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DOCUMENT_NUMBER_FIELD = 9


def check_digit(field: str) -> str:
    """The ICAO 9303-3 check digit of ``field``; ValueError for a character outside the MRZ set."""
    total = 0
    for index, char in enumerate(field):
        value = 0 if char == "<" else _ALPHABET.index(char)
        total += value * _WEIGHTS[index % 3]
    return str(total % 10)


@dataclass(frozen=True, slots=True, repr=False)
class MrzKey:
    """What BAC needs from the printed MRZ: document number, date of birth and of expiry.

    Dates are ``YYMMDD`` and the number upper case, as in the MRZ; anything else fails when the
    key is built. The repr shows nothing: these are personal data.
    """

    document_number: str
    date_of_birth: str
    date_of_expiry: str

    def __post_init__(self) -> None:
        number = self.document_number
        if not number or any(c != "<" and c not in _ALPHABET for c in number):
            raise ValueError("the document number holds characters outside A-Z, 0-9 and <")
        for date in (self.date_of_birth, self.date_of_expiry):
            if len(date) != 6 or not date.isascii() or not date.isdigit():
                raise ValueError("MRZ dates are YYMMDD")

    def __repr__(self) -> str:
        return "<MRZ key>"

    def information(self) -> bytes:
        """MRZ_information: each field followed by its check digit (ICAO 9303-11 §9.7.2).

        A document number shorter than 9 characters is filled with ``<``, as in the MRZ.
        """
        number = self.document_number.ljust(_DOCUMENT_NUMBER_FIELD, "<")
        fields = (number, self.date_of_birth, self.date_of_expiry)
        return "".join(field + check_digit(field) for field in fields).encode("ascii")


@dataclass(frozen=True, slots=True)
class Td1:
    """The fields of a TD1 MRZ, as printed (``<`` turned into spaces in the names)."""

    document_code: str
    issuing_state: str
    document_number: str
    date_of_birth: str  # YYMMDD: the century is not in the MRZ (DG11 has the full date)
    sex: str
    date_of_expiry: str  # YYMMDD
    nationality: str
    surname: str
    given_names: str


def parse_td1(text: str) -> Td1:
    """Split a 90-character TD1 MRZ and verify its four check digits."""
    if len(text) != TD1_LENGTH or any(c != "<" and c not in _ALPHABET for c in text):
        raise DataGroupMalformed("the MRZ is not 90 characters of A-Z, 0-9 and <")
    line1, line2, line3 = (text[i : i + TD1_LINE] for i in range(0, TD1_LENGTH, TD1_LINE))
    number = _document_number(line1)
    _require_check(line2[0:6], line2[6], "date of birth")
    _require_check(line2[8:14], line2[14], "date of expiry")
    _require_check(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29], line2[29], "composite")
    surname, _, given = line3.partition("<<")
    return Td1(
        document_code=line1[0:2].rstrip("<"),
        issuing_state=line1[2:5].rstrip("<"),
        document_number=number,
        date_of_birth=line2[0:6],
        sex=line2[7],
        date_of_expiry=line2[8:14],
        nationality=line2[15:18].rstrip("<"),
        surname=_words(surname),
        given_names=_words(given),
    )


def _document_number(line1: str) -> str:
    """The document number, continued into the optional data when longer than 9 characters.

    ICAO 9303-5 (TD1 layout notes): then the check digit position holds ``<``, and the number's
    remaining characters and its check digit end the optional data's first run.
    """
    number, digit = line1[5:14], line1[14]
    if digit == "<":
        overflow = line1[15:30].split("<", 1)[0]
        if len(overflow) < 2:
            raise DataGroupMalformed("the long document number has no check digit")
        number, digit = number + overflow[:-1], overflow[-1]
    _require_check(number, digit, "document number")
    return number.rstrip("<")


def _require_check(field: str, digit: str, what: str) -> None:
    if check_digit(field) != digit:
        raise DataGroupMalformed(f"the MRZ check digit of the {what} is wrong")


def _words(field: str) -> str:
    return " ".join(field.replace("<", " ").split())
