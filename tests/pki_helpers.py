"""Test-PKI helpers shared by tests: a CRL from the test CIE authentication CA, and the serial
of a virtual card's authentication certificate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kiosk.sim.profile import CardProfile


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
