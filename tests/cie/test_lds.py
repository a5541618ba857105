"""Exact reads of LDS files: the outer object's length decides where reading stops."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kiosk.cie.apdu import Command, Response
from kiosk.cie.errors import DataGroupMalformed, ProtocolError
from kiosk.cie.flow import drive
from kiosk.cie.lds import data_group_fid, object_length, read_file


@pytest.mark.parametrize(
    ("head", "length"),
    [
        (bytes.fromhex("6105"), 7),
        (bytes.fromhex("7581FF"), 258),
        (bytes.fromhex("75822710"), 10004),
        (bytes.fromhex("7F6182010002"), 261),
        (bytes.fromhex("61"), None),
        (bytes.fromhex("7581"), None),
        (bytes.fromhex("7F"), None),
        (bytes.fromhex("7584000000FF"), None),
        (b"", None),
    ],
)
def test_object_length(head: bytes, length: int | None) -> None:
    assert object_length(head) == length


def test_data_group_fid() -> None:
    assert data_group_fid("0B") == bytes.fromhex("010B")


def serving(content: bytes, cap: int = 0xFFFF) -> tuple[list[Command], Callable[..., Response]]:
    sent: list[Command] = []

    def exchange(command: Command) -> Response:
        sent.append(command)
        if command.ins == 0xA4:
            return Response(b"", 0x9000)
        offset = command.p1 << 8 | command.p2
        assert command.le is not None
        chunk = content[offset : offset + min(command.le, cap)]
        return Response(chunk, 0x9000 if chunk else 0x6B00)

    return sent, exchange


def test_reads_exactly_to_the_end_and_drops_padding() -> None:
    content = bytes.fromhex("7581F0") + bytes(range(0xF0))
    sent, exchange = serving(content + b"\xff" * 40)
    assert drive(read_file(bytes.fromhex("0102"), 0xE7), exchange) == content
    assert [(c.p1 << 8 | c.p2, c.le) for c in sent[1:]] == [(0, 0xE7), (0xE7, 0xF3 - 0xE7)]


def test_a_card_giving_less_than_asked_is_read_on() -> None:
    content = bytes.fromhex("6110") + bytes(16)
    _, exchange = serving(content, cap=5)
    assert drive(read_file(bytes.fromhex("0101"), 0xE7), exchange) == content


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (bytes.fromhex("6120") + bytes(4), ProtocolError),  # shorter than announced
        (bytes.fromhex("FFFFFFFFFFFFFFFFFF"), DataGroupMalformed),  # never a tag and length
        (bytes.fromhex("75830100000000"), DataGroupMalformed),  # longer than offsets reach
    ],
)
def test_broken_files(content: bytes, error: type[Exception]) -> None:
    _, exchange = serving(content)
    with pytest.raises(error):
        drive(read_file(bytes.fromhex("0101"), 0xE7), exchange)


def test_refused_select_keeps_the_status_word() -> None:
    with pytest.raises(ProtocolError) as caught:
        drive(read_file(bytes.fromhex("010C"), 0xE7), lambda command: Response(b"", 0x6A82))
    assert caught.value.sw == 0x6A82
