"""Login throttling: wrong passwords (and wrong TOTP codes) counted per account and per client
address, in the database, so every worker process on every machine sees the same count.

Five failures on an account within the window lock it for a while; an address gets more room
(a town hall's clerks may all come from one NAT address) before it is locked the same way.
While locked, even the right password is refused with ``LOGIN_LOCKED``: a guesser learns
nothing from trying on. A successful sign-in clears its account's count, not its address's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from kiosk.backoffice.models import ConsoleLoginFailure


@dataclass(frozen=True)
class Policy:
    account_failures: int = 5
    address_failures: int = 20
    window: dt.timedelta = dt.timedelta(minutes=15)
    lock: dt.timedelta = dt.timedelta(minutes=5)


def keys(account: str, address: str, policy: Policy = Policy()) -> dict[str, int]:
    """The counters one attempt touches, with the failures each may have."""
    return {f"account:{account}"[:128]: policy.account_failures,
            f"address:{address}"[:128]: policy.address_failures}


def locked_until(connection: Connection, account: str, address: str,
                 now: dt.datetime) -> dt.datetime | None:
    """When the later of the two locks ends, or None when neither holds."""
    ends = [end for end in connection.scalars(
        select(ConsoleLoginFailure.locked_until)
        .where(ConsoleLoginFailure.key.in_(keys(account, address)),
               ConsoleLoginFailure.locked_until > now)) if end is not None]
    return max(ends, default=None)


def failed(connection: Connection, account: str, address: str, now: dt.datetime,
           policy: Policy = Policy()) -> None:
    """Count one failure on both counters; lock the ones that reached their limit."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    for key, limit in keys(account, address, policy).items():
        upsert = dialect.insert(ConsoleLoginFailure).values(
            key=key, failures=1, first_at=now, locked_until=None)
        row = connection.execute(upsert.on_conflict_do_update(
            index_elements=[ConsoleLoginFailure.key],
            set_={"failures": ConsoleLoginFailure.failures + 1},
        ).returning(ConsoleLoginFailure.failures, ConsoleLoginFailure.first_at)).one()
        this = update(ConsoleLoginFailure).where(ConsoleLoginFailure.key == key)
        if row.first_at < now - policy.window:
            connection.execute(this.values(failures=1, first_at=now, locked_until=None))
        elif row.failures >= limit:
            connection.execute(this.values(locked_until=now + policy.lock))


def succeeded(connection: Connection, account: str) -> None:
    connection.execute(delete(ConsoleLoginFailure)
                       .where(ConsoleLoginFailure.key == f"account:{account}"[:128]))
