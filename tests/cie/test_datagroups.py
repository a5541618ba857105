"""Data groups: the real test card's DG1 and DG11, DG2 built around images Pillow makes."""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image, features

from kiosk.cie.datagroups import (
    FaceImage,
    ImageFormat,
    listed_data_groups,
    parse_dg1,
    parse_dg2,
    parse_dg11,
    parse_dg12,
)
from kiosk.cie.errors import CieError, DataGroupMalformed
from kiosk.cie.mrz import parse_td1

VECTORS = Path(__file__).resolve().parent.parent / "vectors"
DG1 = (VECTORS / "test-card-dg1.bin").read_bytes()
DG11 = (VECTORS / "test-card-dg11.bin").read_bytes()
# ICAO 9303-5 Appendix A, the TD1 specimen.
SPECIMEN = (
    "I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
)


def ber(tag: int, value: bytes) -> bytes:
    size = len(value)
    if size < 0x80:
        length = bytes((size,))
    elif size < 0x100:
        length = bytes((0x81, size))
    else:
        length = b"\x82" + size.to_bytes(2, "big")
    return tag.to_bytes((tag.bit_length() + 7) // 8, "big") + length + value


def ref_check_digit(field: str) -> str:
    values = [0 if c == "<" else int(c, 36) for c in field]
    return str(sum(v * (7, 3, 1)[i % 3] for i, v in enumerate(values)) % 10)


def test_dg1_of_the_test_card() -> None:
    mrz = parse_dg1(DG1)
    assert (mrz.document_number, mrz.surname, mrz.given_names) == ("CA76853YX", "ROSSI", "MARIA")
    assert (mrz.document_code, mrz.issuing_state, mrz.nationality) == ("C", "ITA", "ITA")
    assert (mrz.date_of_birth, mrz.sex, mrz.date_of_expiry) == ("950118", "F", "310118")


def test_icao_td1_specimen() -> None:
    mrz = parse_td1(SPECIMEN)
    assert (mrz.document_number, mrz.surname, mrz.given_names) == (
        "D23145890",
        "ERIKSSON",
        "ANNA MARIA",
    )


def test_long_document_number_continues_in_the_optional_data() -> None:
    number = "D23145890123"
    line1 = f"I<UTO{number[:9]}<{number[9:]}{ref_check_digit(number)}".ljust(30, "<")
    line2 = "7408122F1204159UTO<<<<<<<<<<<"
    composite = ref_check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    mrz = parse_td1(line1 + line2 + composite + SPECIMEN[60:])
    assert mrz.document_number == number


@pytest.mark.parametrize("position", [14, 36, 44, 59])
def test_each_wrong_check_digit_is_malformed(position: int) -> None:
    text = SPECIMEN[:position] + str((int(SPECIMEN[position]) + 1) % 10) + SPECIMEN[position + 1 :]
    with pytest.raises(DataGroupMalformed) as caught:
        parse_td1(text)
    assert caught.value.code == "DATA_GROUP_MALFORMED"


def test_dg11_of_the_test_card() -> None:
    details = parse_dg11(DG11)
    assert details.full_name == "ROSSI MARIA"
    assert details.personal_number == "RSSMRA95A58H501Z"
    assert details.full_date_of_birth == "19950118"
    assert details.place_of_birth == ("ROMA", "RM")
    assert details.address == ("VIA SALARIA, N. 712", "ROMA", "RM")


def test_dg11_tolerates_missing_and_extra_tags_and_latin_1() -> None:
    content = ber(0x5C, bytes.fromhex("5F10")) + ber(0x5F13, b"STUDENT")
    content += ber(0x5F10, b"RSSMRA95A58H501Z")
    details = parse_dg11(ber(0x6B, content + ber(0x5F0E, "NICOLÒ<<ANNA".encode("latin-1"))))
    assert details.personal_number == "RSSMRA95A58H501Z"
    assert (details.surname, details.given_names) == ("NICOLÒ", "ANNA")
    assert (details.full_date_of_birth, details.place_of_birth, details.address) == (None, (), ())


def test_dg12() -> None:
    content = ber(0x5C, bytes.fromhex("5F195F26")) + ber(0x5F19, b"COMUNE DI ROMA")
    details = parse_dg12(ber(0x6C, content + ber(0x5F26, b"20210118")))
    assert (details.issuing_authority, details.date_of_issue) == ("COMUNE DI ROMA", "20210118")
    assert parse_dg12(ber(0x6C, b"")).issuing_authority is None


def test_ef_com_lists_data_groups() -> None:
    ef_com = ber(
        0x60,
        ber(0x5F01, b"0107") + ber(0x5F36, b"040000") + ber(0x5C, bytes.fromhex("61756B6C6E63")),
    )
    assert listed_data_groups(ef_com) == ["01", "02", "0B", "0C", "0E", "03"]


def photo(kind: str, **options: object) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (24, 32), (200, 150, 120))
    image.save(out, kind, **options)
    return out.getvalue()


def facial_record(image: bytes, points: int = 0) -> bytes:
    """An ISO/IEC 19794-5 record: header, facial information, feature points, image info."""
    block = 20 + 8 * points + 12 + len(image)
    return (
        b"FAC\x00010\x00"
        + (14 + block).to_bytes(4, "big")
        + (1).to_bytes(2, "big")
        + block.to_bytes(4, "big")
        + points.to_bytes(2, "big")
        + bytes(14)
        + bytes(8 * points)
        + bytes.fromhex("0101 0018 0020 01 00 0000 0000")
        + image
    )


def dg2(block: bytes, tag: int = 0x5F2E) -> bytes:
    header = ber(0xA1, ber(0x80, b"\x01\x01"))
    instance = ber(0x7F60, header + ber(tag, block))
    return ber(0x75, ber(0x7F61, ber(0x02, b"\x01") + instance))


def decoded(face: FaceImage) -> tuple[int, int]:
    with Image.open(io.BytesIO(face.data)) as image:
        image.load()
        return image.size


def test_pillow_decodes_jpeg_2000() -> None:
    assert features.check("jpg_2000")


def test_dg2_with_a_jp2_photo() -> None:
    image = photo("JPEG2000")
    face = parse_dg2(dg2(facial_record(image, points=2)))
    assert face.format is ImageFormat.JP2
    assert face.data == image
    assert decoded(face) == (24, 32)


def test_dg2_with_a_raw_codestream_in_7f2e() -> None:
    image = photo("JPEG2000", no_jp2=True)
    face = parse_dg2(dg2(b"header of another format" + image, tag=0x7F2E))
    assert face.format is ImageFormat.J2K
    assert decoded(face) == (24, 32)


def test_dg2_with_a_jpeg_photo() -> None:
    face = parse_dg2(dg2(facial_record(photo("JPEG"))))
    assert face.format is ImageFormat.JPEG
    assert decoded(face) == (24, 32)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        ber(0x75, b""),
        ber(0x61, b""),
        dg2(facial_record(b"GIF89a....")),
        dg2(b"no image here", tag=0x7F2E),
        dg2(facial_record(b"\xff\xd8\xff")[:30]),
    ],
)
def test_dg2_without_a_usable_image(data: bytes) -> None:
    with pytest.raises(DataGroupMalformed):
        parse_dg2(data)


def mutations(data: bytes, count: int) -> Iterator[bytes]:
    rng = random.Random(11)
    for size in range(0, len(data), max(1, len(data) // 60)):
        yield data[:size]
    for _ in range(count):
        mutated = bytearray(data)
        for _ in range(rng.randrange(1, 4)):
            mutated[rng.randrange(len(data))] = rng.randrange(256)
        yield bytes(mutated)


@pytest.mark.parametrize(
    ("parse", "data"),
    [
        (parse_dg1, DG1),
        (parse_dg11, DG11),
        (parse_dg2, dg2(facial_record(b"\xff\xd8\xff" + bytes(40)))),
        (listed_data_groups, ber(0x60, ber(0x5C, b"\x61\x75"))),
    ],
    ids=["dg1", "dg11", "dg2", "ef.com"],
)
def test_mutated_data_groups_parse_or_fail_with_a_code(
    parse: Callable[[bytes], object], data: bytes
) -> None:
    for mutated in mutations(data, 400):
        try:
            parse(mutated)
        except CieError as error:
            assert isinstance(error, DataGroupMalformed)
