"""Command and response APDUs (ISO/IEC 7816-4), short and extended.

A command picks its own encoding: extended length only when the data is longer than 255 bytes
or more than 256 bytes are expected, because many contactless readers refuse extended APDUs
and the CIE only needs them for PACE (PROTOCOL.md §4.2).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.cie.errors import ProtocolError
from kiosk.cie.steps import Step

SW_OK = 0x9000
SW_END_OF_FILE = 0x6282
SW_WRONG_LENGTH = 0x6700
SW_FILE_NOT_FOUND = 0x6A82
SW_WRONG_P1P2 = 0x6A86
SW_OFFSET_BEYOND_EOF = 0x6B00
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00
SW_NO_CURRENT_EF = 0x6986

INS_SELECT = 0xA4
INS_READ_BINARY = 0xB0
INS_GET_RESPONSE = 0xC0

SHORT_MAX_DATA = 255
SHORT_MAX_LE = 256
EXTENDED_MAX_LE = 65536


@dataclass(frozen=True, slots=True)
class Command:
    """One command APDU.

    ``le`` is the number of bytes expected: ``None`` for no Le field, 256 for the short ``00``
    ("up to 256"), 65536 for the extended ``00 00``. ``step`` says why it is sent
    (:mod:`kiosk.cie.steps`); it never reaches the wire.
    """

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None
    step: Step | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for name in ("cla", "ins", "p1", "p2"):
            if not 0 <= getattr(self, name) <= 0xFF:
                raise ValueError(f"{name} must be one byte")
        if len(self.data) > 0xFFFF:
            raise ValueError("data longer than an extended APDU can carry")
        if self.le is not None and not 1 <= self.le <= EXTENDED_MAX_LE:
            raise ValueError("le must be 1..65536 or None")

    @property
    def extended(self) -> bool:
        return len(self.data) > SHORT_MAX_DATA or (self.le or 0) > SHORT_MAX_LE

    def encode(self) -> bytes:
        out = bytearray((self.cla, self.ins, self.p1, self.p2))
        if self.extended:
            if self.data:
                out += b"\x00" + len(self.data).to_bytes(2, "big") + self.data
            if self.le is not None:
                le = self.le % EXTENDED_MAX_LE
                out += (b"" if self.data else b"\x00") + le.to_bytes(2, "big")
        else:
            if self.data:
                out += bytes((len(self.data),)) + self.data
            if self.le is not None:
                out.append(self.le % SHORT_MAX_LE)
        return bytes(out)

    def describe(self) -> str:
        """What may be logged of this command: the header only, never the data."""
        return f"{self.cla:02X} {self.ins:02X} {self.p1:02X} {self.p2:02X}"


@dataclass(frozen=True, slots=True)
class Response:
    """One response APDU: the data and the status word."""

    data: bytes
    sw: int

    @classmethod
    def parse(cls, raw: bytes) -> Response:
        if len(raw) < 2:
            raise ProtocolError(f"answer of {len(raw)} bytes carries no status word")
        return cls(bytes(raw[:-2]), int.from_bytes(raw[-2:], "big"))

    @property
    def sw1(self) -> int:
        return self.sw >> 8

    @property
    def sw2(self) -> int:
        return self.sw & 0xFF

    @property
    def ok(self) -> bool:
        return self.sw == SW_OK


def get_response(length: int) -> bytes:
    """GET RESPONSE for the ``length`` bytes announced by ``61xx`` (``00`` meaning 256)."""
    return bytes((0x00, INS_GET_RESPONSE, 0x00, 0x00, length & 0xFF))


def with_short_le(raw: bytes, le: int) -> bytes | None:
    """The same short command with its Le replaced, as ``6Cxx`` asks; None when it has no Le.

    Only the short forms 2 (header + Le) and 4 (header + Lc + data + Le) carry a Le that a
    ``6Cxx`` answer can correct; anything else is returned as None so the caller can report
    the answer as a protocol error instead of resending a mangled command.
    """
    if len(raw) == 5:
        return raw[:4] + bytes((le & 0xFF,))
    if len(raw) > 5 and raw[4] != 0 and len(raw) == 6 + raw[4]:
        return raw[:-1] + bytes((le & 0xFF,))
    return None


def is_extended(raw: bytes) -> bool:
    """An encoded command in the extended-length form: a zero byte where a short Lc or Le
    would be, with more after it (ISO/IEC 7816-3 §12.1.3)."""
    return len(raw) > 5 and raw[4] == 0
