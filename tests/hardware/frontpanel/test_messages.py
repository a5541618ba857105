"""The host's messages against the fields of the shared vectors, and their range checks."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

import pytest

from kiosk.hardware.frontpanel.errors import BadPayload
from kiosk.hardware.frontpanel.framing import Deframer, Packet
from kiosk.hardware.frontpanel.messages import (
    BY_TYPE,
    REQUESTS,
    Buzz,
    Message,
    NakCode,
    WatchdogStart,
    parse,
)
from tests.hardware.frontpanel.micropython import vectors

VECTORS = vectors()


def fields(message: Message) -> dict[str, Any]:
    """A message's fields as vectors.json writes them: enums by name, the status nested."""
    def named(items: list[tuple[str, Any]]) -> dict[str, Any]:
        return {key: value.name if isinstance(value, enum.Enum) else value
                for key, value in items}
    return dataclasses.asdict(message, dict_factory=named)


def packet(wire: str) -> Packet:
    (item,) = Deframer().feed(bytes.fromhex(wire))
    assert isinstance(item, Packet)
    return item


@pytest.mark.parametrize("case", VECTORS["frames"], ids=lambda case: case["name"])
def test_frame_holds_the_fields_of_the_vector(case: dict[str, Any]) -> None:
    item = packet(case["wire"])
    message = parse(item.type, item.payload)
    assert (message.NAME, fields(message)) == (case["message"], case["fields"])
    assert message.payload() == item.payload


def test_every_message_type_has_a_vector() -> None:
    assert {case["message"] for case in VECTORS["frames"]} == {
        cls.NAME for cls in BY_TYPE.values()}


@pytest.mark.parametrize("case", VECTORS["rejected"], ids=lambda case: case["name"])
def test_rejected_request_fails_to_parse_for_the_reason_the_board_gives(
        case: dict[str, Any]) -> None:
    item = packet(case["wire"])
    if case["nak"] == NakCode.UNKNOWN_TYPE.name:
        assert item.type not in {cls.TYPE for cls in REQUESTS}
    else:
        with pytest.raises(BadPayload):
            parse(item.type, item.payload)


@pytest.mark.parametrize(("build", "problem"), [
    (lambda: Buzz(5001), "duration_ms 5001 outside 0..5000"),
    (lambda: WatchdogStart(49, 3), "interval_ms 49 outside 50..60000"),
    (lambda: WatchdogStart(1000, 0), "misses 0 outside 1..255"),
])
def test_a_message_out_of_range_fails_where_it_is_built(build: Any, problem: str) -> None:
    with pytest.raises(BadPayload, match=problem):
        build()
