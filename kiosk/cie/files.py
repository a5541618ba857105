"""Selecting applications and files and reading transparent EFs, in plain (unprotected) mode.

The read loop follows the official middleware (PROTOCOL.md §2.2, "Reads"): read in chunks at
growing offsets and stop at ``6282`` (end reached inside the chunk, data kept), at ``6B00``
(offset at or past the end) or at a short chunk.
"""

from __future__ import annotations

from kiosk.cie.apdu import (
    INS_READ_BINARY,
    INS_SELECT,
    SW_END_OF_FILE,
    SW_OFFSET_BEYOND_EOF,
    Command,
)
from kiosk.cie.errors import ProtocolError
from kiosk.cie.flow import Flow

# P1P2 offsets are 15 bits wide: nothing can be read past this, whatever a card claims.
MAX_OFFSET = 0x7FFF
PLAIN_CHUNK = 0xE7


def select_mf() -> Command:
    """``00 A4 00 00``: the MF form the Linux middleware uses to enter IAS on NXP-like chips."""
    return Command(0x00, INS_SELECT, 0x00, 0x00)


def select_aid(aid: bytes) -> Command:
    return Command(0x00, INS_SELECT, 0x04, 0x0C, aid)


def select_ef(fid: bytes) -> Command:
    return Command(0x00, INS_SELECT, 0x02, 0x0C, fid)


def select_mf_by_fid() -> Command:
    return Command(0x00, INS_SELECT, 0x00, 0x0C, b"\x3f\x00")


def read_binary(offset: int, le: int) -> Command:
    return Command(0x00, INS_READ_BINARY, offset >> 8, offset & 0xFF, le=le)


def read_binary_sfi(sfi: int, le: int) -> Command:
    """READ BINARY of the first bytes of the EF with short identifier ``sfi``, which it selects."""
    return Command(0x00, INS_READ_BINARY, 0x80 | sfi, 0x00, le=le)


def read_current_ef(first: Command | None = None, chunk: int = PLAIN_CHUNK) -> Flow[bytes]:
    """Read the whole current EF. ``first`` may replace the first read (e.g. by SFI)."""
    data = bytearray()
    command = first or read_binary(0, chunk)
    while True:
        want = command.le or 0
        answer = yield command
        if answer.sw == SW_OFFSET_BEYOND_EOF:
            return bytes(data)
        if answer.sw not in (0x9000, SW_END_OF_FILE):
            raise ProtocolError(f"READ BINARY at offset {len(data)} refused", answer.sw)
        data += answer.data
        if answer.sw == SW_END_OF_FILE or len(answer.data) < want:
            return bytes(data)
        if len(data) > MAX_OFFSET:
            raise ProtocolError("file longer than READ BINARY offsets can address")
        command = read_binary(len(data), chunk)


def read_ef(fid: bytes, chunk: int = PLAIN_CHUNK) -> Flow[bytes]:
    """Select the EF ``fid`` under the current DF and read it whole."""
    answer = yield select_ef(fid)
    if not answer.ok:
        raise ProtocolError(f"SELECT EF {fid.hex().upper()} refused", answer.sw)
    return (yield from read_current_ef(chunk=chunk))
