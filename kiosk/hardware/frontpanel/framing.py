"""Frames of the front-panel link: a packet with a CRC, COBS-stuffed, ended by a zero byte.

Sans-IO in the manner of h11: :func:`encode` turns a :class:`Packet` into the bytes for the
wire, and a :class:`Deframer` is fed whatever bytes arrived and hands back packets, or a
:class:`Corrupt` value for a frame that could not be trusted; it never reads or writes.

The COBS and the CRC come from libraries (``cobs`` and the standard library's
``binascii.crc_hqx``, which with an initial value of 0xFFFF is CRC-16/CCITT-FALSE), while the
firmware carries its own hand-written ones: two implementations held to one file of vectors,
so that a mistake cannot hide by being made the same way on both ends. The layout is in
docs/frontpanel-protocol.md.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass

from cobs import cobs

HEADER = 3  # type, sequence number, payload length
CRC_SIZE = 2
MAX_PAYLOAD = 32
MAX_PACKET = HEADER + MAX_PAYLOAD + CRC_SIZE
# COBS adds one byte per 254 and never more than that to a packet this short.
MAX_STUFFED = MAX_PACKET + 1
DELIMITER = b"\x00"


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, not reflected, no final XOR)."""
    return binascii.crc_hqx(data, 0xFFFF)


@dataclass(frozen=True, slots=True)
class Packet:
    """One message as framed: its type code, sequence number and raw payload."""

    type: int
    seq: int
    payload: bytes = b""

    def __post_init__(self) -> None:
        if not (0 <= self.type <= 0xFF and 0 <= self.seq <= 0xFF):
            raise ValueError(f"type and seq are bytes: {self.type}, {self.seq}")
        if len(self.payload) > MAX_PAYLOAD:
            raise ValueError(f"payload of {len(self.payload)} bytes; at most {MAX_PAYLOAD}")


@dataclass(frozen=True, slots=True)
class Corrupt:
    """A frame that arrived damaged. ``reason`` is the NAK the board answers for it
    (``BAD_FRAME`` or ``BAD_CRC``); ``type`` and ``seq`` are the bytes where they stood, as
    received (0 when the frame was too short to have them), so they too may be wrong."""

    reason: str
    type: int = 0
    seq: int = 0


def encode(packet: Packet) -> bytes:
    body = bytes((packet.type, packet.seq, len(packet.payload))) + packet.payload
    stuffed: bytes = cobs.encode(body + crc16(body).to_bytes(2, "big"))
    return stuffed + DELIMITER


def decode(frame: bytes) -> Packet | Corrupt:
    """The packet in one stuffed frame, without its delimiter."""
    try:
        raw: bytes = cobs.decode(frame)
    except cobs.DecodeError:
        return Corrupt("BAD_FRAME")
    if len(raw) < HEADER + CRC_SIZE or raw[2] != len(raw) - HEADER - CRC_SIZE:
        return Corrupt("BAD_FRAME", *raw[:2])
    if crc16(raw[:-CRC_SIZE]) != int.from_bytes(raw[-CRC_SIZE:], "big"):
        return Corrupt("BAD_CRC", raw[0], raw[1])
    return Packet(raw[0], raw[1], raw[HEADER:-CRC_SIZE])


class Deframer:
    """Cuts a byte stream at its zero bytes. Empty frames (two zeros in a row, as a sender
    writes to flush line noise) are skipped; a run longer than any valid frame is dropped
    as it grows, so garbage without a zero cannot fill memory, and reported once."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._overlong = False

    def feed(self, data: bytes) -> list[Packet | Corrupt]:
        out: list[Packet | Corrupt] = []
        *complete, tail = data.split(DELIMITER)
        for chunk in complete:
            out.extend(self._end(chunk))
        self._append(tail)
        return out

    def _end(self, chunk: bytes) -> list[Packet | Corrupt]:
        self._append(chunk)
        frame, overlong = bytes(self._buffer), self._overlong
        self._buffer.clear()
        self._overlong = False
        if overlong:
            return [Corrupt("BAD_FRAME")]
        return [decode(frame)] if frame else []

    def _append(self, chunk: bytes) -> None:
        if self._overlong:
            return
        self._buffer += chunk
        if len(self._buffer) > MAX_STUFFED:
            self._buffer.clear()
            self._overlong = True
