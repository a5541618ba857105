"""PACE-CAN against a card whose side is computed here with ``pow`` on RFC 5114's constants."""

from __future__ import annotations

import contextlib
import hashlib
import random
from collections.abc import Callable

import pytest

from kiosk.cie import pace
from kiosk.cie.apdu import Command, Response
from kiosk.cie.card_access import PaceInfo
from kiosk.cie.errors import (
    CieError,
    InvalidCanFormat,
    PaceRefused,
    PaceUnsupported,
    ProtocolError,
    ReaderNoExtendedApdu,
    WrongCan,
)
from kiosk.cie.flow import drive
from kiosk.cie.modp import RFC5114_2048_256
from kiosk.cie.secret import Secret
from kiosk.cie.sm import SecureChannel
from tests.cie.icao_card import (
    PACE_OID,
    G,
    P,
    PaceCard,
    Q,
    i2b,
    kdf,
    key_object,
    ref_mac,
    seeded,
)

INFO = PaceInfo(PACE_OID, 2, 2)


def can(digits: bytes = b"123456") -> Secret:
    return Secret.from_digits(bytearray(digits))


def run(
    card: Callable[[Command], Response], digits: bytes = b"123456", seed: int = 1
) -> SecureChannel:
    return drive(pace.establish(INFO, can(digits), seeded(seed)), card)


def test_group_constants_are_rfc_5114_section_2_3() -> None:
    assert (RFC5114_2048_256.p, RFC5114_2048_256.g, RFC5114_2048_256.q) == (P, G, Q)
    assert pow(G, Q, P) == 1


def test_password_key_is_sha1_of_can_and_counter_3() -> None:
    expected = hashlib.sha1(b"123456" + bytes.fromhex("00000003")).digest()[:16]
    assert pace.password_key(can()) == expected


def test_pace_reaches_a_channel_the_card_shares() -> None:
    card = PaceCard(b"123456")
    channel = run(card)
    sent = [command.encode() for command in card.log]
    assert sent[0] == bytes.fromhex("0022C1A40F800A04007F00070202040101830102")
    assert sent[1] == bytes.fromhex("10860000027C0000")
    assert sent[2][:15] == bytes.fromhex("10860000000108 7C820104 81820100")
    assert sent[2][-2:] == b"\x00\x00" and len(sent[2]) == 7 + 264 + 2
    assert sent[3][:15] == bytes.fromhex("10860000000108 7C820104 83820100")
    assert sent[4][:9] == bytes.fromhex("008600000C7C0A8508") and sent[4][-1:] == b"\x00"
    # The card opens what the channel protects: same keys, SSC 0 then 1 for the first command.
    assert card.sm is not None
    [select] = channel.protect(Command(0x00, 0xA4, 0x04, 0x0C, bytes.fromhex("A0000002471001")))
    plain = card.sm.open(select)
    assert plain is not None and plain.data == bytes.fromhex("A0000002471001")
    assert channel.unprotect(card.sm.answer()) == Response(b"", 0x9000)


def terminal_exponents(seed: int) -> list[int]:
    """The terminal's two exponents, redrawn here from the same seeded source: 32 bytes whose
    first byte is at most q's, made odd (how kiosk.cie.dh draws them)."""
    draw = seeded(seed)
    out = []
    for _ in range(2):
        raw = draw(32)
        while raw[0] > Q >> 248:
            raw = draw(32)
        out.append(int.from_bytes(raw, "big") | 1)
    return out


def test_pace_arithmetic_matches_plain_pow() -> None:
    """Every value the terminal sends, recomputed with pow from the RFC constants."""
    card = PaceCard(b"123456")
    run(card, seed=5)
    x_map, x_eph = terminal_exponents(5)
    assert card.log[2].data[8:] == i2b(pow(G, x_map, P))
    s = int.from_bytes(card.nonce, "big")
    mapped = pow(G, s, P) * pow(card.map_public, x_map, P) % P
    assert mapped == card.generator
    assert card.log[3].data[8:] == i2b(pow(mapped, x_eph, P))
    shared = i2b(pow(int.from_bytes(card.card_key, "big"), x_eph, P))
    assert (kdf(shared, 1), kdf(shared, 2)) == (card.k_enc, card.k_mac)
    assert card.log[4].data[4:12] == ref_mac(card.k_mac, key_object(card.card_key))


@pytest.mark.parametrize("sw", [0x6300, 0x63C2, 0x63C0])
def test_card_refusing_our_token_is_a_wrong_can(sw: int) -> None:
    card = PaceCard(b"123456")
    card.answers[4] = Response(b"", sw)
    with pytest.raises(WrongCan) as caught:
        run(card)
    assert caught.value.code == "WRONG_CAN"


def test_a_card_with_another_can_refuses_and_we_say_wrong_can() -> None:
    with pytest.raises(WrongCan):
        run(PaceCard(b"654321"))


def test_card_token_that_does_not_match_is_a_wrong_can() -> None:
    card = PaceCard(b"123456")
    card.answers[4] = Response(bytes.fromhex("7C0A8608") + bytes(8), 0x9000)
    with pytest.raises(WrongCan):
        run(card)


def test_reader_without_extended_apdus() -> None:
    card = PaceCard(b"123456")
    card.answers[2] = Response(b"", 0x6700)
    with pytest.raises(ReaderNoExtendedApdu) as caught:
        run(card)
    assert caught.value.code == "READER_NO_EXTENDED_APDU"


def test_mse_retried_with_parameter_id_then_refused() -> None:
    sent: list[bytes] = []

    def card(command: Command) -> Response:
        sent.append(command.encode())
        return Response(b"", 0x6A80 if len(sent) == 1 else 0x6982)

    with pytest.raises(PaceRefused) as caught:
        run(card)
    assert sent == [
        bytes.fromhex("0022C1A40F800A04007F00070202040101830102"),
        bytes.fromhex("0022C1A412800A04007F00070202040101830102840102"),
    ]
    assert caught.value.code == "PACE_REFUSED"


@pytest.mark.parametrize(
    "value",
    [1, P - 1, P, 2, i2b(0)],
    ids=["one", "p-1", "p", "outside-subgroup", "zero"],
)
def test_unsafe_card_mapping_key_is_refused(value: int | bytes) -> None:
    card = PaceCard(b"123456")
    raw = value if isinstance(value, bytes) else value.to_bytes(257, "big").lstrip(b"\x00")
    card.answers[2] = Response(bytes.fromhex("7C") + _ber(0x82, raw), 0x9000)
    with pytest.raises(ProtocolError):
        run(card)


def test_card_echoing_our_ephemeral_key_is_refused() -> None:
    card = PaceCard(b"123456")

    def echo(command: Command) -> Response:
        if card.step == 2:  # the next GA is the key agreement
            card.step += 1
            terminal = command.data[8:]
            return Response(
                bytes.fromhex("7C820104") + bytes.fromhex("84820100") + terminal, 0x9000
            )
        return card(command)

    with pytest.raises(ProtocolError, match="equals ours"):
        run(echo)


def test_can_must_be_six_digits() -> None:
    with pytest.raises(InvalidCanFormat):
        run(PaceCard(b"12345"), digits=b"12345")


def test_unsupported_variant_is_named() -> None:
    info = PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 13)
    with pytest.raises(PaceUnsupported, match="id-PACE-ECDH-GM-AES-CBC-CMAC-128"):
        drive(pace.establish(info, can(), seeded(1)), PaceCard(b"123456"))


@pytest.mark.parametrize("seed", range(40))
def test_garbled_answers_end_in_a_coded_error(seed: int) -> None:
    """Truncate, flip or replace one card answer: PACE ends in a channel or a CieError."""
    rng = random.Random(seed)
    card = PaceCard(b"123456")
    victim = rng.randrange(5)
    count = 0

    def garbling(command: Command) -> Response:
        nonlocal count
        answer = card(command)
        count += 1
        if count - 1 != victim:
            return answer
        raw = bytearray(answer.data + answer.sw.to_bytes(2, "big"))
        kind = rng.randrange(3)
        if kind == 0:
            raw = raw[: rng.randrange(2, len(raw) + 1)]
        elif kind == 1:
            raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
        else:
            raw = bytearray(rng.randbytes(rng.randrange(2, 300)))
        return Response.parse(bytes(raw))

    with contextlib.suppress(CieError):
        run(garbling)


def _ber(tag: int, value: bytes) -> bytes:
    size = len(value)
    length = bytes((size,)) if size < 0x80 else b"\x82" + size.to_bytes(2, "big")
    return bytes((tag,)) + length + value
