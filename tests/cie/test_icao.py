"""read_identity end to end on a hand-made card: PACE or BAC, the files, chip authentication."""

from __future__ import annotations

import contextlib
import io
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from kiosk.cie import sod
from kiosk.cie.apdu import Command, Response
from kiosk.cie.chip_auth import Result
from kiosk.cie.datagroups import parse_dg1, parse_dg2, parse_dg11
from kiosk.cie.errors import CieError, PaceUnsupported, WrongCan
from kiosk.cie.flow import drive
from kiosk.cie.icao import Access, IcaoRead, read_identity
from kiosk.cie.mrz import MrzKey
from kiosk.cie.secret import Secret
from tests.cie.icao_card import OK, FileCard, PaceCard, RefSm, seeded
from tests.cie.test_bac import CARD_ANSWER, K_IFD, MRZ, RND_ICC, RND_IFD, SELECT_EF_COM
from tests.cie.test_card_access import REAL_CIE
from tests.cie.test_chip_auth import CHIP_PRIVATE, STANDARD
from tests.cie.test_datagroups import dg2, facial_record, photo

VECTORS = Path(__file__).resolve().parent.parent / "vectors"
EF_COM = bytes.fromhex("60185F0104303130375F36063034303030305C066175636B6C6E")
SOD = (VECTORS / "test-card-mrtd-ef-sod.bin").read_bytes()


FILES = {
    bytes.fromhex("011E"): EF_COM,
    bytes.fromhex("0101"): (VECTORS / "test-card-dg1.bin").read_bytes(),
    bytes.fromhex("0102"): dg2(facial_record(photo("JPEG2000"))),
    bytes.fromhex("010B"): (VECTORS / "test-card-dg11.bin").read_bytes(),
    bytes.fromhex("010E"): STANDARD,
    bytes.fromhex("011D"): SOD,
    # DG3 is listed but needs terminal authentication; DG12 is listed but absent.
    bytes.fromhex("0103"): b"must never be read",
}
APPENDIX_D_SM = (
    bytes.fromhex("979EC13B1CBFE9DCD01AB0FED307EAE5"),
    bytes.fromhex("F1CB1F1FB5ADF208806B89DC579DC1F8"),
    0x887022120C06C226,
)


class Card:
    """Plain phase (MF, EF.CardAccess, PACE or BAC), then the files under secure messaging."""

    def __init__(self, card_access: bytes | None = REAL_CIE, can: bytes = b"123456") -> None:
        self.card_access = card_access
        self.pace = PaceCard(can)
        self.files: FileCard | None = None
        self.sent: list[bytes] = []

    def __call__(self, command: Command) -> Response:
        self.sent.append(command.encode())
        if self.files is not None:
            return self.files(command)
        raw = command.encode()
        if raw in (bytes.fromhex("00A4000C023F00"), bytes.fromhex("00A4040C07A0000002471001")):
            return OK
        if raw == bytes.fromhex("00A4020C02011C"):
            return OK if self.card_access else Response(b"", 0x6A82)
        if command.ins == 0xB0:
            assert self.card_access is not None
            return Response(self.card_access, 0x9000)
        if command.ins == 0x84:
            return Response(RND_ICC, 0x9000)
        if command.ins == 0x82:
            self.files = FileCard(RefSm(*APPENDIX_D_SM), FILES, CHIP_PRIVATE)
            return Response(CARD_ANSWER, 0x9000)
        answer = self.pace(command)
        if self.pace.sm is not None:
            self.files = FileCard(self.pace.sm, FILES, CHIP_PRIVATE)
        return answer


def can() -> Secret:
    return Secret.from_digits(bytearray(b"123456"))


def appendix_d_then(seed: int) -> Callable[[int], bytes]:
    draws, rest = [RND_IFD, K_IFD], seeded(seed)
    return lambda size: draws.pop(0) if draws and len(draws[0]) == size else rest(size)


def read(card: Card, secret: Secret | None, mrz: MrzKey | None = None,
         extended: bool = False) -> IcaoRead:
    return drive(read_identity(secret, mrz, random_bytes=appendix_d_then(8), extended=extended),
                 card)


def protected_reads(card: Card) -> list[bytes]:
    """The DO97 (protected Le) of every READ BINARY sent under secure messaging."""
    bodies = [raw[7:] if raw[4] == 0 else raw[5:] for raw in card.sent if raw[:2] == b"\x0c\xb0"]
    assert all(body[0] == 0x97 for body in bodies)
    return [body[2 : 2 + body[1]] for body in bodies]


def test_pace_read_of_the_test_card() -> None:
    card = Card()
    result = read(card, can())
    assert result.access is Access.PACE
    assert sorted(result.files) == ["01", "02", "0B", "0E"]
    assert result.sod == SOD and result.ef_com == EF_COM
    assert parse_dg1(result.files["01"]).document_number == "CA76853YX"
    assert parse_dg11(result.files["0B"]).personal_number == "RSSMRA95A58H501Z"
    assert Image.open(io.BytesIO(parse_dg2(result.files["02"]).data)).size == (24, 32)
    assert result.chip_authentication.result is Result.PASSED
    # Exact reads: the real card's hashes in its EF.SOD match what was read.
    checks = sod.check_files(sod.parse_sod(result.sod), {k: result.files[k] for k in ("01", "0B")})
    assert set(checks.values()) == {sod.FileCheck.MATCH}
    assert max(len(do97) for do97 in protected_reads(card)) == 1
    assert max(do97[0] for do97 in protected_reads(card)) == 0xE7
    assert card.files is not None
    selected = [fid.hex().upper() for fid in card.files.selected]
    assert selected == ["011E", "0101", "0102", "010B", "010C", "010E", "011D", "011E"]


def test_extended_reads() -> None:
    card = Card()
    result = read(card, can(), extended=True)
    assert result.chip_authentication.result is Result.PASSED
    assert max(int.from_bytes(do97, "big") for do97 in protected_reads(card)) == 0x400
    kat = next(i for i, raw in enumerate(card.sent) if raw[1:4] == bytes.fromhex("2241A6"))
    sm_reads = [raw for raw in card.sent[:kat] if raw[:2] == b"\x0c\xb0"]
    assert all(raw[4] == 0 and raw[-2:] == b"\x00\x00" for raw in sm_reads)


def test_bac_when_the_card_has_no_card_access() -> None:
    card = Card(card_access=None)
    result = read(card, None, MRZ)
    assert result.access is Access.BAC
    assert SELECT_EF_COM in card.sent, "Appendix D's first protected command"
    assert result.chip_authentication.result is Result.PASSED


def test_bac_when_the_reader_has_no_extended_apdus() -> None:
    card = Card()
    card.pace.answers[2] = Response(b"", 0x6700)
    assert read(card, can(), MRZ).access is Access.BAC


def test_no_fallback_without_mrz() -> None:
    with pytest.raises(PaceUnsupported, match=r"no EF\.CardAccess"):
        read(Card(card_access=None), can())


def test_wrong_can_never_falls_back_to_bac() -> None:
    with pytest.raises(WrongCan):
        read(Card(can=b"000000"), can(), MRZ)


@pytest.mark.parametrize("seed", range(30))
def test_garbled_answers_end_in_a_result_or_a_coded_error(seed: int) -> None:
    rng = random.Random(seed)
    card = Card()
    victim = rng.randrange(60)
    count = 0

    def garbling(command: Command) -> Response:
        nonlocal count
        answer = card(command)
        count += 1
        if count - 1 != victim:
            return answer
        raw = bytearray(answer.data + answer.sw.to_bytes(2, "big"))
        if rng.randrange(2):
            raw = raw[: rng.randrange(2, len(raw) + 1)]
        else:
            raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
        return Response.parse(bytes(raw))

    with contextlib.suppress(CieError):
        drive(read_identity(can(), random_bytes=seeded(seed)), garbling)
