"""The test PKI behind virtual cards: a CSCA with its document signer, and a CIE auth CA.

Virtual cards must be verifiable end to end (passive authentication of EF.SOD, the chain of
the authentication certificate), yet nothing may chain to the real Ministry roots
(PROTOCOL.md §0.6, DESIGN.md §4), so the project makes its own roots. A PKI directory holds
only the two root certificates at the top level, as ``.pem``, so that it can be handed to the
kiosk as a folder of trust anchors as it is; the private keys and the document signer's
certificate, which a verifier must not take as an anchor, live in ``issuing/``.

The shapes copy the real ones where they are known: a document signer with the ICAO
document-type extension (2.23.136.1.1.6.2) like the Ministry's ``eIdentityCardSigner``, and
authentication certificates with the CIE policy 1.3.76.47.4 and a CN that starts with the
codice fiscale (PROTOCOL.md §2.11, §5.4).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kiosk.errors import KioskError

CSCA_FILE = "csca.pem"
AUTH_CA_FILE = "cie-auth-ca.pem"
ISSUING = "issuing"
CIE_POLICY = x509.ObjectIdentifier("1.3.76.47.4")
ICAO_DOCUMENT_TYPES = x509.ObjectIdentifier("2.23.136.1.1.6.2")
# DocumentTypeListSyntax {version 0, docTypeList {"ID"}}: the signer signs identity cards.
_DOCUMENT_TYPES_ID = bytes.fromhex("30 09 02 01 00 31 04 13 02 49 44")
_ROOT_YEARS, _SIGNER_YEARS, _CARD_YEARS = 15, 10, 10
_KEY_BITS = 2048


class PkiError(KioskError):
    code = "SIM_PKI_INVALID"


@dataclass(frozen=True)
class Authority:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate


@dataclass(frozen=True)
class TestPki:
    csca: Authority
    document_signer: Authority
    auth_ca: Authority


def create(directory: Path) -> TestPki:
    """Make a new PKI in ``directory`` (which must not hold one already)."""
    made = new()
    save(made, directory)
    return made


def new() -> TestPki:
    """A new PKI in memory only."""
    csca = _root("Kiosk Test CSCA")
    auth_ca = _root("Kiosk Test CIE Authentication CA")
    signer_key = _new_key()
    signer = _builder(_name("Kiosk Test eIdentityCardSigner"), csca, signer_key, _SIGNER_YEARS)
    signer = signer.add_extension(
        x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
    ).add_extension(x509.UnrecognizedExtension(ICAO_DOCUMENT_TYPES, _DOCUMENT_TYPES_ID), False)
    return TestPki(
        csca=csca,
        document_signer=Authority(signer_key, signer.sign(csca.key, hashes.SHA256())),
        auth_ca=auth_ca,
    )


def load(directory: Path) -> TestPki:
    try:
        return TestPki(
            csca=_load(directory / CSCA_FILE, directory / ISSUING / "csca.key"),
            document_signer=_load(
                directory / ISSUING / "document-signer.pem",
                directory / ISSUING / "document-signer.key",
            ),
            auth_ca=_load(directory / AUTH_CA_FILE, directory / ISSUING / "cie-auth-ca.key"),
        )
    except FileNotFoundError as exc:
        raise PkiError(f"{directory}: not a test PKI ({exc.filename} missing)") from None
    except (ValueError, TypeError) as exc:
        raise PkiError(f"{directory}: unreadable test PKI ({exc})") from None


def issue_auth_certificate(
    pki: TestPki, key: rsa.RSAPublicKey, identity: dict[str, str],
    expiry: dt.date | None = None,
) -> x509.Certificate:
    """The card's authentication certificate (EF 1003) for key 81, valid until the card's
    ``expiry`` when given (a real CIE's is issued for the card's lifetime, and the kiosk reads
    it as the card's expiry), else for the test PKI's card years.

    What real CNs carry after the codice fiscale is UNCERTAIN (PROTOCOL.md §5.4), so ours is
    the codice fiscale alone, which satisfies every client that reads its first 16 characters.
    """
    codice_fiscale = identity["codice_fiscale"]
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "IT"),
            x509.NameAttribute(NameOID.SURNAME, identity["surname"]),
            x509.NameAttribute(NameOID.GIVEN_NAME, identity["given_name"]),
            x509.NameAttribute(NameOID.COMMON_NAME, codice_fiscale),
        ]
    )
    until = None if expiry is None else dt.datetime.combine(expiry, dt.time(23, 59), dt.UTC)
    builder = _builder(subject, pki.auth_ca, key, _CARD_YEARS, until)
    builder = (
        builder.add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(CIE_POLICY, None)]), critical=False
        )
    )
    return builder.sign(pki.auth_ca.key, hashes.SHA256())


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, _KEY_BITS)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "IT"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CIE kiosk test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(
    subject: x509.Name,
    issuer: Authority | None,
    key: rsa.RSAPublicKey | rsa.RSAPrivateKey,
    years: int,
    until: dt.datetime | None = None,
) -> x509.CertificateBuilder:
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    issuer_name = issuer.certificate.subject if issuer else subject
    issuer_public = issuer.key.public_key() if issuer else public
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(until or now + dt.timedelta(days=365 * years))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public), critical=False
        )
    )


def _root(common_name: str) -> Authority:
    key = _new_key()
    builder = (
        _builder(_name(common_name), None, key, _ROOT_YEARS)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
    )
    return Authority(key, builder.sign(key, hashes.SHA256()))


def save(pki: TestPki, directory: Path) -> None:
    """Write ``pki`` to ``directory``, which must not hold a PKI already."""
    if (directory / CSCA_FILE).exists() or (directory / ISSUING).exists():
        raise PkiError(f"{directory}: already holds a test PKI", code="SIM_PKI_EXISTS")
    issuing = directory / ISSUING
    issuing.mkdir(parents=True, mode=0o700)
    files = {
        directory / CSCA_FILE: _cert_pem(pki.csca),
        directory / AUTH_CA_FILE: _cert_pem(pki.auth_ca),
        issuing / "document-signer.pem": _cert_pem(pki.document_signer),
    }
    for path, data in files.items():
        path.write_bytes(data)
    keys = {
        "csca.key": pki.csca,
        "document-signer.key": pki.document_signer,
        "cie-auth-ca.key": pki.auth_ca,
    }
    for name, authority in keys.items():
        fd = os.open(issuing / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(
                authority.key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )


def _cert_pem(authority: Authority) -> bytes:
    return authority.certificate.public_bytes(serialization.Encoding.PEM)


def _load(certificate: Path, key: Path) -> Authority:
    private = serialization.load_pem_private_key(key.read_bytes(), password=None)
    if not isinstance(private, rsa.RSAPrivateKey):
        raise PkiError(f"{key}: not an RSA key")
    return Authority(private, x509.load_pem_x509_certificate(certificate.read_bytes()))
