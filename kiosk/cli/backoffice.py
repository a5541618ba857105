"""``kiosk backoffice``: set up and run the back-office (the ``cie-kiosk[backoffice]`` extra).

Setting up is ``ca init``, ``db upgrade``, then ``kiosk add NAME`` for each kiosk, which prints
its one-time enrollment token alone on stdout (``TOKEN=$(kiosk backoffice kiosk add atrio-1)``).
``kiosk revoke NAME`` cuts a kiosk off at its next request; ``kiosks`` lists them all.
``tickets purge`` deletes the personal data of hand-off tickets past their retention.
Running is :mod:`kiosk.cli.backoffice_serve`'s (``serve``, ``nginx-config``, ``command``).

The kiosk image has no back-office extra, and ``kiosk`` builds every group's parser at start:
SQLAlchemy and Alembic are imported by the commands that use them, never at import.

Every command takes ``--config FILE`` (else $KIOSK_BACKOFFICE_CONFIG, else
/etc/kiosk/backoffice.toml, else the defaults) and ``--json``. Exit codes as everywhere: 0 done,
1 the back-office failed (the database did not answer), 2 bad usage (configuration, a name in
use or unknown, no CA, an unmigrated database).
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from kiosk.backoffice.config import BackofficeConfig, load
from kiosk.cli import backoffice_serve, backoffice_users, output
from kiosk.errors import KioskError

if TYPE_CHECKING:
    from kiosk.backoffice.registry import KioskSummary, Registry

Handler = Callable[[argparse.Namespace, BackofficeConfig], int]
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

# "You asked wrongly or set up wrongly", beyond the usage codes every command shares.
USAGE_CODES = {"CA_EXISTS", "CA_MISSING", "KIOSK_EXISTS", "KIOSK_NOT_FOUND",
               "DATABASE_NOT_MIGRATED", "USER_EXISTS", "USER_NOT_FOUND", "PASSWORD_WEAK"}


def register(groups: Commands) -> None:
    backoffice = groups.add_parser("backoffice", help="the reference back-office server",
                                   description="Set up and run the reference back-office "
                                   "(the cie-kiosk[backoffice] extra).")
    commands = backoffice.add_subparsers(dest="backoffice_command", required=True,
                                         metavar="COMMAND")
    ca = commands.add_parser("ca", help="the back-office CA").add_subparsers(
        dest="ca_command", required=True, metavar="COMMAND")
    add_command(ca, "init", cmd_ca_init,
                help="make the CA, nginx's server certificate and an empty CRL",
                description="Writes {state_dir}/ca/: ca.pem, ca.key, server.pem (for "
                "server.public_host, localhost and 127.0.0.1), server.key, crl.pem. "
                "Never replaces an existing CA: every enrolled kiosk has pinned it.")
    add_command(ca, "crl", cmd_ca_crl,
                help="re-sign the CRL from the database (nginx reads it on reload)")
    database = commands.add_parser("db", help="the database").add_subparsers(
        dest="db_command", required=True, metavar="COMMAND")
    upgrade = add_command(database, "upgrade", cmd_db_upgrade,
                          help="migrate the database (made if it is a new SQLite file)")
    upgrade.add_argument("--revision", default="head", help="target (default %(default)s)")
    kiosk = commands.add_parser("kiosk", help="one kiosk").add_subparsers(
        dest="kiosk_command", required=True, metavar="COMMAND")
    add = add_command(kiosk, "add", cmd_kiosk_add,
                      help="add a kiosk and print its one-time enrollment token")
    add.add_argument("name", help="the kiosk's name, which its certificate will carry")
    add.add_argument("--hours", type=int, default=None,
                     help="the token's lifetime (default: enrollment.token_hours)")
    add.add_argument("--reenroll", action="store_true",
                     help="the kiosk exists: give it a new token (a new SD card, or taking "
                     "back a revoked kiosk); its older tokens lapse, and its certificates "
                     "are revoked when the new token is used")
    revoke = add_command(kiosk, "revoke", cmd_kiosk_revoke,
                         help="cut a kiosk off: its certificates and tokens stop working")
    revoke.add_argument("name")
    add_command(commands, "kiosks", cmd_kiosks,
                help="list the kiosks: enrollment, reported state, last contact, "
                "certificate expiry")
    tickets = commands.add_parser("tickets", help="hand-off tickets").add_subparsers(
        dest="tickets_command", required=True, metavar="COMMAND")
    add_command(tickets, "purge", cmd_tickets_purge,
                help="delete the personal data of the tickets closed "
                "tickets.retention_days ago or more (serve does it every purge_minutes)")
    backoffice_serve.register(commands)
    backoffice_users.register(commands, add_command)


def add_command(commands: Commands, name: str, handler: Handler, *, help: str,
                description: str | None = None) -> argparse.ArgumentParser:
    """A subcommand with the options they all take; ``handler`` gets the loaded config, and
    a :class:`KioskError` it raises becomes the coded error and exit code."""
    parser = commands.add_parser(name, help=help, description=description or help)
    parser.add_argument("--config", type=Path, default=None,
                        help="backoffice.toml (default: $KIOSK_BACKOFFICE_CONFIG, then "
                        "/etc/kiosk/backoffice.toml)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=lambda args: _run(handler, args))
    return parser


def _run(handler: Handler, args: argparse.Namespace) -> int:
    try:
        return handler(args, load(args.config))
    except KioskError as exc:
        code = output.error(exc, args.json)
        return output.EXIT_USAGE if exc.code in USAGE_CODES else code


@contextmanager
def _registry(config: BackofficeConfig) -> Iterator[Registry]:
    from kiosk.backoffice import db  # noqa: PLC0415 - the extra's, see the module's docstring
    from kiosk.backoffice.ca import CertificateAuthority  # noqa: PLC0415
    from kiosk.backoffice.registry import Registry  # noqa: PLC0415

    db.require_head(config.database_url)
    engine = db.make_engine(config.database_url)
    try:
        with db.unavailable_as_error(engine.url):
            yield Registry(db.make_sessionmaker(engine), CertificateAuthority.from_config(config))
    finally:
        engine.dispose()


def cmd_ca_init(args: argparse.Namespace, config: BackofficeConfig) -> int:
    from kiosk.backoffice.ca import CertificateAuthority  # noqa: PLC0415

    ca = CertificateAuthority.from_config(config)
    ca.create(config.server.public_host)
    return output.result({"directory": str(ca.directory), "server": config.server.public_host,
                          "pin": ca.pin()}, args.json)


def cmd_ca_crl(args: argparse.Namespace, config: BackofficeConfig) -> int:
    with _registry(config) as registry:
        registry.refresh_crl()
    return output.result({"crl": str(registry.ca.crl_pem)}, args.json)


def cmd_db_upgrade(args: argparse.Namespace, config: BackofficeConfig) -> int:
    from kiosk.backoffice import db  # noqa: PLC0415

    config.state_path.mkdir(parents=True, exist_ok=True)
    db.upgrade(config.database_url, args.revision)
    return output.result({"revision": db.current(config.database_url)}, args.json)


def cmd_kiosk_add(args: argparse.Namespace, config: BackofficeConfig) -> int:
    hours = args.hours or config.enrollment.token_hours
    with _registry(config) as registry:
        token = registry.add_kiosk(args.name, hours, reenroll=args.reenroll)
    if args.json:
        return output.result({"kiosk": args.name, "token": token, "hours": hours}, True)
    print(token)
    return output.EXIT_OK


def cmd_kiosk_revoke(args: argparse.Namespace, config: BackofficeConfig) -> int:
    with _registry(config) as registry:
        registry.revoke(args.name)
    return output.result({"revoked": args.name, "crl": str(registry.ca.crl_pem)}, args.json)


def cmd_tickets_purge(args: argparse.Namespace, config: BackofficeConfig) -> int:
    from kiosk.backoffice import db, tickets  # noqa: PLC0415

    db.require_head(config.database_url)
    purged = tickets.purge_expired(config, dt.datetime.now(dt.UTC))
    return output.result({"purged": purged, "retention_days": config.tickets.retention_days},
                         args.json)


def cmd_kiosks(args: argparse.Namespace, config: BackofficeConfig) -> int:
    with _registry(config) as registry:
        kiosks = [_row(summary) for summary in registry.kiosks()]
    if args.json:
        return output.result({"kiosks": kiosks}, True)
    if not kiosks:
        print("no kiosks: add one with 'kiosk backoffice kiosk add NAME'")
        return output.EXIT_OK
    columns = list(kiosks[0])
    cells = [[_cell(row[column]) for column in columns] for row in kiosks]
    widths = [max(len(column), *(len(line[i]) for line in cells))
              for i, column in enumerate(columns)]
    for line in [[column.replace("_", " ") for column in columns], *cells]:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
              .rstrip())
    return output.EXIT_OK


def _row(summary: KioskSummary) -> dict[str, Any]:
    return {
        "name": summary.name,
        "enrollment": summary.enrollment,
        "state": summary.state,
        "last_contact": _time(summary.last_contact),
        "certificate_expires": _time(summary.certificate_expires),
        "revoked_at": _time(summary.revoked_at),
        "health": "ok" if summary.health == "" else summary.health,
    }


def _time(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def _cell(value: str | None) -> str:
    return "-" if value is None else value
