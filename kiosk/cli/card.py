"""``kiosk card``: technician commands that talk to a card on a reader."""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk import attach, config
from kiosk.cie.errors import CieError
from kiosk.cie.info import read_card_info
from kiosk.cli import output
from kiosk.errors import KioskError


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    card = groups.add_parser("card", help="read and manage the card on a reader")
    commands = card.add_subparsers(dest="card_command", required=True, metavar="COMMAND")
    info = commands.add_parser("info", help="ATR, chip family and NIS of the card (no PIN)")
    add_reader_options(info)
    info.set_defaults(handler=cmd_info)


def add_reader_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--reader",
        help="pcsc, pcsc:NAME, or sim:PROFILE_PATH for an in-process virtual card "
        "(default: the configured reader)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.add_argument("--config", type=Path, help="configuration file")
    parser.add_argument("--profile", help="configuration profile")


def reader_uri(args: argparse.Namespace) -> tuple[str, Path | None]:
    """The reader asked for, and the directory relative sim profiles are found in."""
    if args.reader:
        return args.reader, None
    cfg = config.load(args.config, args.profile)
    return cfg.profile.reader, cfg.profile.state_path


def cmd_info(args: argparse.Namespace) -> int:
    try:
        uri, base = reader_uri(args)
        with attach.attached_reader(uri, base) as reader, reader.session() as session:
            info = session.run(read_card_info(session.atr))
    except (KioskError, CieError) as exc:
        return output.error(exc, args.json)
    return output.result(
        {
            "reader": session.reader,
            "atr": info.atr.hex(" ").upper(),
            "chip_family": info.family.value if info.family else None,
            "nis": info.nis,
        },
        args.json,
    )
