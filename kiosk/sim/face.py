"""The facial image of a virtual card: a drawn face, never a real person, in DG2's format.

Real CIEs store the photo as JPEG 2000 of about 10 KB inside an ISO/IEC 19794-5 facial
record (PROTOCOL.md §4.4), and clerks compare it with the person in front of the kiosk, so a
virtual card needs something that looks like a face: an oval, eyes, brows and a mouth on a
plain background, drawn with Pillow and encoded by Pillow's OpenJPEG codec. Drawing instead of
shipping a photo keeps personal data out of the project entirely.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 240, 320
# OpenJPEG's compression ratio that makes about 10 KB of 240 x 320 x 3 bytes.
_RATIO = 23

_BACKGROUND = (222, 228, 235)
_SKIN = (224, 186, 156)
_HAIR = (92, 64, 46)
_FEATURES = (60, 44, 36)
_LIPS = (170, 90, 90)
_SHOULDERS = (70, 90, 120)


def portrait() -> bytes:
    """The drawn face as a JP2 file (``00 00 00 0C 6A 50 20 20`` box signature)."""
    image = Image.new("RGB", (WIDTH, HEIGHT), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.ellipse((30, 250, 210, 400), fill=_SHOULDERS)
    draw.rectangle((100, 215, 140, 265), fill=_SKIN)
    draw.ellipse((55, 40, 185, 140), fill=_HAIR)
    draw.ellipse((65, 65, 175, 235), fill=_SKIN)
    for left in (88, 132):
        draw.ellipse((left, 125, left + 20, 137), fill="white")
        draw.ellipse((left + 6, 126, left + 14, 136), fill=_FEATURES)
        draw.line((left - 2, 116, left + 22, 114), fill=_FEATURES, width=3)
    draw.line((120, 140, 114, 175, 124, 178), fill=_FEATURES, width=2)
    draw.arc((96, 180, 144, 210), start=20, end=160, fill=_LIPS, width=4)
    out = io.BytesIO()
    image.save(
        out, "JPEG2000", irreversible=True, quality_mode="rates", quality_layers=[_RATIO]
    )
    return out.getvalue()


def facial_record(jp2: bytes, *, female: bool) -> bytes:
    """An ISO/IEC 19794-5:2005 record with one image and no feature points.

    Record header (``FAC\\0``, version ``010\\0``, length, count), facial information (gender
    2 = female, 1 = male; colours, expression and pose unspecified), image information
    (full frontal, JPEG 2000, size, 24-bit RGB, digital still camera), then the image.
    """
    image_info = (
        bytes((0x01, 0x01))
        + WIDTH.to_bytes(2, "big")
        + HEIGHT.to_bytes(2, "big")
        + bytes((0x01, 0x02))
        + bytes(4)
    )
    facial_info_size = 20
    block_length = facial_info_size + len(image_info) + len(jp2)
    facial_info = (
        block_length.to_bytes(4, "big")
        + bytes(2)
        + bytes((2 if female else 1,))
        + bytes(13)
    )
    header_size = 14
    header = (
        b"FAC\x00010\x00"
        + (header_size + block_length).to_bytes(4, "big")
        + (1).to_bytes(2, "big")
    )
    return header + facial_info + image_info + jp2
