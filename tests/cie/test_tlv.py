"""BER-TLV: encode/decode round trips, nested look-ups, and malformed input as TlvError."""

from __future__ import annotations

import contextlib

import pytest

from kiosk.cie import tlv
from kiosk.cie.errors import ProtocolError
from kiosk.cie.tlv import TlvError


@pytest.mark.parametrize(
    ("tag", "value", "encoded"),
    [
        (0x97, b"", "9700"),
        (0x87, b"\x01" * 0x7F, "877F" + "01" * 0x7F),
        (0x87, b"\x01" * 0x80, "878180" + "01" * 0x80),
        (0x87, b"\x01" * 0xFF, "8781FF" + "01" * 0xFF),
        (0x91, b"\x02" * 0x100, "91820100" + "02" * 0x100),
        (0x7F49, b"\x81\x00", "7F49028100"),
        (0x5F20, b"AB", "5F20024142"),
        (0xBFA001, b"", "BFA00100"),
    ],
)
def test_encode_and_decode(tag: int, value: bytes, encoded: str) -> None:
    raw = bytes.fromhex(encoded)
    assert tlv.encode(tag, value) == raw
    assert tlv.decode(raw) == [(tag, value)]


def test_encode_refuses_what_cannot_be_written() -> None:
    with pytest.raises(ValueError, match="positive"):
        tlv.encode(0, b"")
    with pytest.raises(ValueError, match="longer"):
        tlv.encode(0x87, bytes(0x10000))


def test_decode_keeps_order() -> None:
    raw = bytes.fromhex("870301AABB990290008E081122334455667788")
    assert tlv.decode(raw) == [
        (0x87, bytes.fromhex("01AABB")),
        (0x99, bytes.fromhex("9000")),
        (0x8E, bytes.fromhex("1122334455667788")),
    ]
    assert tlv.decode(b"") == []


def test_find_descends_nested_templates() -> None:
    g, p = b"\x02", b"\xff" * 200
    answer = tlv.encode(
        0x70, tlv.encode(0xBFA101, tlv.encode(0xA3, tlv.encode(0x97, g) + tlv.encode(0x98, p)))
    )
    assert tlv.find(answer, 0x70, 0xBFA101, 0xA3, 0x97) == g
    assert tlv.find(answer, 0x70, 0xBFA101, 0xA3, 0x98) == p
    assert tlv.find(answer, 0x70, 0xBFA101, 0xA3, 0x99) is None
    assert tlv.find(answer, 0x70, 0xBFA004) is None
    assert tlv.find(answer) == answer


@pytest.mark.parametrize(
    "malformed",
    [
        "87",  # no length
        "8705010203",  # value cut short
        "7F",  # multi-byte tag cut short
        "7F49",  # no length after a two-byte tag
        "BFA1A1A101",  # tag longer than three bytes
        "8781",  # long length cut short
        "878200",  # long length cut short
        "8780",  # indefinite length
        "878300000100",  # three-byte length
        "8781FF00",  # long length longer than the data
        "97005F",  # good object, then a bad one
    ],
)
def test_malformed_input_is_a_protocol_error(malformed: str) -> None:
    with pytest.raises(TlvError) as caught:
        tlv.decode(bytes.fromhex(malformed))
    assert isinstance(caught.value, ProtocolError)
    assert caught.value.code == "PROTOCOL_ERROR"


def test_find_reports_malformed_templates() -> None:
    with pytest.raises(TlvError):
        tlv.find(bytes.fromhex("7003970501"), 0x70, 0x97)


def test_truncating_any_object_never_crashes() -> None:
    raw = tlv.encode(0x7F49, tlv.encode(0x81, bytes(300)) + tlv.encode(0x5F20, b"CHR"))
    for cut in range(1, len(raw)):
        with contextlib.suppress(TlvError):
            tlv.find(raw[:cut], 0x7F49, 0x5F20)
