"""What every part of the virtual card speaks: command APDUs as the chip parses them, and the
status words it answers with.

It sits below the applets (``ias.py``, ``icao.py``, ``pins.py``, ``pace.py``, ``bac.py``) and
the interpreter that dispatches to them (``card.py``), so the card's layers read top-down like
the terminal's: the interpreter imports the applets, the applets import this, nothing imports
upwards. Commands are parsed here rather than with the terminal's codec, so the two sides of
every test are written independently (DESIGN.md §2).
"""

from __future__ import annotations

from dataclasses import dataclass

SW_OK = b"\x90\x00"
SW_END_OF_FILE = b"\x62\x82"
SW_AUTH_FAILED = b"\x63\x00"
SW_WRONG_LENGTH = b"\x67\x00"
SW_SM_UNSUPPORTED = b"\x68\x82"
SW_CHAIN = b"\x68\x83"
SW_SECURITY = b"\x69\x82"
SW_BLOCKED = b"\x69\x83"
SW_CONDITIONS = b"\x69\x85"
SW_NO_CURRENT_EF = b"\x69\x86"
SW_SM_WRONG = b"\x69\x88"
SW_WRONG_DATA = b"\x6a\x80"
SW_NOT_FOUND = b"\x6a\x82"
SW_WRONG_P1P2 = b"\x6a\x86"
SW_NO_REFERENCE = b"\x6a\x88"
SW_BEYOND_EOF = b"\x6b\x00"
SW_INS_UNKNOWN = b"\x6d\x00"
SW_CLA_UNKNOWN = b"\x6e\x00"

# An applet's answer before the interpreter frames it: the data and the status word.
Answer = tuple[bytes, bytes]


class Malformed(Exception):
    """The bytes do not form an APDU; the card answers ``6700``."""


@dataclass(frozen=True, slots=True)
class Apdu:
    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes
    le: int | None


def parse(raw: bytes) -> Apdu:
    """ISO/IEC 7816-3 §12.1 cases 1-4, short and extended."""
    if len(raw) < 4:
        raise Malformed
    head, body = raw[:4], raw[4:]
    data, le = b"", None
    if not body:
        pass
    elif len(body) == 1:
        le = body[0] or 256
    elif body[0] != 0:
        lc, rest = body[0], body[1:]
        if len(rest) not in (lc, lc + 1):
            raise Malformed
        data = rest[:lc]
        if len(rest) == lc + 1:
            le = rest[lc] or 256
    elif len(body) == 3:
        le = int.from_bytes(body[1:3], "big") or 65536
    elif len(body) > 3:
        lc, rest = int.from_bytes(body[1:3], "big"), body[3:]
        if lc == 0 or len(rest) not in (lc, lc + 2):
            raise Malformed
        data = rest[:lc]
        if len(rest) == lc + 2:
            le = int.from_bytes(rest[lc:], "big") or 65536
    else:
        raise Malformed
    return Apdu(head[0], head[1], head[2], head[3], data, le)
