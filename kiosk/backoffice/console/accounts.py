"""Console accounts: a name, a role, an argon2id password hash, and an optional TOTP secret.

The functions take a Core connection, so the CLI (``kiosk backoffice user``) and the pages
share them and their checks. Hashing and verifying are deliberately slow (argon2id, the
library's defaults): the pages call :func:`verify_password` off the event loop and outside any
transaction.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Row, insert, select, update

from kiosk.backoffice.console.i18n import N_
from kiosk.backoffice.models import ConsoleUser, utcnow
from kiosk.errors import KioskError

USER_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 256
TOTP_ISSUER = "Chiosco CIE"

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


class Role(enum.Enum):
    """What a person may do; each role may do what the roles before it may."""

    CLERK = "clerk"
    TECHNICIAN = "technician"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        """The role's name, marked for translation."""
        return _ROLE_LABELS[self]

    def allows(self, needed: Role) -> bool:
        order = list(Role)
        return order.index(self) >= order.index(needed)


_ROLE_LABELS = {Role.CLERK: N_("clerk"), Role.TECHNICIAN: N_("technician"),
                Role.ADMIN: N_("administrator")}


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: Role
    totp: bool
    auth_epoch: int


@dataclass(frozen=True)
class Credentials:
    """What signing in needs to see; never leaves the server."""

    user: User
    password_hash: str
    totp_secret: str | None


def check_name(name: str) -> str:
    if not USER_NAME.fullmatch(name):
        raise KioskError(f"user name {name!r}: 1 to 64 lowercase letters, digits, '.', '_' "
                         "or '-', starting with a letter or digit", code="BAD_INPUT")
    return name


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise KioskError(f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters",
                         code="PASSWORD_WEAK")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(check_password(password))


def verify_password(encoded: str, password: str) -> bool:
    try:
        return _hasher.verify(encoded, password)
    except (VerificationError, InvalidHashError):
        return False


def _user(row: Row[int, str, str, str | None, int, str]) -> User:
    return User(id=row.id, name=row.name, role=Role(row.role),
                totp=row.totp_secret is not None, auth_epoch=row.auth_epoch)


_COLUMNS = (ConsoleUser.id, ConsoleUser.name, ConsoleUser.role, ConsoleUser.totp_secret,
            ConsoleUser.auth_epoch, ConsoleUser.password_hash)


def add(connection: Connection, name: str, role: Role, password_hash: str) -> User:
    check_name(name)
    if connection.scalar(select(ConsoleUser.id).where(ConsoleUser.name == name)) is not None:
        raise KioskError(f"user {name!r} exists", code="USER_EXISTS")
    new_id = connection.scalar(insert(ConsoleUser).values(
        name=name, role=role.value, password_hash=password_hash, auth_epoch=0,
        created_at=utcnow()).returning(ConsoleUser.id))
    assert new_id is not None
    return User(new_id, name, role, totp=False, auth_epoch=0)


def by_id(connection: Connection, user_id: int) -> User | None:
    row = connection.execute(select(*_COLUMNS).where(ConsoleUser.id == user_id)).one_or_none()
    return None if row is None else _user(row)


def credentials(connection: Connection, name: str) -> Credentials | None:
    row = connection.execute(select(*_COLUMNS).where(ConsoleUser.name == name)).one_or_none()
    if row is None:
        return None
    return Credentials(_user(row), row.password_hash, row.totp_secret)


def every(connection: Connection) -> list[User]:
    rows = connection.execute(select(*_COLUMNS).order_by(ConsoleUser.name))
    return [_user(row) for row in rows]


def _named(connection: Connection, name: str) -> Credentials:
    found = credentials(connection, name)
    if found is None:
        raise KioskError(f"no user named {name!r}", code="USER_NOT_FOUND")
    return found


def set_password(connection: Connection, name: str, password_hash: str) -> None:
    """A new password ends every session of the account (its epoch moves on)."""
    _named(connection, name)
    connection.execute(update(ConsoleUser).where(ConsoleUser.name == name).values(
        password_hash=password_hash, auth_epoch=ConsoleUser.auth_epoch + 1))


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(name: str, secret: str) -> str:
    """What an authenticator app scans (otpauth://)."""
    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=TOTP_ISSUER)


def totp_matches(secret: str, code: str) -> bool:
    """One step either side is accepted: a phone's clock a few seconds off still works."""
    code = code.strip().replace(" ", "")
    return code.isascii() and code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=1)


def set_totp(connection: Connection, name: str, secret: str | None) -> None:
    """Enrol (or, with None, remove) the second factor; sessions of the account end."""
    _named(connection, name)
    connection.execute(update(ConsoleUser).where(ConsoleUser.name == name).values(
        totp_secret=secret, auth_epoch=ConsoleUser.auth_epoch + 1))
