"""A smartphone login's life in the database, one transaction per step, each a plain
function on a Core connection (the API's and the pages' handlers run them):

``issue`` (the kiosk asks for a QR) → ``start`` (the phone opens the one-time URL: spent)
→ ``finish`` (the provider's answer checked: the code is shown) → ``redeem`` (the kiosk that
issued it, once, within the code's life, at most ``code_tries`` wrong codes).

Every step that can be refused returns its refusal as a value rather than raising it: a
raise rolls the transaction back, and a wrong code must stay counted.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from kiosk.backoffice.models import PhoneLogin
from kiosk.backoffice.phone.oidc import Identity
from kiosk.backoffice.phone.tokens import CodeKey, digest, new_token
from kiosk.uplink.schemas import IDENTITY_SOURCE_SMARTPHONE

# Codes drawn until one is unlike every live code: 10**6 codes, a handful live at once.
_CODE_DRAWS = 20
# A login keeps the citizen's identity only while its code may still be redeemed: once the
# kiosk has it (redeemed), or it can no longer have it (ended, expired), only the times, the
# kiosk and where the identity came from stay.
_FORGOTTEN = {"given_name": None, "family_name": None, "fiscal_number": None}


class LinkRefusal(enum.Enum):
    """Why a phone cannot start a login with the URL it opened (the page says what to do)."""

    UNKNOWN = "link-unknown"
    USED = "link-used"
    EXPIRED = "link-expired"


class FinishRefusal(enum.Enum):
    UNKNOWN = "login-unknown"  # no login has that state
    OTHER_BROWSER = "other-browser"  # not the browser that opened the link
    DONE = "login-done"  # the code was shown already
    EXPIRED = "login-expired"  # the login took longer than phone.login_seconds


@dataclass(frozen=True, slots=True)
class Refusal:
    """A redeem refused: the HTTP status and the code the kiosk turns into a screen."""

    status: int
    code: str
    message: str


def issue(connection: Connection, kiosk_id: int, now: dt.datetime,
          lifetime: dt.timedelta) -> tuple[str, str, dt.datetime]:
    """(login id, the URL's token, its expiry) for a new login of ``kiosk_id``; the
    identities of logins whose code expired unredeemed are forgotten on the way."""
    connection.execute(update(PhoneLogin).where(
        PhoneLogin.code_expires_at <= now, PhoneLogin.given_name.is_not(None)).values(
        **_FORGOTTEN))
    login_id, token = secrets.token_urlsafe(18), new_token()
    connection.execute(insert(PhoneLogin).values(
        id=login_id, kiosk_id=kiosk_id, link_digest=digest(token), created_at=now,
        link_expires_at=now + lifetime, wrong_codes=0))
    return login_id, token, now + lifetime


def start(connection: Connection, token: str, state: str, flow: str,
          now: dt.datetime) -> LinkRefusal | None:
    """Spend the URL's token for the login the phone now starts with ``state``."""
    row = connection.execute(select(PhoneLogin.id, PhoneLogin.started_at,
                                    PhoneLogin.link_expires_at, PhoneLogin.ended_at)
                             .where(PhoneLogin.link_digest == digest(token))).one_or_none()
    if row is None:
        return LinkRefusal.UNKNOWN
    if row.started_at is not None or row.ended_at is not None:
        return LinkRefusal.USED
    if row.link_expires_at <= now:
        return LinkRefusal.EXPIRED
    spent = connection.execute(update(PhoneLogin).where(
        PhoneLogin.id == row.id, PhoneLogin.started_at.is_(None)).values(
        started_at=now, state_digest=digest(state), flow_digest=digest(flow)))
    return None if spent.rowcount == 1 else LinkRefusal.USED


def pending(connection: Connection, state: str, flow: str | None, now: dt.datetime,
            lifetime: dt.timedelta) -> str | FinishRefusal:
    """The login id that ``state`` started, if this browser may finish it now."""
    row = connection.execute(select(PhoneLogin.id, PhoneLogin.flow_digest,
                                    PhoneLogin.created_at, PhoneLogin.authenticated_at,
                                    PhoneLogin.ended_at)
                             .where(PhoneLogin.state_digest == digest(state))).one_or_none()
    if row is None:
        return FinishRefusal.UNKNOWN
    if flow is None or not secrets.compare_digest(row.flow_digest or "", digest(flow)):
        return FinishRefusal.OTHER_BROWSER
    if row.authenticated_at is not None or row.ended_at is not None:
        return FinishRefusal.DONE
    if row.created_at + lifetime <= now:
        return FinishRefusal.EXPIRED
    return str(row.id)


def finish(connection: Connection, login_id: str, identity: Identity, *, key: CodeKey,
           now: dt.datetime, lifetime: dt.timedelta) -> str | FinishRefusal:
    """Record who the provider said the citizen is; the code to show (in no row)."""
    live = set(connection.scalars(select(PhoneLogin.code_digest).where(
        PhoneLogin.code_expires_at > now, PhoneLogin.redeemed_at.is_(None),
        PhoneLogin.ended_at.is_(None))))
    for _ in range(_CODE_DRAWS):
        code = key.new_code()
        if key.digest(code) not in live:
            break
    done = connection.execute(update(PhoneLogin).where(
        PhoneLogin.id == login_id, PhoneLogin.authenticated_at.is_(None)).values(
        authenticated_at=now, code_digest=key.digest(code), code_expires_at=now + lifetime,
        given_name=identity.given_name, family_name=identity.family_name,
        fiscal_number=identity.fiscal_number))
    return code if done.rowcount == 1 else FinishRefusal.DONE


def redeem(connection: Connection, kiosk_id: int, login_id: str, code: str, *, key: CodeKey,
           now: dt.datetime, tries: int) -> Identity | Refusal:
    """Bind the kiosk's session to the login's identity, if ``code`` is its code."""
    typed = key.digest(code)
    row = connection.execute(select(PhoneLogin).where(PhoneLogin.id == login_id)).one_or_none()
    if row is None or row.kiosk_id != kiosk_id:
        return Refusal(404, "PHONE_LOGIN_NOT_FOUND", "no such login for this kiosk")
    if row.ended_at is not None:
        return Refusal(410, "PHONE_TOO_MANY_TRIES", "too many wrong codes: start again")
    if row.redeemed_at is not None:
        return Refusal(409, "PHONE_CODE_USED", "this login's code has been used")
    matches = row.code_digest is not None and secrets.compare_digest(row.code_digest, typed)
    if matches and row.code_expires_at is not None and row.code_expires_at <= now:
        return Refusal(410, "PHONE_CODE_EXPIRED", "the code has expired: start again")
    if not matches:
        if row.started_at is None and row.link_expires_at <= now:
            return Refusal(410, "PHONE_LINK_EXPIRED", "the QR code expired before it was used")
        return _wrong(connection, row.id, typed, kiosk_id=kiosk_id, now=now, tries=tries,
                      wrong_before=row.wrong_codes)
    redeemed = connection.execute(update(PhoneLogin).where(
        PhoneLogin.id == row.id, PhoneLogin.redeemed_at.is_(None)).values(
        redeemed_at=now, identity_source=IDENTITY_SOURCE_SMARTPHONE, **_FORGOTTEN))
    if redeemed.rowcount != 1:
        return Refusal(409, "PHONE_CODE_USED", "this login's code has been used")
    return Identity(row.given_name or "", row.family_name or "", row.fiscal_number or "")


def _wrong(connection: Connection, login_id: str, typed: str, *, kiosk_id: int,
           now: dt.datetime, tries: int, wrong_before: int) -> Refusal:
    """A wrong code counts a try; the last try ends the login. A code that is another
    kiosk's live code, or one already redeemed, says so: the citizen learns where to go (the
    right kiosk, or a new QR) instead of typing it again."""
    wrong = wrong_before + 1
    ended = {"ended_at": now, **_FORGOTTEN} if wrong >= tries else {}
    connection.execute(update(PhoneLogin).where(PhoneLogin.id == login_id).values(
        wrong_codes=wrong, **ended))
    if wrong >= tries:
        return Refusal(410, "PHONE_TOO_MANY_TRIES", "too many wrong codes: start again")
    same_code = select(PhoneLogin.kiosk_id, PhoneLogin.redeemed_at).where(
        PhoneLogin.code_digest == typed, PhoneLogin.id != login_id,
        PhoneLogin.code_expires_at > now, PhoneLogin.ended_at.is_(None))
    for other in connection.execute(same_code.limit(4)):
        if other.redeemed_at is not None:
            return Refusal(409, "PHONE_CODE_USED", "this code has been used")
        if other.kiosk_id != kiosk_id:
            return Refusal(403, "PHONE_CODE_OTHER_KIOSK", "this code belongs to another kiosk")
    return Refusal(422, "PHONE_CODE_WRONG", f"wrong code: {tries - wrong} tries left")
