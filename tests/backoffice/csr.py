"""CSRs as a kiosk (or someone pretending to be one) would send them."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def make_csr(key: PrivateKey | None = None, subject: str = "atrio-1",
             extensions: list[x509.ExtensionType] | None = None) -> str:
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
    for extension in extensions or []:
        builder = builder.add_extension(extension, critical=False)
    csr = builder.sign(key or new_key(), hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")
