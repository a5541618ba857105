"""Chip Authentication v1 (DH, 3DES) against a card side computed here with pow and pycryptodome."""

from __future__ import annotations

import random

import pytest
from asn1crypto import core, keys

from kiosk.cie import chip_auth
from kiosk.cie.apdu import Command
from kiosk.cie.chip_auth import Result, authenticate, chip_key
from kiosk.cie.errors import CieError, DataGroupMalformed, SecurityInfosMalformed
from kiosk.cie.flow import drive
from kiosk.cie.sm import SecureChannel
from tests.cie.icao_card import FileCard, G, P, Q, RefSm, seeded

CA_DH_3DES = "0.4.0.127.0.7.2.2.3.1.1"
CA_ECDH_AES = "0.4.0.127.0.7.2.2.3.2.2"
TA = "0.4.0.127.0.7.2.2.2"
PK_DH = "0.4.0.127.0.7.2.2.1.1"
CHIP_PRIVATE = random.Random(99).randrange(2, Q)
CHIP_PUBLIC = pow(G, CHIP_PRIVATE, P)
K_ENC = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
K_MAC = bytes.fromhex("89ABCDEF01234567F0E1D2C3B4A59687")
EF_COM_FID = bytes.fromhex("011E")
EF_COM = bytes.fromhex("60165F0104303130375F36063034303030305C0461756B6E")


def info(oid: str, *fields: core.Asn1Value) -> bytes:
    body = core.ObjectIdentifier(oid).dump() + b"".join(field.dump() for field in fields)
    encoded: bytes = core.Sequence.load(b"\x30" + _length(body) + body).dump()
    return encoded


def _length(body: bytes) -> bytes:
    size = len(body)
    return bytes((size,)) if size < 0x80 else b"\x82" + size.to_bytes(2, "big")


def x942_key(public: int = CHIP_PUBLIC, p: int = P, g: int = G, q: int = Q) -> keys.PublicKeyInfo:
    return keys.PublicKeyInfo(
        {
            "algorithm": {"algorithm": "dh", "parameters": {"p": p, "g": g, "q": q}},
            "public_key": public,
        }
    )


def pkcs3_key(public: int = CHIP_PUBLIC) -> core.Asn1Value:
    parameters = core.Sequence.load(
        b"\x30"
        + _length(core.Integer(P).dump() + core.Integer(G).dump())
        + core.Integer(P).dump()
        + core.Integer(G).dump()
    )
    algorithm = info("1.2.840.113549.1.3.1", parameters)
    bits = core.OctetBitString(core.Integer(public).dump())
    body = algorithm + bits.dump()
    return core.Sequence.load(b"\x30" + _length(body) + body)


def dg14(*infos: bytes) -> bytes:
    body = b"".join(infos)
    content = b"\x31" + _length(body) + body
    return b"\x6e" + _length(content) + content


STANDARD = dg14(
    info(CA_DH_3DES, core.Integer(1)), info(TA, core.Integer(1)), info(PK_DH, x942_key())
)


def session(chip_private: int = CHIP_PRIVATE) -> tuple[SecureChannel, FileCard]:
    card = FileCard(RefSm(K_ENC, K_MAC, 0x10), {EF_COM_FID: EF_COM}, chip_private)
    return SecureChannel(K_ENC, K_MAC, (0x10).to_bytes(8, "big")), card


def test_chip_key_from_dg14() -> None:
    key = chip_key(STANDARD)
    assert not isinstance(key, str)
    assert (key.protocol, key.public, key.key_id) == (CA_DH_3DES, CHIP_PUBLIC, None)
    assert (key.group.p, key.group.g, key.group.q) == (P, G, Q)


def test_genuine_chip_passes_and_the_new_channel_works() -> None:
    channel, card = session()
    outcome = drive(authenticate(channel, STANDARD, EF_COM, seeded(3)), card)
    assert outcome.result is Result.PASSED and outcome.channel is not None
    mse = [command for command in card.log if command.ins == 0x22]
    assert [command.cla for command in mse] == [0x1C, 0x0C], "MSE SET KAT chained under SM"
    assert card.kat[:4] == bytes.fromhex("91820100")
    ours = int.from_bytes(card.kat[4:], "big")
    assert pow(ours, Q, P) == 1
    # The card switched to SHA-1(K ‖ counter) keys with SSC 0: a further read succeeds.
    [read] = outcome.channel.protect(Command(0x00, 0xB0, 0x00, 0x00, le=4))
    assert outcome.channel.unprotect(card(read)).data == EF_COM[:4]


def test_clone_without_the_private_key_fails() -> None:
    channel, card = session(chip_private=CHIP_PRIVATE + 1)
    outcome = drive(authenticate(channel, STANDARD, EF_COM, seeded(3)), card)
    assert outcome.result is Result.FAILED and outcome.channel is None


def test_refused_mse_fails() -> None:
    channel, card = session()
    card.refuse_kat = 0x6A80
    outcome = drive(authenticate(channel, STANDARD, EF_COM, seeded(3)), card)
    assert outcome.result is Result.FAILED
    assert "6A80" in outcome.reason


def test_different_ef_com_under_the_new_keys_fails() -> None:
    channel, card = session()
    outcome = drive(authenticate(channel, STANDARD, EF_COM[:-1] + b"\x00", seeded(3)), card)
    assert outcome.result is Result.FAILED


def test_pkcs3_parameters_and_implied_protocol() -> None:
    channel, card = session()
    data = dg14(info(PK_DH, pkcs3_key()))
    key = chip_key(data)
    assert not isinstance(key, str) and key.group.q is None
    outcome = drive(authenticate(channel, data, EF_COM, seeded(4)), card)
    assert outcome.result is Result.PASSED


def test_key_id_picks_the_key_and_goes_into_the_mse() -> None:
    other = pow(G, 12345, P)
    data = dg14(
        info(CA_DH_3DES, core.Integer(1), core.Integer(5)),
        info(PK_DH, x942_key(other), core.Integer(4)),
        info(PK_DH, x942_key(), core.Integer(5)),
    )
    key = chip_key(data)
    assert not isinstance(key, str) and (key.public, key.key_id) == (CHIP_PUBLIC, 5)
    channel, card = session()
    outcome = drive(authenticate(channel, data, EF_COM, seeded(3)), card)
    assert outcome.result is Result.PASSED
    assert card.kat.endswith(bytes.fromhex("840105"))


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (dg14(info(CA_ECDH_AES, core.Integer(1))), "id-CA-ECDH-AES-CBC-CMAC-128"),
        (dg14(info(CA_DH_3DES, core.Integer(1))), "no DH chip authentication key"),
        (dg14(info(CA_DH_3DES, core.Integer(2)), info(PK_DH, x942_key())), "version"),
        (
            dg14(info(CA_DH_3DES, core.Integer(1), core.Integer(7)), info(PK_DH, x942_key())),
            "keyId",
        ),
    ],
)
def test_not_supported_says_why(data: bytes, reason: str) -> None:
    channel, card = session()
    outcome = drive(authenticate(channel, data, EF_COM, seeded(3)), card)
    assert outcome.result is Result.NOT_SUPPORTED and reason in outcome.reason
    assert card.log == [], "nothing is sent when there is nothing to run"


@pytest.mark.parametrize(
    "key",
    [
        x942_key(public=1),
        x942_key(public=P - 1),
        x942_key(public=2),  # outside the subgroup of order q
        x942_key(p=2**1023 + 1),  # even-free but g does not have order q
        x942_key(p=(2**512) - 1),  # too small
    ],
)
def test_bad_chip_keys_are_malformed(key: keys.PublicKeyInfo) -> None:
    with pytest.raises(DataGroupMalformed):
        chip_key(dg14(info(PK_DH, key)))


def test_mutated_dg14_parses_or_fails_with_a_code() -> None:
    rng = random.Random(5)
    failures = 0
    for _ in range(300):
        mutated = bytearray(STANDARD)
        mutated[rng.randrange(len(mutated))] ^= 1 << rng.randrange(8)
        try:
            chip_auth.chip_key(bytes(mutated))
        except CieError as error:
            assert isinstance(error, (DataGroupMalformed, SecurityInfosMalformed))
            failures += 1
    for size in range(0, len(STANDARD), 7):
        with pytest.raises((DataGroupMalformed, SecurityInfosMalformed)):
            chip_key(STANDARD[:size])
    assert failures > 0
