# The board's framing: CRC-16/CCITT-FALSE, COBS and the cutting of the byte stream.
#
# Written here by hand, apart from the host's (which uses the `cobs` package and
# binascii.crc_hqx), so that the two ends are two implementations held to one file of
# vectors. Sans-IO: bytes in, frames out; the UART is board.py's business.
from micropython import const

MAX_PAYLOAD = const(32)
MIN_PACKET = const(5)  # type, seq, length, CRC high, CRC low
MAX_STUFFED = const(38)  # the longest packet (37 bytes) plus COBS's one code byte
_POLY = const(0x1021)

# What unframe() answers besides a good packet: the NAK codes of the protocol.
BAD_FRAME = const(1)
BAD_CRC = const(2)


def crc16(data):
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ _POLY) if crc & 0x8000 else crc << 1
        crc &= 0xFFFF
    return crc


def stuff(data):
    """COBS: the bytes without a zero; a block of 254 non-zero bytes ends without a
    code byte after it unless more data follows (Cheshire and Baker)."""
    out = bytearray(1)
    code_at = 0
    for byte in data:
        if byte == 0:
            out[code_at] = len(out) - code_at
            code_at = len(out)
            out.append(0)
            continue
        if len(out) - code_at == 0xFF:
            out[code_at] = 0xFF
            code_at = len(out)
            out.append(0)
        out.append(byte)
    out[code_at] = len(out) - code_at
    return bytes(out)


def unstuff(data):
    """The bytes COBS stuffed; ValueError when a code byte points past the end."""
    out = bytearray()
    i = 0
    while i < len(data):
        code = data[i]
        if code == 0 or i + code > len(data):
            raise ValueError("not COBS")
        out += data[i + 1:i + code]
        i += code
        if code < 0xFF and i < len(data):
            out.append(0)
    return bytes(out)


def frame(type_, seq, payload=b""):
    """The bytes on the wire for one packet, with the delimiter."""
    body = bytes((type_, seq, len(payload))) + payload
    crc = crc16(body)
    return stuff(body + bytes((crc >> 8, crc & 0xFF))) + b"\x00"


def unframe(stuffed):
    """(problem, type, seq, payload) of one frame without its delimiter: problem is 0 for
    a good packet, else BAD_FRAME or BAD_CRC, with type and seq as far as they were read."""
    try:
        raw = unstuff(stuffed)
    except ValueError:
        return BAD_FRAME, 0, 0, b""
    type_ = raw[0] if raw else 0
    seq = raw[1] if len(raw) > 1 else 0
    if len(raw) < MIN_PACKET or raw[2] != len(raw) - MIN_PACKET:
        return BAD_FRAME, type_, seq, b""
    if crc16(raw[:-2]) != (raw[-2] << 8) | raw[-1]:
        return BAD_CRC, type_, seq, b""
    return 0, type_, seq, raw[3:-2]


class Deframer:
    """Cuts the stream at its zero bytes. feed() returns the complete frames, None standing
    for a run longer than any frame (dropped as it grows, so noise cannot fill the RAM);
    empty frames, two zeros in a row, are skipped."""

    def __init__(self):
        self._buffer = bytearray()
        self._overlong = False

    def feed(self, data):
        frames = []
        for byte in data:
            if byte == 0:
                if self._overlong:
                    frames.append(None)
                elif self._buffer:
                    frames.append(bytes(self._buffer))
                self._buffer = bytearray()
                self._overlong = False
            elif not self._overlong:
                self._buffer.append(byte)
                if len(self._buffer) > MAX_STUFFED:
                    self._buffer = bytearray()
                    self._overlong = True
        return frames
