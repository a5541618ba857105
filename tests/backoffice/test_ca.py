"""The back-office CA: its files, what it signs, what it refuses. Chains are checked with
cryptography's own verifier and, for the CRL, by OpenSSL in a real TLS handshake."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import socket
import ssl
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import PolicyBuilder, Store

from kiosk.backoffice.ca import CertificateAuthority, Revoked, ca_pin, to_pem
from kiosk.errors import KioskError
from tests.backoffice.csr import make_csr, new_key

HOST = "backoffice.comune.example.it"


@pytest.fixture
def authority(tmp_path: Path) -> CertificateAuthority:
    made = CertificateAuthority(tmp_path / "ca", kiosk_days=3, crl_days=5)
    made.create(HOST)
    return made


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_init_writes_the_five_files_keys_private(authority: CertificateAuthority) -> None:
    modes = {path.name: path.stat().st_mode & 0o777 for path in authority.directory.iterdir()}
    assert modes == {"ca.pem": 0o644, "ca.key": 0o600, "server.pem": 0o644,
                     "server.key": 0o600, "crl.pem": 0o644}
    for key in (authority.ca_key, authority.server_key):
        assert key.read_text().startswith("-----BEGIN PRIVATE KEY-----")  # PKCS#8


def test_the_ca_certificate_can_sign_certificates_and_crls_only(
        authority: CertificateAuthority) -> None:
    ca = load(authority.ca_pem)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = ca.extensions.get_extension_for_class(x509.KeyUsage).value
    assert (usage.key_cert_sign, usage.crl_sign, usage.digital_signature) == (True, True, False)
    assert isinstance(ca.public_key(), ec.EllipticCurvePublicKey)
    ca.verify_directly_issued_by(ca)


def test_the_server_certificate_verifies_for_the_public_host_localhost_and_loopback(
        authority: CertificateAuthority) -> None:
    server = load(authority.server_pem)
    verifier = PolicyBuilder().store(Store([load(authority.ca_pem)]))
    for name in (x509.DNSName(HOST), x509.DNSName("localhost"),
                 x509.IPAddress(ipaddress.ip_address("127.0.0.1"))):
        chain = verifier.build_server_verifier(name).verify(server, [])
        assert chain[0] == server
    with pytest.raises(x509.verification.VerificationError):
        verifier.build_server_verifier(x509.DNSName("elsewhere.example.it")).verify(server, [])


def test_a_public_host_given_as_an_address_is_an_ip_san(tmp_path: Path) -> None:
    authority = CertificateAuthority(tmp_path / "ca")
    authority.create("192.0.2.10")
    names = load(authority.server_pem).extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("192.0.2.10"),
                                                         ipaddress.ip_address("127.0.0.1")]
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]


def test_init_never_replaces_a_ca(authority: CertificateAuthority) -> None:
    before = authority.ca_key.read_bytes()
    with pytest.raises(KioskError) as caught:
        CertificateAuthority(authority.directory).create(HOST)
    assert caught.value.code == "CA_EXISTS"
    assert authority.ca_key.read_bytes() == before


def test_a_missing_ca_is_a_coded_error(tmp_path: Path) -> None:
    with pytest.raises(KioskError) as caught:
        CertificateAuthority(tmp_path / "nowhere").pin()
    assert caught.value.code == "CA_MISSING"
    assert "kiosk backoffice ca init" in str(caught.value)


def test_the_pin_is_base64url_sha256_of_the_der(authority: CertificateAuthority) -> None:
    der = load(authority.ca_pem).public_bytes(serialization.Encoding.DER)
    expected = base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
    assert authority.pin() == expected == ca_pin(load(authority.ca_pem))
    assert len(expected) == 43


def test_the_empty_crl_is_signed_numbered_and_due_in_crl_days(
        authority: CertificateAuthority) -> None:
    crl = x509.load_pem_x509_crl(authority.crl_pem.read_bytes())
    assert crl.is_signature_valid(load(authority.ca_pem).public_key())  # type: ignore[arg-type]
    assert len(crl) == 0
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number > 0
    aki = crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = load(authority.ca_pem).extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert aki.key_identifier == ski.value.digest
    assert crl.next_update_utc is not None
    ahead = crl.next_update_utc - dt.datetime.now(dt.UTC)
    assert dt.timedelta(days=4, hours=23) < ahead <= dt.timedelta(days=5)


def test_a_kiosk_certificate_takes_only_the_key_from_the_csr(
        authority: CertificateAuthority) -> None:
    key = new_key()
    csr = make_csr(key, subject="CN of someone else", extensions=[
        x509.BasicConstraints(ca=True, path_length=None),
        x509.SubjectAlternativeName([x509.DNSName(HOST)]),
        x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
    ])
    certificate = authority.issue_kiosk_certificate(csr, "atrio-1")
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "atrio-1"
    assert len(certificate.subject) == 1
    assert certificate.public_key() == key.public_key()
    extensions = {type(extension.value) for extension in certificate.extensions}
    assert x509.SubjectAlternativeName not in extensions
    assert not certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and not usage.value.key_cert_sign
    assert certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value == \
        x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])
    lifetime = certificate.not_valid_after_utc - dt.datetime.now(dt.UTC)
    assert dt.timedelta(days=2, hours=23) < lifetime <= dt.timedelta(days=3)
    certificate.verify_directly_issued_by(load(authority.ca_pem))


def test_every_certificate_gets_its_own_random_serial(authority: CertificateAuthority) -> None:
    serials = {authority.issue_kiosk_certificate(make_csr(), "atrio-1").serial_number
               for _ in range(5)}
    assert len(serials) == 5
    assert all(serial.bit_length() > 64 for serial in serials)


def test_rsa_of_2048_bits_is_accepted(authority: CertificateAuthority) -> None:
    key = rsa.generate_private_key(65537, 2048)
    certificate = authority.issue_kiosk_certificate(make_csr(key), "atrio-1", days=1)
    assert certificate.public_key() == key.public_key()


def _tampered_csr() -> str:
    """A CSR whose subject was changed after signing."""
    der = x509.load_pem_x509_csr(make_csr(subject="atrio-1").encode()).public_bytes(
        serialization.Encoding.DER)
    tampered = x509.load_der_x509_csr(der.replace(b"atrio-1", b"atrio-2"))
    return tampered.public_bytes(serialization.Encoding.PEM).decode()


@pytest.mark.parametrize(("csr", "reason"), [
    pytest.param(lambda: "not a CSR", "cannot be read", id="garbage"),
    pytest.param(lambda: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n"
                 "-----END CERTIFICATE REQUEST-----\n", "cannot be read", id="bad-der"),
    pytest.param(_tampered_csr, "signature", id="tampered"),
    pytest.param(lambda: make_csr(ec.generate_private_key(ec.SECP384R1())), "P-256",
                 id="p384"),
    pytest.param(lambda: make_csr(rsa.generate_private_key(65537, 1024)), "2048", id="rsa1024"),
])
def test_a_bad_csr_is_csr_invalid(authority: CertificateAuthority, csr: object,
                                  reason: str) -> None:
    assert callable(csr)
    with pytest.raises(KioskError, match=reason) as caught:
        authority.issue_kiosk_certificate(csr(), "atrio-1")
    assert caught.value.code == "CSR_INVALID"


def test_a_rewritten_crl_lists_the_revoked_serials_under_a_higher_number(
        authority: CertificateAuthority) -> None:
    first = x509.load_pem_x509_crl(authority.crl_pem.read_bytes())
    revoked_at = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
    authority.write_crl([Revoked(0xABC, revoked_at), Revoked(0xDEF, revoked_at)])
    second = x509.load_pem_x509_crl(authority.crl_pem.read_bytes())
    assert sorted(entry.serial_number for entry in second) == [0xABC, 0xDEF]
    entry = second.get_revoked_certificate_by_serial_number(0xABC)
    assert entry is not None
    assert entry.revocation_date_utc == revoked_at
    number = x509.CRLNumber
    assert second.extensions.get_extension_for_class(number).value.crl_number > \
        first.extensions.get_extension_for_class(number).value.crl_number


def _handshake(authority: CertificateAuthority, tmp_path: Path,
               client: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> str | None:
    """A real TLS handshake (OpenSSL on both ends): a server with the CA's server certificate
    that requires a client certificate and checks the CA's CRL. None if it was accepted,
    else the server's reason."""
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(authority.server_pem, authority.server_key)
    server_context.load_verify_locations(authority.ca_pem)
    server_context.load_verify_locations(authority.crl_pem)
    server_context.verify_mode = ssl.CERT_REQUIRED
    server_context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    (tmp_path / "client.pem").write_text(to_pem(client))
    (tmp_path / "client.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    client_context = ssl.create_default_context(cafile=authority.ca_pem)
    client_context.load_cert_chain(tmp_path / "client.pem", tmp_path / "client.key")
    outcome: list[str | None] = []
    with socket.create_server(("127.0.0.1", 0)) as listener:
        def serve() -> None:
            connection, _ = listener.accept()
            try:
                with server_context.wrap_socket(connection, server_side=True):
                    outcome.append(None)
            except ssl.SSLError as exc:
                outcome.append(exc.reason)
                connection.close()

        thread = threading.Thread(target=serve)
        thread.start()
        try:
            with socket.create_connection(listener.getsockname()) as raw, \
                    client_context.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.recv(1)  # TLS 1.3: the server's verdict arrives after the handshake
        except (ssl.SSLError, OSError):
            pass
        finally:
            thread.join(10)
    return outcome[0]


def test_openssl_accepts_a_kiosk_and_refuses_it_once_the_crl_lists_it(
        authority: CertificateAuthority, tmp_path: Path) -> None:
    key = new_key()
    certificate = authority.issue_kiosk_certificate(make_csr(key), "atrio-1")
    assert _handshake(authority, tmp_path, certificate, key) is None
    authority.write_crl([Revoked(certificate.serial_number, dt.datetime.now(dt.UTC))])
    assert _handshake(authority, tmp_path, certificate, key) == "CERTIFICATE_VERIFY_FAILED"
