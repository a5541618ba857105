"""The kiosk's identity towards its back-office, as files in ``{state_dir}/uplink/``:

- ``key.pem``: the kiosk's EC P-256 key, made on the kiosk and never sent anywhere (mode 0600);
- ``cert.pem``: its client certificate, issued by the back-office CA (short-lived, renewed);
- ``ca.pem``: the back-office CA, pinned at enrollment: the only anchor the kiosk trusts;
- ``enrollment.json``: the kiosk's name and the API's URL. Written last, so it is the commit
  mark: without it the kiosk is not enrolled, whatever else is in the directory.

The directory is 0700. Every file is replaced atomically (write, fsync, rename), so a power
cut leaves either the old file or the new one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.durable import write_atomically
from kiosk.errors import KioskError

KEY = "key.pem"
CERT = "cert.pem"
CA = "ca.pem"
ENROLLMENT = "enrollment.json"


class CredentialsError(KioskError):
    code = "NOT_ENROLLED"


def ca_pin(ca_pem: bytes) -> str:
    """base64url, unpadded, of SHA-256 over the CA certificate's DER: what the token carries."""
    der = load_certificate(ca_pem, "the back-office CA").public_bytes(serialization.Encoding.DER)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


def load_certificate(pem: bytes, what: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem)
    except ValueError:
        raise CredentialsError(f"{what} is not a PEM certificate",
                               code="UPLINK_PROTOCOL") from None


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def csr_pem(key: ec.EllipticCurvePrivateKey, name: str = "kiosk") -> str:
    """A CSR for ``key``. The back-office takes only the public key from it; the subject is
    a placeholder, as the kiosk's name is the back-office's to give."""
    request = (x509.CertificateSigningRequestBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
               .sign(key, hashes.SHA256()))
    return request.public_bytes(serialization.Encoding.PEM).decode()


def key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def same_key(certificate: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> bool:
    der = serialization.Encoding.DER
    info = serialization.PublicFormat.SubjectPublicKeyInfo
    return (certificate.public_key().public_bytes(der, info)
            == key.public_key().public_bytes(der, info))


@dataclass(frozen=True)
class Identity:
    """A complete enrollment, read back and checked for consistency."""

    directory: Path
    kiosk: str
    api_url: str
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    ca_pem: bytes

    @property
    def pin(self) -> str:
        return ca_pin(self.ca_pem)

    @property
    def not_after(self) -> datetime:
        return self.certificate.not_valid_after_utc

    def expired(self, now: datetime | None = None) -> bool:
        return (now or datetime.now(UTC)) >= self.not_after

    def ssl_context(self) -> ssl.SSLContext:
        """TLS towards the back-office: the pinned CA is the only anchor (no system store),
        and the kiosk shows its own certificate."""
        context = ssl.create_default_context(cadata=self.ca_pem.decode())
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.directory / CERT, self.directory / KEY)
        return context


class Store:
    """The ``uplink`` directory of one kiosk."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def prepare(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.directory.chmod(0o700)

    def enrolled(self) -> bool:
        return (self.directory / ENROLLMENT).exists()

    def load(self) -> Identity:
        """The enrollment, or ``NOT_ENROLLED`` when there is none or it is incomplete."""
        try:
            meta = json.loads((self.directory / ENROLLMENT).read_text(encoding="utf-8"))
            key_bytes = (self.directory / KEY).read_bytes()
            cert_bytes = (self.directory / CERT).read_bytes()
            ca_bytes = (self.directory / CA).read_bytes()
        except FileNotFoundError:
            raise CredentialsError(f"not enrolled ({self.directory}): run 'kiosk enroll'") from None
        except (OSError, ValueError) as exc:
            raise CredentialsError(f"{self.directory}: enrollment unreadable ({exc})") from None
        key = serialization.load_pem_private_key(key_bytes, password=None)
        certificate = load_certificate(cert_bytes, "the kiosk's certificate")
        if not isinstance(key, ec.EllipticCurvePrivateKey) or not same_key(certificate, key):
            raise CredentialsError(f"{self.directory}: the certificate is not for this key; "
                                   "enroll again with 'kiosk enroll --force'")
        return Identity(self.directory, str(meta["kiosk"]), str(meta["api_url"]), key,
                        certificate, ca_bytes)

    def save(self, kiosk: str, api_url: str, key: ec.EllipticCurvePrivateKey,
             certificate_pem: bytes, ca_pem: bytes) -> None:
        """Store a whole new enrollment. The old mark goes first and the new one last, so a
        crash in between leaves 'not enrolled', never a key and a certificate that do not
        belong together."""
        self.prepare()
        (self.directory / ENROLLMENT).unlink(missing_ok=True)
        write_atomically(self.directory / KEY, key_pem(key), mode=0o600)
        write_atomically(self.directory / CA, ca_pem)
        write_atomically(self.directory / CERT, certificate_pem)
        meta = {"kiosk": kiosk, "api_url": api_url}
        write_atomically(self.directory / ENROLLMENT, json.dumps(meta, indent=2).encode())

    def replace_certificate(self, certificate_pem: bytes) -> None:
        """A renewal: the same key, so the certificate is the one file that changes."""
        write_atomically(self.directory / CERT, certificate_pem)
