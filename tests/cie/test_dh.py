"""The DH flows driven by hand-made card answers; the card side's arithmetic is done here."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from kiosk.cie.apdu import Command, Response
from kiosk.cie.dh import DhAgreement, DhGroup, agree, mse_set_kat, private_exponent, read_group
from kiosk.cie.errors import ProtocolError
from kiosk.cie.flow import Flow, drive

# RFC 5114 §2.3: 2048-bit MODP group with a 256-bit prime order subgroup.
P = bytes.fromhex(
    "87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00E00DF8F1D61957D4FAF7DF45"
    "61B2AA3016C3D91134096FAA3BF4296D830E9A7C209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C0"
    "22E0B1EF4275BF7B6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76B63ACAE1"
    "CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8EF6A167B5A41825D967E144E5140564"
    "251CCACB83E6B486F6B3CA3F7971506026C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F263"
    "75D7014103A4B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597"
)
G = bytes.fromhex(
    "3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA12510DBC15077BE463FFF4FED4A"
    "AC0BB555BE3A6C1B0C6B47B1BC3773BF7E8C6F62901228F8C28CBB18A55AE31341000A650196F931C77A57F2"
    "DDF463E5E9EC144B777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193B5045AF2"
    "767164E1DFC967C1FB3F2E55A4BD1BFFE83B9C80D052B985D182EA0ADB2A3B7313D3FE14C8484B1E052588"
    "B9B7D2BBD2DF016199ECD06E1557CD0915B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B52"
    "3D1DB246C32F63078490F00EF8D647D148D47954515E2327CFEF98C582664B4C0F6CC41659"
)
Q = bytes.fromhex("8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3")
p, g, q = (int.from_bytes(v, "big") for v in (P, G, Q))
GROUP = DhGroup(G, P, Q)
OK = Response(b"", 0x9000)


def ber(tag: str, value: bytes) -> bytes:
    size = len(value)
    if size < 0x80:
        length = bytes((size,))
    elif size < 0x100:
        length = bytes((0x81, size))
    else:
        length = b"\x82" + size.to_bytes(2, "big")
    return bytes.fromhex(tag) + length + value


def group_answer(*parts: tuple[str, bytes]) -> Response:
    inner = b"".join(ber(tag, value) for tag, value in parts)
    return Response(ber("70", ber("BFA101", ber("A3", inner))), 0x9000)


def run(flow: Flow[object], answers: Iterator[Response]) -> tuple[object, list[bytes]]:
    sent: list[bytes] = []

    def exchange(command: Command) -> Response:
        sent.append(command.encode())
        return next(answers)

    return drive(flow, exchange), sent


def fixed_random(*draws: bytes) -> Callable[[int], bytes]:
    queue = list(draws)

    def random(size: int) -> bytes:
        value = queue.pop(0)
        assert len(value) == size
        return value

    return random


def test_group_in_one_request() -> None:
    answer = group_answer(("97", G), ("98", P), ("99", Q))
    group, sent = run(read_group(single_request=True), iter([answer]))
    assert group == GROUP
    assert sent == [bytes.fromhex("00CB3FFF0A4D087006BFA10102A380")]


def test_group_in_three_requests() -> None:
    answers = [group_answer(("97", G)), group_answer(("98", P)), group_answer(("99", Q))]
    group, sent = run(read_group(single_request=False), iter(answers))
    assert group == GROUP
    assert sent == [
        bytes.fromhex("00CB3FFF0C4D0A7008BFA10104A3029700"),
        bytes.fromhex("00CB3FFF0C4D0A7008BFA10104A3029800"),
        bytes.fromhex("00CB3FFF0C4D0A7008BFA10104A3029900"),
    ]


@pytest.mark.parametrize(
    "answer",
    [
        Response(b"", 0x6A88),
        group_answer(("97", G), ("98", P)),  # q missing
        group_answer(("97", G), ("98", P[:64]), ("99", Q)),  # prime too short
        group_answer(("97", G), ("98", P[:-1] + b"\x00"), ("99", Q)),  # even
        group_answer(("97", b"\x01"), ("98", P), ("99", Q)),  # generator 1
        group_answer(("97", G), ("98", P), ("99", Q[:-1] + b"\x01")),  # g has not order q
        Response(bytes.fromhex("7005BFA1010201"), 0x9000),  # malformed TLV
    ],
)
def test_bad_group_answers_are_protocol_errors(answer: Response) -> None:
    with pytest.raises(ProtocolError):
        run(read_group(single_request=True), iter([answer]))


def test_private_exponent_follows_the_middleware_rules() -> None:
    too_big = b"\xff" + bytes(31)
    good = b"\x8c" + b"\x02" * 31
    x = private_exponent(q, fixed_random(too_big, too_big, good))
    assert x == int.from_bytes(good[:-1] + b"\x03", "big")


def test_mse_set_kat_chains_in_plain_over_255_bytes() -> None:
    pk = bytes(range(256))
    first, last = mse_set_kat(pk)
    assert first.encode()[:5] == bytes.fromhex("102241A6FF")
    assert last.encode()[:5] == bytes.fromhex("002241A60B")
    assert first.data + last.data == bytes.fromhex("80019B830181 91820100") + pk
    [short] = mse_set_kat(pk[:128])
    assert short.encode() == bytes.fromhex("002241A689 80019B830181 918180") + pk[:128]


def agree_with_card(card_exponent: int, x_draw: bytes) -> tuple[DhAgreement, list[bytes]]:
    y = pow(g, card_exponent, p).to_bytes(256, "big")
    answers = iter([OK, OK, Response(ber("A6", ber("91", y)), 0x9000)])
    result, sent = run(agree(GROUP, fixed_random(x_draw)), answers)
    assert isinstance(result, DhAgreement)
    return result, sent


def test_agreement_gives_the_card_the_same_secret() -> None:
    c = 0x1234567890ABCDEF
    result, sent = agree_with_card(c, b"\x11" * 32)
    x = int.from_bytes(b"\x11" * 31 + b"\x11", "big")
    assert result.pk_ifd == pow(g, x, p).to_bytes(256, "big")
    assert sent[0][:5] == bytes.fromhex("102241A6FF")
    assert sent[0][5:] + sent[1][5:] == bytes.fromhex("80019B83018191820100") + result.pk_ifd
    assert sent[2] == bytes.fromhex("00CB3FFF064D04A6029100")
    card_secret = pow(int.from_bytes(result.pk_ifd, "big"), c, p)
    assert result.secret == card_secret.to_bytes(256, "big")
    assert result.pk_icc == pow(g, c, p).to_bytes(256, "big")
    assert "secret" not in repr(result)


def test_secret_keeps_its_leading_zeros() -> None:
    x = int.from_bytes(b"\x11" * 32, "big")
    pk_ifd = pow(g, x, p)
    c = next(c for c in range(2, 10_000) if pow(pk_ifd, c, p) < 1 << 2040)
    result, _ = agree_with_card(c, b"\x11" * 32)
    assert len(result.secret) == 256
    assert result.secret[0] == 0


@pytest.mark.parametrize(
    "y",
    [1, p - 1, p, 2],  # out of range, or (2) outside the subgroup of order q
)
def test_card_public_value_outside_the_group_is_refused(y: int) -> None:
    pk = y.to_bytes(256, "big")
    answers = iter([OK, OK, Response(ber("A6", ber("91", pk)), 0x9000)])
    with pytest.raises(ProtocolError, match="not in the group"):
        run(agree(GROUP, fixed_random(b"\x11" * 32)), answers)


@pytest.mark.parametrize(
    "answers",
    [
        [Response(b"", 0x6A80)],  # first MSE piece refused: nothing more is sent
        [OK, Response(b"", 0x6985)],
        [OK, OK, Response(b"", 0x6A88)],
        [OK, OK, Response(ber("A6", b""), 0x9000)],
        [OK, OK, Response(bytes.fromhex("A60391"), 0x9000)],
    ],
)
def test_refusals_and_bad_answers_are_protocol_errors(answers: list[Response]) -> None:
    sent: list[bytes] = []

    def exchange(command: Command) -> Response:
        sent.append(command.encode())
        return answers[len(sent) - 1]

    with pytest.raises(ProtocolError):
        drive(agree(GROUP, fixed_random(b"\x11" * 32)), exchange)
    assert len(sent) == len(answers)
