"""The kiosk's identity files: private where they must be, consistent or absent, and the
enrollment token understood without ever being repeated."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509

from kiosk.backoffice.ca import CertificateAuthority, to_pem
from kiosk.uplink import enroll
from kiosk.uplink.credentials import (
    ENROLLMENT,
    CredentialsError,
    Store,
    ca_pin,
    csr_pem,
    new_key,
)

TOKEN_SECRET = "s3cr3t-Token_part-0123456789"


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> CertificateAuthority:
    ca = CertificateAuthority(tmp_path_factory.mktemp("ca") / "ca")
    ca.create("localhost")
    return ca


def enrolled_store(directory: Path, authority: CertificateAuthority) -> Store:
    key = new_key()
    certificate = authority.issue_kiosk_certificate(csr_pem(key), "kiosk-1")
    store = Store(directory)
    store.save("kiosk-1", "https://localhost:8443", key, to_pem(certificate).encode(),
               authority.certificate_pem().encode())
    return store


def test_the_pin_is_the_back_offices_pin(authority: CertificateAuthority) -> None:
    assert ca_pin(authority.certificate_pem().encode()) == authority.pin()


def test_a_saved_enrollment_loads_back_with_private_files(
        tmp_path: Path, authority: CertificateAuthority) -> None:
    store = enrolled_store(tmp_path / "uplink", authority)
    identity = store.load()
    assert (identity.kiosk, identity.api_url) == ("kiosk-1", "https://localhost:8443")
    assert identity.pin == authority.pin() and not identity.expired()
    assert (tmp_path / "uplink").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "uplink" / "key.pem").stat().st_mode & 0o777 == 0o600
    assert identity.ssl_context().verify_mode.name == "CERT_REQUIRED"
    assert not list((tmp_path / "uplink").glob(".*"))  # no temporary file left behind


def test_the_csr_carries_the_kiosks_public_key(authority: CertificateAuthority) -> None:
    key = new_key()
    request = x509.load_pem_x509_csr(csr_pem(key).encode())
    assert request.is_signature_valid
    assert request.public_key() == key.public_key()


def test_without_the_mark_the_kiosk_is_not_enrolled(
        tmp_path: Path, authority: CertificateAuthority) -> None:
    """A crash between the files and the mark leaves 'not enrolled', never half an identity."""
    store = enrolled_store(tmp_path / "uplink", authority)
    (tmp_path / "uplink" / ENROLLMENT).unlink()
    assert not store.enrolled()
    with pytest.raises(CredentialsError) as missing:
        store.load()
    assert missing.value.code == "NOT_ENROLLED"


def test_a_certificate_for_another_key_is_refused(
        tmp_path: Path, authority: CertificateAuthority) -> None:
    store = enrolled_store(tmp_path / "uplink", authority)
    other = authority.issue_kiosk_certificate(csr_pem(new_key()), "kiosk-1")
    store.replace_certificate(to_pem(other).encode())
    with pytest.raises(CredentialsError) as mismatch:
        store.load()
    assert mismatch.value.code == "NOT_ENROLLED" and "not for this key" in str(mismatch.value)


@pytest.mark.parametrize("token", ["", "v1.only-two", f"v2.{TOKEN_SECRET}.{'A' * 43}",
                                   f"v1..{'A' * 43}", f"v1.{TOKEN_SECRET}.short",
                                   f"v1.{TOKEN_SECRET}.{'A' * 43}.extra"])
def test_a_malformed_token_is_refused_without_being_repeated(token: str) -> None:
    with pytest.raises(CredentialsError) as bad:
        enroll.parse_token(token)
    assert bad.value.code == "BAD_INPUT"
    assert TOKEN_SECRET not in str(bad.value)


def test_a_token_splits_into_secret_and_pin(authority: CertificateAuthority) -> None:
    assert enroll.parse_token(f" v1.{TOKEN_SECRET}.{authority.pin()}\n") == (
        TOKEN_SECRET, authority.pin())


def test_an_enrolled_kiosk_refuses_to_enroll_again_unless_forced(
        tmp_path: Path, authority: CertificateAuthority) -> None:
    store = enrolled_store(tmp_path / "uplink", authority)
    with pytest.raises(CredentialsError) as again:
        enroll.enroll("https://127.0.0.1:9", f"v1.{TOKEN_SECRET}.{authority.pin()}", store)
    assert again.value.code == "ALREADY_ENROLLED"


def test_an_unreachable_back_office_writes_nothing(tmp_path: Path,
                                                   authority: CertificateAuthority) -> None:
    import socket

    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    store = Store(tmp_path / "uplink")
    with pytest.raises(CredentialsError) as away:
        enroll.enroll(f"https://127.0.0.1:{port}", f"v1.{TOKEN_SECRET}.{authority.pin()}",
                      store, timeout=2)
    assert away.value.code == "ENROLL_UNREACHABLE" and TOKEN_SECRET not in str(away.value)
    assert not store.directory.exists() or not any(store.directory.iterdir())
