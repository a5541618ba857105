"""Accounts and the login throttle on the real databases (SQLite and PostgreSQL): what the
pages and the CLI rely on, without a browser."""

from __future__ import annotations

import datetime as dt

import pyotp

from kiosk.backoffice import db
from kiosk.backoffice.console import accounts, throttle
from kiosk.backoffice.console.accounts import Role
from kiosk.backoffice.models import utcnow


def test_passwords_are_argon2id_and_a_new_one_ends_the_sessions(database_url: str) -> None:
    engine = db.make_engine(database_url)
    try:
        with engine.begin() as connection:
            user = accounts.add(connection, "g.bianchi", Role.CLERK,
                                accounts.hash_password("correct horse battery"))
            found = accounts.credentials(connection, "g.bianchi")
            assert found is not None
            assert found.password_hash.startswith("$argon2id$")
            assert accounts.verify_password(found.password_hash, "correct horse battery")
            assert not accounts.verify_password(found.password_hash, "correct horse batter")
            accounts.set_password(connection, "g.bianchi", accounts.hash_password("new one, long"))
            changed = accounts.by_id(connection, user.id)
            assert changed is not None and changed.auth_epoch == user.auth_epoch + 1
    finally:
        engine.dispose()


def test_a_totp_code_of_now_matches_and_an_old_one_does_not() -> None:
    secret = accounts.new_totp_secret()
    totp = pyotp.TOTP(secret)
    assert accounts.totp_matches(secret, totp.now())
    assert not accounts.totp_matches(secret, totp.at(utcnow() - dt.timedelta(minutes=5)))
    assert not accounts.totp_matches(secret, "12345a")
    assert accounts.totp_uri("g.bianchi", secret).startswith("otpauth://totp/")


def test_five_failures_lock_an_account_and_a_success_clears_it(database_url: str) -> None:
    engine = db.make_engine(database_url)
    now = utcnow()
    try:
        with engine.begin() as connection:
            for _ in range(4):
                throttle.failed(connection, "g.bianchi", "192.0.2.7", now)
            assert throttle.locked_until(connection, "g.bianchi", "192.0.2.7", now) is None
            throttle.failed(connection, "g.bianchi", "192.0.2.7", now)
            until = throttle.locked_until(connection, "g.bianchi", "192.0.2.7", now)
            assert until == now + throttle.Policy().lock
            # another address is locked out of this account too; the account's lock ends
            assert throttle.locked_until(connection, "g.bianchi", "198.51.100.1", now) == until
            assert throttle.locked_until(connection, "g.bianchi", "192.0.2.7", until) is None
            throttle.succeeded(connection, "g.bianchi")
            throttle.failed(connection, "g.bianchi", "192.0.2.7", until)
            assert throttle.locked_until(connection, "g.bianchi", "192.0.2.7", until) is None
    finally:
        engine.dispose()


def test_failures_older_than_the_window_start_a_new_count(database_url: str) -> None:
    engine = db.make_engine(database_url)
    now = utcnow()
    later = now + throttle.Policy().window + dt.timedelta(seconds=1)
    try:
        with engine.begin() as connection:
            for _ in range(4):
                throttle.failed(connection, "a.verdi", "192.0.2.8", now)
            throttle.failed(connection, "a.verdi", "192.0.2.8", later)
            assert throttle.locked_until(connection, "a.verdi", "192.0.2.8", later) is None
    finally:
        engine.dispose()


def test_an_address_is_locked_after_twenty_failures_whatever_the_names(
        database_url: str) -> None:
    engine = db.make_engine(database_url)
    now = utcnow()
    limit = throttle.Policy().address_failures
    try:
        with engine.begin() as connection:
            for attempt in range(limit):
                throttle.failed(connection, f"guess-{attempt}", "203.0.113.9", now)
            assert throttle.locked_until(connection, "someone-else", "203.0.113.9", now)
            assert throttle.locked_until(connection, "someone-else", "203.0.113.10", now) \
                is None
    finally:
        engine.dispose()
