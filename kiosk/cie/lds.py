"""Reading an LDS file (EF.COM, a data group, EF.SOD) exactly to the end of its outer object.

ICAO files are single BER-TLV objects, so the first chunk tells the file's length and the rest
is read at exact offsets, as JMRTD does, instead of reading until the card reports the end: an
ICAO chip may answer a read past the end with an unprotected ``6B00``, which secure messaging
cannot tell from a forged answer. It also keeps trailing allocation bytes out of the hashes
that passive authentication compares.
"""

from __future__ import annotations

from kiosk.cie.apdu import SW_END_OF_FILE
from kiosk.cie.errors import DataGroupMalformed, ProtocolError
from kiosk.cie.files import MAX_OFFSET, read_binary, select_ef
from kiosk.cie.flow import Flow

# PROTOCOL.md §1.5: the files of the eMRTD application; data groups are 01xx with xx their number.
EF_COM = bytes.fromhex("011E")
EF_SOD = bytes.fromhex("011D")
# The most a protected answer carries with short APDUs (PROTOCOL.md §4.2 step 11).
SM_CHUNK = 0xE7


def data_group_fid(number: str) -> bytes:
    """The FID of the data group with SOD number ``number`` (``"0B"`` → ``010B``)."""
    return bytes.fromhex("01" + number)


def object_length(head: bytes) -> int | None:
    """The total length of the BER-TLV object that starts ``head``; None if ``head`` is short."""
    pos = 1
    if head[:1] and head[0] & 0x1F == 0x1F:  # a multi-byte tag: continuation bytes have b8 set
        while pos < len(head) and head[pos] & 0x80:
            pos += 1
        pos += 1
    if pos >= len(head):
        return None
    first = head[pos]
    if first < 0x80:
        return pos + 1 + first
    count = first & 0x7F
    if not 1 <= count <= 3 or pos + 1 + count > len(head):
        return None
    return pos + 1 + count + int.from_bytes(head[pos + 1 : pos + 1 + count], "big")


def read_file(fid: bytes, chunk: int) -> Flow[bytes]:
    """Select the EF ``fid`` in the current application and read its outer object whole."""
    answer = yield select_ef(fid)
    if not answer.ok:
        raise ProtocolError(f"SELECT EF {fid.hex().upper()} refused", answer.sw)
    data = bytearray()
    total: int | None = None
    while total is None or len(data) < total:
        want = chunk if total is None else min(chunk, total - len(data))
        answer = yield read_binary(len(data), want)
        if answer.sw not in (0x9000, SW_END_OF_FILE):
            raise ProtocolError(f"READ BINARY at offset {len(data)} refused", answer.sw)
        if not answer.data:
            raise ProtocolError(f"READ BINARY at offset {len(data)} gave no data")
        data += answer.data
        total = object_length(bytes(data[:8]))
        if total is None and len(data) >= 8:
            raise DataGroupMalformed(f"EF {fid.hex().upper()} does not start with a BER-TLV")
        if total is not None and total > MAX_OFFSET + chunk:
            raise DataGroupMalformed(f"EF {fid.hex().upper()} announces an impossible length")
    return bytes(data[:total])
