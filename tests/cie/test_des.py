"""Known answers for the 3DES pieces, computed here with pycryptodome, plus the ICAO example."""

from __future__ import annotations

import pytest
from Crypto.Cipher import DES, DES3

from kiosk.cie.des import PaddingError, decrypt_3des, encrypt_3des, pad, retail_mac, unpad

KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")


def reference_mac(key: bytes, data: bytes) -> bytes:
    """ISO 9797-1 MAC algorithm 3 with padding method 2, straight from the standard's steps."""
    padded = data + b"\x80" + bytes(-(len(data) + 1) % 8)
    chain = DES.new(key[:8], DES.MODE_CBC, iv=bytes(8)).encrypt(padded)[-8:]
    return DES.new(key[:8], DES.MODE_ECB).encrypt(DES.new(key[8:], DES.MODE_ECB).decrypt(chain))


@pytest.mark.parametrize(
    ("data", "padded"),
    [
        (b"", "8000000000000000"),
        (b"\x01" * 7, "0101010101010180"),
        (b"\x01" * 8, "01010101010101018000000000000000"),
        (b"\x00\x80", "0080800000000000"),
    ],
)
def test_pad_and_unpad(data: bytes, padded: str) -> None:
    assert pad(data).hex().upper() == padded
    assert unpad(bytes.fromhex(padded)) == data


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "01",
        "0101010101010101",
        "0000000000000000",
        "80000000000000000000000000000000",
        "0101010101018001",
    ],
)
def test_unpad_refuses_bad_padding(bad: str) -> None:
    with pytest.raises(PaddingError):
        unpad(bytes.fromhex(bad))


@pytest.mark.parametrize("size", [8, 16, 240])
def test_3des_cbc_matches_pycryptodome(size: int) -> None:
    data = bytes(range(size % 256)) * (size // 256) + bytes(i * 7 % 256 for i in range(size % 256))
    expected = DES3.new(KEY, DES3.MODE_CBC, iv=bytes(8)).encrypt(data)
    assert encrypt_3des(KEY, data) == expected
    assert decrypt_3des(KEY, expected) == data


def test_3des_refuses_unpadded_data_and_short_keys() -> None:
    with pytest.raises(ValueError, match="multiple of 8"):
        encrypt_3des(KEY, b"\x00" * 7)
    with pytest.raises(ValueError, match="16 bytes"):
        decrypt_3des(KEY[:8], bytes(8))


@pytest.mark.parametrize("size", [0, 5, 7, 8, 9, 32, 255])
def test_retail_mac_matches_pycryptodome(size: int) -> None:
    data = bytes(i * 13 % 256 for i in range(size))
    assert retail_mac(KEY, data) == reference_mac(KEY, data)


def test_retail_mac_icao_bac_example() -> None:
    # ICAO 9303-11 BAC worked example (PROTOCOL.md §10).
    key = bytes.fromhex("7962D9ECE03D1ACD4C76089DCE131543")
    message = bytes.fromhex("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2")
    assert reference_mac(key, message).hex().upper() == "5F1448EEA8AD90A7"
    assert retail_mac(key, message).hex().upper() == "5F1448EEA8AD90A7"
