"""Revocation of the authentication certificate: CRLs come from the configuration, and the
policy (soft or hard fail) too."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kiosk.sim.profile import CardProfile
from tests.conftest import TEST_PIN, run_kiosk


def crl(pki: Path, revoked_serials: list[int]) -> bytes:
    ca_cert = x509.load_pem_x509_certificate((pki / "cie-auth-ca.pem").read_bytes())
    ca_key = serialization.load_pem_private_key(
        (pki / "issuing" / "cie-auth-ca.key").read_bytes(), password=None
    )
    assert isinstance(ca_key, rsa.RSAPrivateKey)
    now = datetime.now(UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now - timedelta(hours=1))
        .next_update(now + timedelta(days=1))
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .add_extension(x509.CRLNumber(1), critical=False)
    )
    for serial in revoked_serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(now - timedelta(minutes=5))
            .build()
        )
    return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def card_serial(profile: Path) -> int:
    padded = CardProfile.load(profile).files["cie:1003"]
    length = int.from_bytes(padded[2:4], "big") + 4  # 30 82 LL LL
    return x509.load_der_x509_certificate(padded[:length]).serial_number


@pytest.mark.parametrize(
    ("revocation", "crl_lists", "valid", "status"),
    [
        ("soft-fail", "other", True, "good"),
        ("hard-fail", "other", True, "good"),
        ("soft-fail", "card", False, "revoked"),
        ("hard-fail", "card", False, "revoked"),
        ("soft-fail", None, True, "unknown"),
        ("hard-fail", None, False, "unknown"),
        ("off", "card", True, "not-checked"),
    ],
)
def test_revocation_policy(
    issued_card: Callable[..., Path],
    test_pki: Path,
    tmp_path: Path,
    revocation: str,
    crl_lists: str | None,
    valid: bool,
    status: str,
) -> None:
    profile = issued_card()
    crls = ""
    if crl_lists is not None:
        crl_path = tmp_path / "auth-ca.crl"
        crl_path.write_bytes(crl(test_pki, [card_serial(profile) if crl_lists == "card" else 42]))
        crls = f', crls = ["{crl_path}"]'
    conf = tmp_path / "kiosk.toml"
    conf.write_text(
        f'[profiles.sim]\nreader = "sim:{profile}"\nstate_dir = "{tmp_path}"\n'
        f'certificates = {{ revocation = "{revocation}"{crls} }}\n'
    )
    done = run_kiosk(
        "card",
        "auth",
        "--config",
        str(conf),
        "--trust",
        str(test_pki),
        "--json",
        stdin=f"{TEST_PIN}\n",
    )
    verdict = json.loads(done.stdout)["certificate"]
    assert (verdict["valid"], verdict["revocation"]) == (valid, status), verdict
    assert done.returncode == (0 if valid else 1)
