"""``kiosk sim``: virtual cards for development, demos and tests."""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.cli import output
from kiosk.errors import KioskError
from kiosk.sim import families, vpcd
from kiosk.sim.card import VirtualCie
from kiosk.sim.profile import DEMO_IDENTITY, CardProfile, new_profile


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sim = groups.add_parser("sim", help="virtual cards")
    kinds = sim.add_subparsers(dest="sim_command", required=True, metavar="COMMAND")
    card = kinds.add_parser(
        "card",
        help="put a virtual card on vpcd's reader until interrupted, or make a new one",
        description="With --profile: attach the card to vpcd (through a real pcscd) and stay "
        "until interrupted; closing the connection is taking the card away.",
    )
    card.add_argument("--profile", type=Path, help="card profile to attach")
    card.add_argument(
        "--vpcd",
        default=f"{vpcd.DEFAULT_HOST}:{vpcd.DEFAULT_PORT}",
        metavar="HOST:PORT",
        help="vpcd's card port (default %(default)s)",
    )
    card.set_defaults(handler=cmd_attach, card_parser=card)
    actions = card.add_subparsers(dest="card_command", metavar="COMMAND")
    new = actions.add_parser("new", help="write a new card profile")
    new.add_argument("--out", type=Path, required=True, help="profile file to write")
    new.add_argument("--family", default="NXP", choices=families.FAMILIES)
    new.add_argument("--given-name", default=DEMO_IDENTITY["given_name"])
    new.add_argument("--surname", default=DEMO_IDENTITY["surname"])
    new.add_argument("--cf", default=DEMO_IDENTITY["codice_fiscale"], help="codice fiscale")
    new.add_argument("--nis", default=DEMO_IDENTITY["nis"], help="12-digit NIS")
    new.set_defaults(handler=cmd_new)


def cmd_attach(args: argparse.Namespace) -> int:
    if args.profile is None:
        args.card_parser.error("--profile is required to attach a card")
    host, _, port = args.vpcd.rpartition(":")
    if not host or not port.isdigit():
        args.card_parser.error(f"--vpcd {args.vpcd!r} is not HOST:PORT")
    try:
        card = VirtualCie(CardProfile.load(args.profile))
    except KioskError as exc:
        return output.error(exc, as_json=False)
    vpcd.attach(card, host, int(port))
    return output.EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    identity = {
        "given_name": args.given_name,
        "surname": args.surname,
        "codice_fiscale": args.cf,
        "nis": args.nis,
    }
    try:
        new_profile(args.family, identity).save(args.out)
    except KioskError as exc:
        return output.error(exc, as_json=False)
    print(f"wrote {args.out}")
    return output.EXIT_OK
