"""A kiosk's life on the back-office, on SQLite and PostgreSQL: tokens that work once, a
certificate for the kiosk's own key, renewal, revocation that reaches the CRL."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from cryptography import x509
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from kiosk.backoffice.ca import CertificateAuthority, serial_hex
from kiosk.backoffice.models import Certificate, EnrollmentToken, Kiosk, utcnow
from kiosk.backoffice.registry import Registry
from kiosk.errors import KioskError
from tests.backoffice.csr import make_csr, new_key


@pytest.fixture
def registry(sessions: sessionmaker[Session], ca: CertificateAuthority) -> Registry:
    return Registry(sessions, ca)


def secret_of(token: str) -> str:
    version, secret, _pin = token.split(".")
    assert version == "v1"
    return secret


def enroll(registry: Registry, name: str = "atrio-1") -> x509.Certificate:
    enrolled = registry.redeem(secret_of(registry.add_kiosk(name, 24)), make_csr())
    assert enrolled.kiosk == name
    return x509.load_pem_x509_certificate(enrolled.certificate_pem.encode())


def revoked_in_crl(ca: CertificateAuthority) -> set[int]:
    return {entry.serial_number for entry in x509.load_pem_x509_crl(ca.crl_pem.read_bytes())}


def refused(registry: Registry, secret: str) -> str:
    with pytest.raises(KioskError) as caught:
        registry.redeem(secret, make_csr())
    assert caught.value.code == "TOKEN_INVALID"
    return str(caught.value)


def test_a_token_carries_the_ca_pin_and_only_its_digest_is_stored(
        registry: Registry, ca: CertificateAuthority, sessions: sessionmaker[Session]) -> None:
    token = registry.add_kiosk("atrio-1", 24)
    version, secret, pin = token.split(".")
    assert (version, pin) == ("v1", ca.pin())
    assert len(secret) == 32
    with sessions() as session:
        row = session.scalars(select(EnrollmentToken)).one()
    assert secret not in row.token_sha256
    assert row.expires_at - row.created_at == dt.timedelta(hours=24)


def test_redeeming_certifies_the_csr_key_for_the_kiosk_and_records_it(
        registry: Registry, sessions: sessionmaker[Session]) -> None:
    key = new_key()
    secret = secret_of(registry.add_kiosk("atrio-1", 24))
    enrolled = registry.redeem(secret, make_csr(key, subject="not-my-name"))
    certificate = x509.load_pem_x509_certificate(enrolled.certificate_pem.encode())
    assert enrolled.kiosk == "atrio-1"
    assert certificate.subject.rfc4514_string() == "CN=atrio-1"
    assert certificate.public_key() == key.public_key()
    with sessions() as session:
        row = session.scalars(select(Certificate)).one()
        assert session.get_one(Kiosk, row.kiosk_id).name == "atrio-1"
    assert row.serial == serial_hex(certificate)
    assert row.not_after == certificate.not_valid_after_utc
    assert row.revoked_at is None


def test_a_used_unknown_or_expired_token_gets_one_and_the_same_refusal(
        registry: Registry, sessions: sessionmaker[Session]) -> None:
    used = secret_of(registry.add_kiosk("atrio-1", 24))
    registry.redeem(used, make_csr())
    expired = secret_of(registry.add_kiosk("atrio-2", 1))
    with sessions.begin() as session:
        session.execute(update(EnrollmentToken).values(
            expires_at=utcnow() - dt.timedelta(seconds=1)))
    messages = {refused(registry, used), refused(registry, expired),
                refused(registry, "x" * 32), refused(registry, "")}
    assert len(messages) == 1
    with sessions() as session:
        assert len(session.scalars(select(Certificate)).all()) == 1


def test_a_revoked_kiosks_token_is_refused_like_any_other(registry: Registry) -> None:
    secret = secret_of(registry.add_kiosk("atrio-1", 24))
    registry.revoke("atrio-1")
    refused(registry, secret)


def test_a_bad_csr_spends_no_token(registry: Registry) -> None:
    secret = secret_of(registry.add_kiosk("atrio-1", 24))
    with pytest.raises(KioskError) as caught:
        registry.redeem(secret, "not a CSR")
    assert caught.value.code == "CSR_INVALID"
    assert registry.redeem(secret, make_csr()).kiosk == "atrio-1"


@pytest.mark.parametrize("racers", [2, 8])
def test_concurrent_redemptions_of_one_token_give_exactly_one_certificate(
        registry: Registry, sessions: sessionmaker[Session], racers: int) -> None:
    secret = secret_of(registry.add_kiosk("atrio-1", 24))
    csrs = [make_csr() for _ in range(racers)]
    start = threading.Barrier(racers)
    outcomes: list[str] = []

    def race(csr: str) -> None:
        start.wait()
        try:
            registry.redeem(secret, csr)
            outcomes.append("certificate")
        except KioskError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=race, args=(csr,)) for csr in csrs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["TOKEN_INVALID"] * (racers - 1) + ["certificate"]
    with sessions() as session:
        assert len(session.scalars(select(Certificate)).all()) == 1


def test_a_name_in_use_is_refused_and_a_bad_name_too(registry: Registry) -> None:
    registry.add_kiosk("atrio-1", 24)
    with pytest.raises(KioskError) as caught:
        registry.add_kiosk("atrio-1", 24)
    assert caught.value.code == "KIOSK_EXISTS"
    for name in ("", "-dash", "with space", "x" * 65, "slash/name"):
        with pytest.raises(KioskError) as caught:
            registry.add_kiosk(name, 24)
        assert caught.value.code == "BAD_INPUT"
    assert [kiosk.name for kiosk in registry.kiosks()] == ["atrio-1"]


def test_without_a_ca_no_kiosk_is_added(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    registry = Registry(sessions, CertificateAuthority(tmp_path / "no-ca"))
    with pytest.raises(KioskError) as caught:
        registry.add_kiosk("atrio-1", 24)
    assert caught.value.code == "CA_MISSING"
    assert registry.kiosks() == []


def test_reenrolling_gives_a_new_token_and_the_new_key_supersedes_the_old(
        registry: Registry, ca: CertificateAuthority) -> None:
    old = enroll(registry)
    first_again = secret_of(registry.add_kiosk("atrio-1", 24, reenroll=True))
    second_again = secret_of(registry.add_kiosk("atrio-1", 24, reenroll=True))
    refused(registry, first_again)  # the newer token made it lapse
    new = x509.load_pem_x509_certificate(
        registry.redeem(second_again, make_csr()).certificate_pem.encode())
    assert revoked_in_crl(ca) == {old.serial_number}
    [summary] = registry.kiosks()
    assert summary.enrollment == "enrolled"
    assert summary.certificate_expires == new.not_valid_after_utc


def test_renewal_issues_a_second_certificate_and_keeps_the_first_until_it_expires(
        registry: Registry, sessions: sessionmaker[Session]) -> None:
    old = enroll(registry)
    key = new_key()
    renewed = x509.load_pem_x509_certificate(
        registry.renew("atrio-1", make_csr(key)).encode())
    assert renewed.subject == old.subject
    assert renewed.public_key() == key.public_key()
    assert renewed.serial_number != old.serial_number
    with sessions() as session:
        rows = session.scalars(select(Certificate).order_by(Certificate.id)).all()
    assert [(row.serial, row.revoked_at) for row in rows] == [
        (serial_hex(old), None), (serial_hex(renewed), None)]


def test_a_revoked_or_unknown_kiosk_cannot_renew(registry: Registry) -> None:
    enroll(registry)
    registry.revoke("atrio-1")
    for name, code in (("atrio-1", "KIOSK_REVOKED"), ("atrio-9", "KIOSK_NOT_FOUND")):
        with pytest.raises(KioskError) as caught:
            registry.renew(name, make_csr())
        assert caught.value.code == code


def test_revocation_marks_the_kiosk_and_its_certificates_and_reaches_the_crl(
        registry: Registry, ca: CertificateAuthority, sessions: sessionmaker[Session]) -> None:
    first = enroll(registry)
    second = x509.load_pem_x509_certificate(registry.renew("atrio-1", make_csr()).encode())
    bystander = enroll(registry, "atrio-2")
    spare = secret_of(registry.add_kiosk("atrio-1", 24, reenroll=True))
    registry.revoke("atrio-1")
    registry.revoke("atrio-1")  # again: nothing changes, nothing fails
    assert revoked_in_crl(ca) == {first.serial_number, second.serial_number}
    with sessions() as session:
        kiosk = session.scalars(select(Kiosk).where(Kiosk.name == "atrio-1")).one()
        states = dict(session.execute(
            select(Certificate.serial, Certificate.revoked_at.is_not(None))).all())
    assert kiosk.revoked_at is not None
    assert states == {serial_hex(first): True, serial_hex(second): True,
                      serial_hex(bystander): False}
    with sessions.begin() as session:  # even were the kiosk not revoked, its spare token lapsed
        session.execute(update(Kiosk).values(revoked_at=None))
    refused(registry, spare)
    with pytest.raises(KioskError) as caught:
        registry.revoke("atrio-9")
    assert caught.value.code == "KIOSK_NOT_FOUND"


def test_a_revoked_kiosk_can_be_taken_back_with_a_new_key_only(
        registry: Registry, ca: CertificateAuthority) -> None:
    old = enroll(registry)
    registry.revoke("atrio-1")
    secret = secret_of(registry.add_kiosk("atrio-1", 24, reenroll=True))
    assert registry.kiosks()[0].enrollment == "pending"
    registry.redeem(secret, make_csr())
    assert registry.kiosks()[0].enrollment == "enrolled"
    assert revoked_in_crl(ca) == {old.serial_number}


def test_the_list_says_each_kiosks_standing_and_last_contact(
        registry: Registry, sessions: sessionmaker[Session]) -> None:
    registry.add_kiosk("atrio-3", 24)
    certificate = enroll(registry, "atrio-1")
    enroll(registry, "atrio-2")
    registry.revoke("atrio-2")
    seen = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
    with sessions.begin() as session:
        session.execute(update(Kiosk).where(Kiosk.name == "atrio-1").values(
            last_seen_at=seen, state="idle"))
    listed = {summary.name: summary for summary in registry.kiosks()}
    assert [name for name in listed] == ["atrio-1", "atrio-2", "atrio-3"]
    assert (listed["atrio-1"].enrollment, listed["atrio-1"].state,
            listed["atrio-1"].last_contact) == ("enrolled", "idle", seen)
    assert listed["atrio-1"].certificate_expires == certificate.not_valid_after_utc
    assert listed["atrio-2"].enrollment == "revoked"
    assert listed["atrio-2"].revoked_at is not None
    assert listed["atrio-2"].certificate_expires is None
    assert (listed["atrio-3"].enrollment, listed["atrio-3"].last_contact) == ("pending", None)
    with sessions.begin() as session:
        session.execute(update(Certificate).values(not_after=utcnow()))
    assert registry.kiosks()[0].enrollment == "expired"
