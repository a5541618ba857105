"""The data groups a kiosk reads from the eMRTD application, and EF.COM (PROTOCOL.md §4.4).

Each parser takes the whole file as read from the card and returns plain values; anything that
does not have the expected shape is :class:`DataGroupMalformed`. DG11 and DG12 are parsed by
tag, not by position: the Italian SDK's fixed order is not guaranteed on every card, so missing
tags become None and unknown ones are skipped. Their text is UTF-8 (ICAO 9303-10); a
card that wrote Latin-1 is decoded as Latin-1 rather than refused, since both are readable.
Fields that ICAO splits with ``<`` (place of birth, address) are returned as tuples of parts.

DG2 is an ISO/IEC 19794-5 facial record inside the biometric templates; only the image is
extracted (JPEG 2000 on the CIE, JPEG or raw J2C on other documents). Decoding it is left to the
UI, which has Pillow; this package only checks the image's signature.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from kiosk.cie import tlv
from kiosk.cie.errors import DataGroupMalformed
from kiosk.cie.lds import object_length
from kiosk.cie.mrz import Td1, parse_td1

TAG_COM, TAG_DG1, TAG_DG2, TAG_DG11, TAG_DG12, TAG_DG14 = 0x60, 0x61, 0x75, 0x6B, 0x6C, 0x6E
# The SOD's data-group numbers ("01", "0B" as in kiosk.cie.sod) of the tags EF.COM lists.
SOD_NUMBERS = {0x61: "01", 0x75: "02", 0x63: "03", 0x6B: "0B", 0x6C: "0C", 0x6E: "0E", 0x6F: "0F"}


def outer_value(data: bytes, tag: int, what: str) -> bytes:
    """The value of the file's single top-level object ``tag``; trailing bytes are ignored."""
    try:
        objects = tlv.decode(_first_object(data))
    except tlv.TlvError as exc:
        raise DataGroupMalformed(f"{what} is not BER-TLV: {exc}") from None
    if not objects or objects[0][0] != tag:
        raise DataGroupMalformed(f"{what} does not start with tag {tag:X}")
    return objects[0][1]


def _first_object(data: bytes) -> bytes:
    length = object_length(data)
    if length is None or length > len(data):
        raise DataGroupMalformed("the file is shorter than its outer object announces")
    return bytes(data[:length])


def listed_data_groups(ef_com: bytes) -> list[str]:
    """The SOD numbers (``"01"``, ``"0B"``…) of the data groups EF.COM lists (tag ``5C``)."""
    tags = _children(outer_value(ef_com, TAG_COM, "EF.COM"), "EF.COM").get(0x5C, b"")
    return [SOD_NUMBERS[tag] for tag in tags if tag in SOD_NUMBERS]


def parse_dg1(data: bytes) -> Td1:
    """DG1: the MRZ (tag ``5F1F``), which must be a TD1 with valid check digits."""
    mrz = _children(outer_value(data, TAG_DG1, "DG1"), "DG1").get(0x5F1F)
    if mrz is None:
        raise DataGroupMalformed("DG1 holds no MRZ")
    return parse_td1(mrz.decode("ascii", "replace"))


@dataclass(frozen=True, slots=True)
class PersonalDetails:
    """DG11. ``personal_number`` is the codice fiscale on a CIE."""

    surname: str | None
    given_names: str | None
    personal_number: str | None
    full_date_of_birth: str | None  # YYYYMMDD as written
    place_of_birth: tuple[str, ...]
    address: tuple[str, ...]

    @property
    def full_name(self) -> str | None:
        names = [part for part in (self.surname, self.given_names) if part]
        return " ".join(names) or None


def parse_dg11(data: bytes) -> PersonalDetails:
    fields = _children(outer_value(data, TAG_DG11, "DG11"), "DG11")
    name = _text(fields.get(0x5F0E))
    surname, _, given = (name or "").partition("<<")
    return PersonalDetails(
        surname=_words(surname) or None,
        given_names=_words(given) or None,
        personal_number=_text(fields.get(0x5F10)),
        full_date_of_birth=_text(fields.get(0x5F2B)),
        place_of_birth=_parts(fields.get(0x5F11)),
        address=_parts(fields.get(0x5F42)),
    )


@dataclass(frozen=True, slots=True)
class DocumentDetails:
    """DG12."""

    issuing_authority: str | None
    date_of_issue: str | None  # YYYYMMDD as written


def parse_dg12(data: bytes) -> DocumentDetails:
    fields = _children(outer_value(data, TAG_DG12, "DG12"), "DG12")
    return DocumentDetails(
        issuing_authority=_text(fields.get(0x5F19)), date_of_issue=_text(fields.get(0x5F26))
    )


class ImageFormat(enum.Enum):
    JP2 = "jp2"  # JPEG 2000 file format (boxes)
    J2K = "j2k"  # raw JPEG 2000 codestream
    JPEG = "jpeg"


_SIGNATURES = (
    (bytes.fromhex("0000000C6A5020200D0A870A"), ImageFormat.JP2),
    (bytes.fromhex("FF4FFF51"), ImageFormat.J2K),
    (bytes.fromhex("FFD8FF"), ImageFormat.JPEG),
)


@dataclass(frozen=True, slots=True)
class FaceImage:
    """DG2's first face: the encoded image and its format."""

    format: ImageFormat
    data: bytes


# ISO/IEC 19794-5:2005 §5.4-5.7: record header, facial information, feature point, image info.
_RECORD_HEADER = 14
_FACIAL_INFORMATION = 20
_FEATURE_POINT = 8
_IMAGE_INFORMATION = 12


def parse_dg2(data: bytes) -> FaceImage:
    """The first face image of DG2: 7F61 → 7F60 → 5F2E (or 7F2E) → ISO 19794-5 record."""
    try:
        group = tlv.find(outer_value(data, TAG_DG2, "DG2"), 0x7F61) or b""
        instance = tlv.find(group, 0x7F60) or b""
        block = tlv.find(instance, 0x5F2E) or tlv.find(instance, 0x7F2E)
    except tlv.TlvError as exc:
        raise DataGroupMalformed(f"DG2 templates are not BER-TLV: {exc}") from None
    if not block:
        raise DataGroupMalformed("DG2 holds no biometric data block")
    image = _facial_image(block) if block.startswith(b"FAC\x00") else _scan(block)
    for signature, kind in _SIGNATURES:
        if image.startswith(signature):
            return FaceImage(kind, image)
    raise DataGroupMalformed("DG2's image is neither JPEG 2000 nor JPEG")


def _facial_image(record: bytes) -> bytes:
    """The image data of the first facial record block of an ISO 19794-5 record."""
    start = _RECORD_HEADER
    if len(record) < start + _FACIAL_INFORMATION:
        raise DataGroupMalformed("DG2's facial record is cut short")
    block_length = int.from_bytes(record[start : start + 4], "big")
    points = int.from_bytes(record[start + 4 : start + 6], "big")
    image_start = start + _FACIAL_INFORMATION + points * _FEATURE_POINT + _IMAGE_INFORMATION
    end = start + block_length
    if not image_start < end <= len(record):
        raise DataGroupMalformed("DG2's facial record block has an impossible length")
    return record[image_start:end]


def _scan(block: bytes) -> bytes:
    """The image in a block of another format (ISO 39794-5 in 7F2E): from its first signature."""
    found = [block.find(signature) for signature, _ in _SIGNATURES]
    starts = [index for index in found if index >= 0]
    if not starts:
        raise DataGroupMalformed("DG2's biometric data block holds no known image")
    return block[min(starts) :]


def _children(value: bytes, what: str) -> dict[int, bytes]:
    """The first value of each tag at the top level of ``value``."""
    try:
        objects = tlv.decode(value)
    except tlv.TlvError as exc:
        raise DataGroupMalformed(f"{what} content is not BER-TLV: {exc}") from None
    out: dict[int, bytes] = {}
    for tag, child in objects:
        out.setdefault(tag, child)
    return out


def _text(value: bytes | None) -> str | None:
    if value is None:
        return None
    try:
        return value.decode("utf-8").strip()
    except UnicodeDecodeError:
        return value.decode("latin-1").strip()


def _parts(value: bytes | None) -> tuple[str, ...]:
    return tuple(part for part in (_words(p) for p in (_text(value) or "").split("<")) if part)


def _words(text: str) -> str:
    return " ".join(text.replace("<", " ").split())
