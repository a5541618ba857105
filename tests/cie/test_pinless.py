"""The PIN-less INTERNAL AUTHENTICATE check on the real test card's answer (tests/vectors)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from kiosk.cie import pinless
from kiosk.cie.errors import PublicKeyInvalid

VECTORS = Path(__file__).resolve().parent.parent / "vectors"
KEY = (VECTORS / "test-card-ef1005-servizi-pubkey.der").read_bytes()
CHALLENGE = (VECTORS / "test-card-internal-auth-challenge.txt").read_bytes()
ANSWER = (VECTORS / "test-card-internal-auth-signature.bin").read_bytes()


@pytest.fixture(scope="module")
def key() -> rsa.RSAPublicKey:
    return pinless.load_servizi_key(KEY)


def test_card_answer_verifies(key: rsa.RSAPublicKey) -> None:
    assert CHALLENGE == b"02461"
    assert key.key_size == 2048
    assert pinless.verify_internal_authentication(key, CHALLENGE, ANSWER)


@pytest.mark.parametrize("position", [0, 1, 64, 128, 200, 254, 255])
@pytest.mark.parametrize("mask", [0x01, 0x80])
def test_altered_answer_fails(key: rsa.RSAPublicKey, position: int, mask: int) -> None:
    answer = bytearray(ANSWER)
    answer[position] ^= mask
    assert not pinless.verify_internal_authentication(key, CHALLENGE, bytes(answer))


@pytest.mark.parametrize(
    "challenge", [b"02462", b"2461", b"002461", b"", b"02461\x00", b"x02461"]
)
def test_other_challenge_fails(key: rsa.RSAPublicKey, challenge: bytes) -> None:
    assert not pinless.verify_internal_authentication(key, challenge, ANSWER)


@pytest.mark.parametrize(
    "answer", [b"", ANSWER[:-1], ANSWER + b"\x00", b"\x00" * 256, b"\xff" * 256]
)
def test_answer_of_the_wrong_shape_fails(key: rsa.RSAPublicKey, answer: bytes) -> None:
    assert not pinless.verify_internal_authentication(key, CHALLENGE, answer)


@pytest.mark.parametrize("position", [10, 100, 250, 268])  # modulus, then exponent
def test_altered_public_key_fails(position: int) -> None:
    der = bytearray(KEY)
    der[position] ^= 0x01
    key = pinless.load_servizi_key(bytes(der))
    assert not pinless.verify_internal_authentication(key, CHALLENGE, ANSWER)


@pytest.mark.parametrize(
    "der", [b"", KEY[:-1], KEY + b"\x00", b"\x30\x00", (VECTORS / "test-card-nis.bin").read_bytes()]
)
def test_not_a_public_key_is_invalid(der: bytes) -> None:
    with pytest.raises(PublicKeyInvalid) as caught:
        pinless.load_servizi_key(der)
    assert caught.value.details()["code"] == "PUBLIC_KEY_INVALID"
