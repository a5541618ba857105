"""``kiosk enroll`` against the real back-office: the kiosk's key stays home, the CA is pinned
from the token, and a reused, expired, wrong or mis-pinned token gets nothing written."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from pathlib import Path

import pytest
from cryptography import x509
from sqlalchemy import select, update

from kiosk.backoffice.models import Certificate, EnrollmentToken, Kiosk
from kiosk.backoffice.registry import token_digest
from tests.backoffice.stack import Stack
from tests.conftest import run_kiosk
from tests.uplink.home import kiosk_home

pytestmark = pytest.mark.slow  # a real back-office per database kind


def test_enroll_pins_the_ca_keeps_the_key_and_reports_it(tmp_path: Path,
                                                         backoffice_stack: Stack) -> None:
    name, token = backoffice_stack.add_kiosk()
    home = kiosk_home(tmp_path, name)
    done = run_kiosk("enroll", "--url", backoffice_stack.enroll_url, "--config",
                     str(home.config), stdin=token + "\n")
    assert done.returncode == 0, done.stderr
    assert token.split(".")[1] not in done.stdout + done.stderr
    files = {p.name: p.stat().st_mode & 0o777 for p in home.uplink_dir.iterdir()}
    assert files["key.pem"] == 0o600 and home.uplink_dir.stat().st_mode & 0o777 == 0o700
    assert (home.uplink_dir / "ca.pem").read_bytes() == backoffice_stack.ca_file.read_bytes()
    issued = x509.load_pem_x509_certificate((home.uplink_dir / "cert.pem").read_bytes())
    with backoffice_stack.session() as session:
        serials = session.scalars(select(Certificate.serial).join(Kiosk).where(
            Kiosk.name == name)).all()
    assert serials == [format(issued.serial_number, "x")]

    status = home.kiosk("uplink", "status")
    assert status["enrolled"] is True and status["kiosk"] == name
    assert status["ca_pin"] == backoffice_stack.ca.pin()
    assert status["api_url"] == f"https://localhost:{backoffice_stack.api_url.rsplit(':', 1)[1]}"
    assert status["certificate_expires"] == issued.not_valid_after_utc.isoformat()
    assert status["certificate_expired"] is False

    again = home.kiosk("enroll", "--url", backoffice_stack.enroll_url, stdin=token + "\n")
    assert again["error"]["code"] == "ALREADY_ENROLLED"  # type: ignore[index]


def assert_refused(home_dir: Path, stack: Stack, token: str, code: str) -> None:
    home = kiosk_home(home_dir)
    done = run_kiosk("enroll", "--url", stack.enroll_url, "--config", str(home.config),
                     "--json", stdin=token + "\n")
    assert done.returncode != 0
    assert f'"code": "{code}"' in done.stdout, done.stdout
    assert token.split(".")[1] not in done.stdout + done.stderr
    assert not home.uplink_dir.exists() or not any(home.uplink_dir.iterdir())


def test_a_reused_token_is_refused_and_nothing_written(tmp_path: Path,
                                                       backoffice_stack: Stack) -> None:
    name, token = backoffice_stack.add_kiosk()
    first = kiosk_home(tmp_path / "first", name)
    assert first.kiosk("enroll", "--url", backoffice_stack.enroll_url,
                       stdin=token + "\n")["enrolled"] is True
    assert_refused(tmp_path / "second", backoffice_stack, token, "ENROLL_REFUSED")


def test_an_expired_token_is_refused(tmp_path: Path, backoffice_stack: Stack) -> None:
    _name, token = backoffice_stack.add_kiosk()
    with backoffice_stack.sessions.begin() as session:
        session.execute(update(EnrollmentToken).where(
            EnrollmentToken.token_sha256 == token_digest(token.split(".")[1])
        ).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    assert_refused(tmp_path, backoffice_stack, token, "ENROLL_REFUSED")


def test_a_wrong_token_is_refused(tmp_path: Path, backoffice_stack: Stack) -> None:
    wrong = f"v1.{secrets.token_urlsafe(32)}.{backoffice_stack.ca.pin()}"
    assert_refused(tmp_path, backoffice_stack, wrong, "ENROLL_REFUSED")


def test_a_ca_that_is_not_the_tokens_is_refused_before_the_secret_leaves(
        tmp_path: Path, backoffice_stack: Stack) -> None:
    name, token = backoffice_stack.add_kiosk()
    version, secret, _pin = token.split(".")
    other_pin = (hashlib.sha256(b"another CA").digest().hex()[:43])
    assert_refused(tmp_path / "pinned-elsewhere", backoffice_stack,
                   f"{version}.{secret}.{other_pin}", "ENROLL_CA_MISMATCH")
    with backoffice_stack.session() as session:
        row = session.scalars(select(EnrollmentToken).where(
            EnrollmentToken.token_sha256 == token_digest(secret))).one()
    assert row.used_at is None  # the secret never reached the back-office
    home = kiosk_home(tmp_path / "right", name)
    assert home.kiosk("enroll", "--url", backoffice_stack.enroll_url,
                      stdin=token + "\n")["enrolled"] is True
