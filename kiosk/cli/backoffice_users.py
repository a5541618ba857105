"""``kiosk backoffice user add | list | passwd | totp``: the console's accounts
(kiosk.backoffice.console.accounts). Registered into the ``kiosk backoffice`` group.

A password is read from standard input when it is not a terminal (one line: scripts and
provisioning), else prompted for twice without echo; it is never an argument (argument lists
are visible to every user of the machine) and never printed or logged. ``user totp NAME``
prints the new secret and its otpauth URI once, for the person's authenticator app.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from kiosk.backoffice.config import BackofficeConfig
from kiosk.cli import output
from kiosk.errors import KioskError

if TYPE_CHECKING:
    from sqlalchemy import Connection

Handler = Callable[[argparse.Namespace, BackofficeConfig], int]
AddCommand = Callable[..., argparse.ArgumentParser]
ROLES = ("clerk", "technician", "admin")  # console.accounts.Role's values


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser],
             add_command: AddCommand) -> None:
    users = commands.add_parser("user", help="the clerks' console accounts").add_subparsers(
        dest="user_command", required=True, metavar="COMMAND")
    add = add_command(users, "add", cmd_add,
                      help="add a console account (password from stdin, or prompted)")
    add.add_argument("name", help="lowercase letters, digits, '.', '_' or '-'")
    add.add_argument("--role", choices=ROLES, required=True)
    add_command(users, "list", cmd_list, help="list the console accounts")
    passwd = add_command(users, "passwd", cmd_passwd,
                         help="set an account's password (its sessions end)")
    passwd.add_argument("name")
    totp = add_command(users, "totp", cmd_totp,
                       help="give an account a new TOTP secret, printed once (or --off)")
    totp.add_argument("name")
    totp.add_argument("--off", action="store_true", help="remove the second factor")


def read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise KioskError("the two passwords differ", code="BAD_INPUT")
    return first


@contextmanager
def _connection(config: BackofficeConfig) -> Iterator[Connection]:
    from kiosk.backoffice import db  # noqa: PLC0415 - the extra's, see kiosk.cli.backoffice

    db.require_head(config.database_url)
    engine = db.make_engine(config.database_url)
    try:
        with db.unavailable_as_error(engine.url), engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()


def _audit(connection: Connection, action: str, name: str) -> None:
    from kiosk.backoffice.console import audit  # noqa: PLC0415
    from kiosk.backoffice.models import utcnow  # noqa: PLC0415

    audit.record(connection, "(cli)", action, name, now=utcnow())


def cmd_add(args: argparse.Namespace, config: BackofficeConfig) -> int:
    from kiosk.backoffice.console import accounts  # noqa: PLC0415

    accounts.check_name(args.name)
    hashed = accounts.hash_password(read_password())
    with _connection(config) as connection:
        user = accounts.add(connection, args.name, accounts.Role(args.role), hashed)
        _audit(connection, "user.add", user.name)
    return output.result({"user": user.name, "role": user.role.value}, args.json)


def cmd_list(args: argparse.Namespace, config: BackofficeConfig) -> int:
    from kiosk.backoffice.console import accounts  # noqa: PLC0415

    with _connection(config) as connection:
        users: list[dict[str, Any]] = [{"name": user.name, "role": user.role.value,
                                        "totp": user.totp}
                                       for user in accounts.every(connection)]
    if args.json:
        return output.result({"users": users}, True)
    for user in users:
        print(f"{user['name']}\t{user['role']}\t{'totp' if user['totp'] else '-'}")
    return output.EXIT_OK


def cmd_passwd(args: argparse.Namespace, config: BackofficeConfig) -> int:
    from kiosk.backoffice.console import accounts  # noqa: PLC0415

    hashed = accounts.hash_password(read_password())
    with _connection(config) as connection:
        accounts.set_password(connection, args.name, hashed)
        _audit(connection, "user.passwd", args.name)
    return output.result({"user": args.name, "password": "changed"}, args.json)


def cmd_totp(args: argparse.Namespace, config: BackofficeConfig) -> int:
    from kiosk.backoffice.console import accounts  # noqa: PLC0415

    secret = None if args.off else accounts.new_totp_secret()
    with _connection(config) as connection:
        accounts.set_totp(connection, args.name, secret)
        _audit(connection, "totp.off" if args.off else "totp.enrol", args.name)
    if secret is None:
        return output.result({"user": args.name, "totp": "off"}, args.json)
    return output.result({"user": args.name, "secret": secret,
                          "uri": accounts.totp_uri(args.name, secret)}, args.json)
