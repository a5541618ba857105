"""The host's framing against the shared vectors (the firmware's is held to the same file)."""

from __future__ import annotations

from typing import Any

import pytest
from cobs import cobs

from kiosk.hardware.frontpanel.framing import MAX_PAYLOAD, Corrupt, Deframer, Packet, crc16, encode
from kiosk.hardware.frontpanel.messages import parse
from tests.hardware.frontpanel.micropython import vectors

VECTORS = vectors()


def named(section: str) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("case", VECTORS[section],
                                   ids=[case["name"] for case in VECTORS[section]])


@pytest.mark.parametrize("case", VECTORS["crc16"], ids=lambda case: case["data"][:18] or "empty")
def test_crc16_reference_values(case: dict[str, str]) -> None:
    assert crc16(bytes.fromhex(case["data"])) == int(case["crc"], 16)


@pytest.mark.parametrize("case", VECTORS["cobs"], ids=lambda case: case["decoded"][:12])
def test_the_cobs_library_agrees_with_the_reference_examples(case: dict[str, str]) -> None:
    assert cobs.encode(bytes.fromhex(case["decoded"])).hex() == case["encoded"]


@named("frames")
def test_frame_decodes_and_encodes_back(case: dict[str, Any]) -> None:
    wire = bytes.fromhex(case["wire"])
    (packet,) = Deframer().feed(wire)
    assert isinstance(packet, Packet) and packet.seq == case["seq"]
    assert case["message"] == parse(packet.type, packet.payload).NAME
    assert encode(packet) == wire


@named("corrupt")
def test_corrupt_frame_is_named_with_what_could_be_read(case: dict[str, Any]) -> None:
    assert Deframer().feed(bytes.fromhex(case["wire"])) == [
        Corrupt(case["error"], case["type"], case["seq"])]


def test_a_stream_fed_a_byte_at_a_time_gives_every_frame_and_every_corruption() -> None:
    cases = VECTORS["frames"] + VECTORS["corrupt"]
    deframer = Deframer()
    out: list[Packet | Corrupt] = []
    for byte in b"".join(bytes.fromhex(case["wire"]) for case in cases):
        out += deframer.feed(bytes((byte,)))
    assert [isinstance(item, Corrupt) for item in out] == [
        "error" in case for case in cases]


def test_empty_frames_between_delimiters_are_skipped() -> None:
    hello = bytes.fromhex(VECTORS["frames"][0]["wire"])
    assert len(Deframer().feed(b"\x00\x00" + hello + b"\x00")) == 1


def test_a_packet_refuses_a_payload_no_board_could_hold() -> None:
    with pytest.raises(ValueError, match="at most"):
        Packet(0x10, 1, bytes(MAX_PAYLOAD + 1))
