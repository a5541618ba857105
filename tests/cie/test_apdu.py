from __future__ import annotations

import pytest

from kiosk.cie.apdu import Command, Response, get_response, with_short_le
from kiosk.cie.errors import ProtocolError


@pytest.mark.parametrize(
    ("command", "encoded"),
    [
        (Command(0x00, 0xA4, 0x00, 0x00), "00A40000"),
        (Command(0x00, 0xB0, 0x81, 0x00, le=12), "00B081000C"),
        (Command(0x00, 0xB0, 0x00, 0x00, le=256), "00B0000000"),
        (Command(0x00, 0xA4, 0x04, 0x0C, bytes.fromhex("A00000000039")), "00A4040C06A00000000039"),
        (Command(0x00, 0x88, 0x00, 0x00, b"\x01\x02", le=256), "008800000201020" + "0"),
        (Command(0x10, 0x86, 0x00, 0x00, le=65536), "1086000000" + "0000"),
        (Command(0x00, 0xB0, 0x00, 0x00, le=300), "00B00000" + "00012C"),
        (Command(0x00, 0x86, 0x00, 0x00, bytes(300)), "00860000" + "00012C" + "00" * 300),
        (Command(0x00, 0x86, 0x00, 0x00, bytes(300), le=65536),
         "00860000" + "00012C" + "00" * 300 + "0000"),
    ],
)
def test_encoding(command: Command, encoded: str) -> None:
    assert command.encode() == bytes.fromhex(encoded)


def test_describe_never_shows_data() -> None:
    verify = Command(0x00, 0x20, 0x00, 0x81, b"12345678")
    assert verify.describe() == "00 20 00 81"
    assert "1234" not in verify.describe()


@pytest.mark.parametrize("bad", [{"cla": 256}, {"le": 0}, {"le": 65537}, {"data": bytes(65536)}])
def test_invalid_commands_are_refused_when_built(bad: dict[str, object]) -> None:
    fields: dict[str, object] = {"cla": 0, "ins": 0xB0, "p1": 0, "p2": 0, **bad}
    with pytest.raises(ValueError):
        Command(**fields)  # type: ignore[arg-type]


def test_response_parse() -> None:
    answer = Response.parse(bytes.fromhex("0102 6282"))
    assert (answer.data, answer.sw, answer.sw1, answer.sw2, answer.ok) == (b"\1\2", 0x6282, 0x62,
                                                                            0x82, False)
    with pytest.raises(ProtocolError):
        Response.parse(b"\x90")


def test_get_response_and_le_correction() -> None:
    assert get_response(0x00) == bytes.fromhex("00C0000000")
    assert with_short_le(bytes.fromhex("00B0000020"), 0x0C) == bytes.fromhex("00B000000C")
    assert with_short_le(bytes.fromhex("00880000020102 00"), 0x10) == bytes.fromhex(
        "0088000002010210")
    assert with_short_le(bytes.fromhex("00A4040C02AABB"), 0x10) is None  # no Le to correct
    assert with_short_le(bytes.fromhex("00A40000"), 0x10) is None


def test_is_extended() -> None:
    from kiosk.cie.apdu import is_extended

    assert is_extended(Command(0x10, 0x86, 0, 0, bytes(300), le=65536).encode())
    assert is_extended(Command(0x00, 0xB0, 0, 0, le=300).encode())
    assert not is_extended(Command(0x00, 0xB0, 0, 0, le=256).encode())
    assert not is_extended(bytes.fromhex("00A4040C00"))  # case 2, Le 00: short
