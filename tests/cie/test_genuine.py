"""The PIN-less genuineness check against the virtual CIE: the chip signs with key 83, and
EF 1006 vouches for the files, back to the anchors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import run_kiosk

Card = Callable[..., Path]


def verify_chip(profile: Path, *anchors: Path) -> tuple[int, dict[str, Any]]:
    extra = [arg for anchor in anchors for arg in ("--anchors", str(anchor))]
    done = run_kiosk("card", "verify-chip", "--reader", f"sim:{profile}", "--json", *extra)
    return done.returncode, json.loads(done.stdout)


def test_a_genuine_card(issued_card: Card, test_pki: Path) -> None:
    code, verdict = verify_chip(issued_card("Gemalto"), test_pki)
    assert code == 0
    assert verdict["signature_valid"] is True and verdict["sod_signature_valid"] is True
    assert verdict["chain"] == "trusted"
    assert verdict["files"] == {"A1": "match", "A4": "match", "A5": "match", "1B": "match"}


def test_a_test_card_is_untrusted_under_the_italian_csca(issued_card: Card) -> None:
    code, verdict = verify_chip(issued_card())
    assert (code, verdict["chain"], verdict["signature_valid"]) == (1, "untrusted", True)


def test_a_copied_chip_with_another_key_is_caught(issued_card: Card, test_pki: Path) -> None:
    """A clone can copy EF 1005, not the key behind it: here the file names another key."""
    profile = issued_card()
    document = json.loads(profile.read_text())
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    document["files"]["cie:1005"] = other.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.PKCS1).hex()
    profile.write_text(json.dumps(document))
    code, verdict = verify_chip(profile, test_pki)
    assert code == 1
    assert verdict["signature_valid"] is False
    assert verdict["files"]["A5"] == "mismatch"


def test_an_altered_nis_is_caught(issued_card: Card, test_pki: Path) -> None:
    profile = issued_card()
    document = json.loads(profile.read_text())
    document["files"]["cie:1001"] = b"123456789012".hex()
    profile.write_text(json.dumps(document))
    code, verdict = verify_chip(profile, test_pki)
    assert (code, verdict["files"]["A1"], verdict["signature_valid"]) == (1, "mismatch", True)
