"""``kiosk sim``: virtual cards for development, demos and tests."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from kiosk.cli import output
from kiosk.errors import KioskError
from kiosk.sim import families, icao_issuing, issuing, pki, vpcd
from kiosk.sim.card import VirtualCie
from kiosk.sim.profile import DEMO_IDENTITY, CardProfile


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sim = groups.add_parser("sim", help="virtual cards")
    kinds = sim.add_subparsers(dest="sim_command", required=True, metavar="COMMAND")
    card = kinds.add_parser(
        "card",
        help="put a virtual card on vpcd's reader until interrupted, or make a new one",
        description="With --profile: attach the card to vpcd (through a real pcscd), or with "
        "--nfc to nfcpy's udp link, and stay until interrupted; closing the connection is "
        "taking the card away.",
    )
    card.add_argument("--profile", type=Path, help="card profile to attach")
    card.add_argument(
        "--vpcd",
        default=f"{vpcd.DEFAULT_HOST}:{vpcd.DEFAULT_PORT}",
        metavar="HOST:PORT",
        help="vpcd's card port (default %(default)s)",
    )
    card.add_argument(
        "--nfc",
        metavar="udp:HOST:PORT",
        help="lie on nfcpy's simulated reader instead of vpcd's (binds all interfaces)",
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
    new.add_argument(
        "--pki",
        type=Path,
        metavar="DIR",
        help="test PKI to sign the card with (default: OUT with suffix .pki, made if missing)",
    )
    # The virtual card's own made-up codes, never a citizen's: plain options are fine here.
    new.add_argument("--pin", default=issuing.DEMO_PIN, help="8 digits (default %(default)s)")
    new.add_argument("--puk", default=issuing.DEMO_PUK, help="8 digits (default %(default)s)")
    new.add_argument(
        "--can", default=icao_issuing.DEMO_CAN, help="6 digits (default %(default)s)"
    )
    new.add_argument(
        "--birth-date",
        type=dt.date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="for the MRZ and DG11 (default: the one the codice fiscale encodes)",
    )
    new.add_argument(
        "--expiry",
        type=dt.date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="for the MRZ (default: ten years, extended to the next birthday)",
    )
    new.set_defaults(handler=cmd_new)
    authority = kinds.add_parser("pki", help="the test PKI that signs virtual cards")
    pki_actions = authority.add_subparsers(dest="pki_command", required=True, metavar="COMMAND")
    init = pki_actions.add_parser(
        "init",
        help="create a test CSCA, document signer and CIE authentication CA",
        description="DIR gets the two root certificates as .pem (usable as a folder of trust "
        "anchors) and, in DIR/issuing, the private keys and the document signer.",
    )
    init.add_argument("directory", type=Path, metavar="DIR")
    init.set_defaults(handler=cmd_pki_init)


def cmd_attach(args: argparse.Namespace) -> int:
    if args.profile is None:
        args.card_parser.error("--profile is required to attach a card")
    if args.nfc:
        host, port = _address(args, "--nfc", args.nfc, prefix="udp:")
    else:
        host, port = _address(args, "--vpcd", args.vpcd)
    try:
        card = VirtualCie(CardProfile.load(args.profile))
    except KioskError as exc:
        return output.error(exc, as_json=False)
    if args.nfc:
        from kiosk.sim import nfc_link  # noqa: PLC0415 - nfcpy loads only for this link

        nfc_link.attach(card, host, port)
    else:
        vpcd.attach(card, host, port)
    return output.EXIT_OK


def _address(args: argparse.Namespace, option: str, value: str,
             prefix: str = "") -> tuple[str, int]:
    host, _, port = value.removeprefix(prefix).rpartition(":")
    if not value.startswith(prefix) or not host or not port.isdigit():
        args.card_parser.error(f"{option} {value!r} is not {prefix}HOST:PORT")
    return host, int(port)


def cmd_new(args: argparse.Namespace) -> int:
    identity = {
        "given_name": args.given_name,
        "surname": args.surname,
        "codice_fiscale": args.cf,
        "nis": args.nis,
    }
    try:
        directory = issuing.write_card(
            args.out,
            args.pki,
            family=args.family,
            identity=identity,
            pin=args.pin,
            puk=args.puk,
            can=args.can,
            birth=args.birth_date,
            expiry=args.expiry,
        )
    except KioskError as exc:
        return output.error(exc, as_json=False)
    print(f"wrote {args.out}, signed by the test PKI in {directory}")
    return output.EXIT_OK


def cmd_pki_init(args: argparse.Namespace) -> int:
    try:
        pki.create(args.directory)
    except KioskError as exc:
        return output.error(exc, as_json=False)
    print(f"wrote a test PKI to {args.directory}")
    return output.EXIT_OK
