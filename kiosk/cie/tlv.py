"""BER-TLV as the CIE uses it (ISO/IEC 7816-4 §5.2): tags of 1-3 bytes, lengths up to ``82 xxxx``.

Tags are plain ints in the order they appear on the wire (``0x7F49``, ``0xBFA101``), so code can
quote PROTOCOL.md byte for byte. Decoding is one level at a time because the card mixes
constructed and primitive objects freely and only the caller knows which one it expects.

Everything decoded here comes from outside (a card answer, or a terminal's command when the
virtual card parses it), so a malformed object is a :class:`TlvError`, never an ``IndexError``.
It is a :class:`ProtocolError` defined here rather than in :mod:`kiosk.cie.errors` because the
virtual card may import this module but not the terminal's errors (DESIGN.md §2).

Indefinite lengths (``80``) are refused: they are not BER-TLV in 7816-4, and the ``A3 80`` that
ends some GET DATA header lists is a header without a value, not an object.
"""

from __future__ import annotations

from kiosk.cie.errors import ProtocolError

_MAX_LENGTH = 0xFFFF


class TlvError(ProtocolError):
    """Bytes that are not well-formed BER-TLV."""


def encode(tag: int, value: bytes) -> bytes:
    """One TLV object; ``tag`` is written big-endian in as many bytes as it needs."""
    if tag <= 0:
        raise ValueError("tag must be positive")
    size = len(value)
    if size < 0x80:
        length = bytes((size,))
    elif size <= 0xFF:
        length = bytes((0x81, size))
    elif size <= _MAX_LENGTH:
        length = b"\x82" + size.to_bytes(2, "big")
    else:
        raise ValueError("value longer than a 82-form length can carry")
    return tag.to_bytes((tag.bit_length() + 7) // 8, "big") + length + value


def decode(data: bytes) -> list[tuple[int, bytes]]:
    """The objects at the top level of ``data``, in order, as ``(tag, value)`` pairs."""
    out: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(data):
        tag, pos = _read_tag(data, pos)
        size, pos = _read_length(data, pos)
        if pos + size > len(data):
            raise TlvError(f"TLV {tag:X} announces {size} bytes, {len(data) - pos} follow")
        out.append((tag, bytes(data[pos : pos + size])))
        pos += size
    return out


def find(data: bytes, *path: int) -> bytes | None:
    """The value at ``path`` (the first match at each level), or None when a tag is missing.

    ``find(answer, 0x70, 0xBFA101, 0xA3, 0x97)`` descends through the three templates to g.
    """
    value = data
    for tag in path:
        found = next((v for t, v in decode(value) if t == tag), None)
        if found is None:
            return None
        value = found
    return value


def _read_tag(data: bytes, pos: int) -> tuple[int, int]:
    tag = data[pos]
    pos += 1
    if tag & 0x1F == 0x1F:
        while True:
            if pos >= len(data):
                raise TlvError("TLV tag cut short")
            byte = data[pos]
            tag = tag << 8 | byte
            pos += 1
            if not byte & 0x80:
                break
            if tag > 0xFFFFFF:
                raise TlvError("TLV tag longer than 3 bytes")
    return tag, pos


def _read_length(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise TlvError("TLV length missing")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    count = first & 0x7F
    if not 1 <= count <= 2:
        raise TlvError(f"TLV length form {first:02X} not supported")
    if pos + count > len(data):
        raise TlvError("TLV length cut short")
    return int.from_bytes(data[pos : pos + count], "big"), pos + count
