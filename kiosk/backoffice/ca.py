"""The back-office CA: it signs the TLS server certificate nginx presents, every kiosk's client
certificate, and the CRL nginx loads.

Files, under ``{state_dir}/ca/``: ``ca.pem``, ``ca.key``, ``server.pem``, ``server.key``,
``crl.pem``. Keys are EC P-256 in PKCS#8 (what nginx and every TLS stack read), mode 0600.

A kiosk's certificate takes only the public key from the kiosk's CSR. The subject is the name
the back-office gave the kiosk, and the extensions are the CA's own (client authentication,
digital signature), so a kiosk cannot ask itself into another identity or another role.

nginx reads the CRL only at start and reload, and refuses every client once the CRL's
nextUpdate has passed (testing-the-back-office.md §2): it is re-signed whenever it is
written, and the database, not the CRL, is the authority on revocation.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kiosk.backoffice.config import BackofficeConfig
from kiosk.durable import write_atomically
from kiosk.errors import KioskError

CA_YEARS = 10
SERVER_DAYS = 397  # the longest any TLS client accepts for a server certificate
MIN_RSA_BITS = 2048
# Clocks on a kiosk and on the server may differ by minutes; a certificate valid from
# a little before now is not refused for being "not yet valid".
BACKDATE = dt.timedelta(minutes=5)
CertificatePublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey


class CaError(KioskError):
    code = "CA_INVALID"


def ca_pin(certificate: x509.Certificate) -> str:
    """What an enrollment token carries to pin the CA: base64url, unpadded, of the SHA-256
    of the certificate's DER."""
    digest = certificate.fingerprint(hashes.SHA256())
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def serial_hex(certificate: x509.Certificate) -> str:
    """The serial as the database keeps it: lowercase hex, no leading zeros."""
    return format(certificate.serial_number, "x")


def fingerprint_sha256(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def to_pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


@dataclass(frozen=True)
class Revoked:
    serial: int
    revoked_at: dt.datetime


class CertificateAuthority:
    """The CA's files in one directory. Made once with :meth:`create`; after that, opened
    with :meth:`open` (or :meth:`from_config`) by every command and worker."""

    def __init__(self, directory: Path, *, kiosk_days: int = 7, crl_days: int = 7) -> None:
        self.directory = directory
        self.kiosk_days = kiosk_days
        self.crl_days = crl_days
        self.ca_pem = directory / "ca.pem"
        self.ca_key = directory / "ca.key"
        self.server_pem = directory / "server.pem"
        self.server_key = directory / "server.key"
        self.crl_pem = directory / "crl.pem"
        self._certificate: x509.Certificate | None = None
        self._key: ec.EllipticCurvePrivateKey | None = None

    @classmethod
    def from_config(cls, config: BackofficeConfig) -> CertificateAuthority:
        return cls(config.resolve("ca"), kiosk_days=config.ca.kiosk_certificate_days,
                   crl_days=config.ca.crl_days)

    # -- making the CA -------------------------------------------------------------------

    def create(self, public_host: str) -> None:
        """The CA key and certificate, nginx's server certificate for ``public_host`` (and
        localhost, 127.0.0.1), and an empty CRL. Refuses to replace an existing CA: every
        enrolled kiosk has pinned it."""
        if self.ca_key.exists() or self.ca_pem.exists():
            raise CaError(f"{self.directory} already holds a CA; every enrolled kiosk pins "
                          "it, so it is never replaced in place", code="CA_EXISTS")
        self.directory.mkdir(parents=True, exist_ok=True)
        now = dt.datetime.now(dt.UTC)
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CIE kiosk back-office"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"CIE kiosk back-office CA {public_host}"),
        ])
        public = key.public_key()
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name).issuer_name(name).public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(cert_sign=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(key, hashes.SHA256())
        )
        self._certificate, self._key = certificate, key
        write_atomically(self.ca_key, _key_pem(key), 0o600)
        write_atomically(self.ca_pem, to_pem(certificate).encode())
        self._issue_server_certificate(public_host)
        self.write_crl([])

    def _issue_server_certificate(self, public_host: str) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        names: list[x509.GeneralName] = []
        for host in dict.fromkeys([public_host, "localhost", "127.0.0.1"]):
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        certificate = self._builder(key.public_key(), public_host, SERVER_DAYS).add_extension(
            x509.SubjectAlternativeName(names), critical=False
        ).add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        ).add_extension(_key_usage(), critical=True).sign(self.key, hashes.SHA256())
        write_atomically(self.server_key, _key_pem(key), 0o600)
        write_atomically(self.server_pem, to_pem(certificate).encode())

    # -- using it ------------------------------------------------------------------------

    @property
    def certificate(self) -> x509.Certificate:
        if self._certificate is None:
            self._certificate = x509.load_pem_x509_certificate(self._read(self.ca_pem))
        return self._certificate

    @property
    def key(self) -> ec.EllipticCurvePrivateKey:
        if self._key is None:
            key = serialization.load_pem_private_key(self._read(self.ca_key), password=None)
            if not isinstance(key, ec.EllipticCurvePrivateKey):
                raise CaError(f"{self.ca_key}: not the EC key this CA makes")
            self._key = key
        return self._key

    def pin(self) -> str:
        return ca_pin(self.certificate)

    def certificate_pem(self) -> str:
        return to_pem(self.certificate)

    def _read(self, path: Path) -> bytes:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise CaError(f"{path} is missing: run 'kiosk backoffice ca init' first",
                          code="CA_MISSING") from None
        except OSError as exc:
            raise CaError(f"cannot read {path}: {exc.strerror}") from None

    def issue_kiosk_certificate(self, csr_pem: str | bytes, kiosk_name: str,
                                days: int | None = None) -> x509.Certificate:
        """A client certificate for ``kiosk_name`` on the CSR's public key, valid ``days``
        (default: the configured ``ca.kiosk_certificate_days``)."""
        public = check_csr(csr_pem)
        return (
            self._builder(public, kiosk_name, days or self.kiosk_days)
            .add_extension(_key_usage(), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(self.key, hashes.SHA256())
        )

    def _builder(self, public: CertificatePublicKey, common_name: str,
                 days: int) -> x509.CertificateBuilder:
        now = dt.datetime.now(dt.UTC)
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(self.certificate.subject)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(self._authority_key_id(), critical=False)
        )

    def _authority_key_id(self) -> x509.AuthorityKeyIdentifier:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key())

    def write_crl(self, revoked: Iterable[Revoked]) -> None:
        """Re-sign ``crl.pem`` listing ``revoked``, with nextUpdate ``crl_days`` ahead. The
        CRL number is the time in milliseconds: it grows with every rewrite, with no counter
        to keep anywhere."""
        now = dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(now - BACKDATE)
            .next_update(now + dt.timedelta(days=self.crl_days))
            .add_extension(x509.CRLNumber(int(now.timestamp() * 1000)), critical=False)
            .add_extension(self._authority_key_id(), critical=False)
        )
        for entry in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(entry.serial)
                .revocation_date(entry.revoked_at)
                .build()
            )
        crl = builder.sign(self.key, hashes.SHA256())
        write_atomically(self.crl_pem, crl.public_bytes(serialization.Encoding.PEM))


def check_csr(csr_pem: str | bytes) -> CertificatePublicKey:
    """The public key of a well-formed, self-consistent CSR with a key the CA accepts (EC
    P-256, or RSA of at least 2048 bits); anything else is ``CSR_INVALID``."""
    data = csr_pem.encode("ascii", "replace") if isinstance(csr_pem, str) else csr_pem
    try:
        csr = x509.load_pem_x509_csr(data)
        public = csr.public_key()
        signed = csr.is_signature_valid
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise KioskError(f"the CSR cannot be read: {exc}", code="CSR_INVALID") from None
    if not signed:
        raise KioskError("the CSR's signature does not match its key", code="CSR_INVALID")
    if isinstance(public, ec.EllipticCurvePublicKey) and isinstance(public.curve, ec.SECP256R1):
        return public
    if isinstance(public, rsa.RSAPublicKey) and public.key_size >= MIN_RSA_BITS:
        return public
    raise KioskError("the CSR's key is neither EC P-256 nor RSA of 2048 bits or more",
                     code="CSR_INVALID")


def _key_usage(*, cert_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign,
        crl_sign=cert_sign, encipher_only=False, decipher_only=False,
    )


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


