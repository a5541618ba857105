"""``kiosk card``: technician commands that talk to a card on a reader.

Each operation resets the card first and runs one task of :mod:`kiosk.cie.tasks` on a fresh
card session, so nothing (a verified PIN, a secure channel) carries over from an earlier
command. Secrets are read from
standard input (one per line) or a no-echo prompt, and wiped however the command ends.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding

from kiosk import attach, config
from kiosk.cie import certificate, csca, genuine, icao, identity, sod, tasks
from kiosk.cie.errors import CieError
from kiosk.cie.flow import Flow
from kiosk.cie.info import identify_family, read_card_info
from kiosk.cie.link import CardLink
from kiosk.cie.mrz import MrzKey
from kiosk.cie.secret import Secret
from kiosk.cli import output
from kiosk.cli.inputs import read_secret
from kiosk.errors import KioskError
from kiosk.files import load_anchors, read_input

T = TypeVar("T")


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    card = groups.add_parser("card", help="read and manage the card on a reader")
    commands = card.add_subparsers(dest="card_command", required=True, metavar="COMMAND")
    info = commands.add_parser("info", help="ATR, chip family and NIS of the card (no PIN)")
    info.set_defaults(handler=cmd_info)
    status = commands.add_parser("status", help="tries left and digital identity (spends none)")
    status.set_defaults(handler=cmd_status)
    chip = commands.add_parser("verify-chip", help="is the chip genuine? (no PIN: key 83, EF.SOD)")
    chip.add_argument(
        "--anchors",
        type=Path,
        action="append",
        default=[],
        help="CSCA certificate file or folder (default: the Italian CSCA)",
    )
    chip.set_defaults(handler=cmd_verify_chip)
    auth = commands.add_parser("auth", help="level-3 authentication; the PIN on stdin")
    auth.add_argument(
        "--trust",
        type=Path,
        action="append",
        default=[],
        help="CA certificate file or folder (repeatable)",
    )
    auth.set_defaults(handler=cmd_auth)
    change = commands.add_parser("change-pin", help="old PIN, then the new one twice, on stdin")
    change.set_defaults(handler=cmd_change_pin)
    unblock = commands.add_parser("unblock", help="PUK, then the new PIN twice, on stdin")
    unblock.add_argument(
        "--confirm-last-tries",
        action="store_true",
        help="send the PUK even with 3 or fewer tries left, or unknown",
    )
    unblock.set_defaults(handler=cmd_unblock)
    read_id = commands.add_parser(
        "read-id", help="identity from the chip (eMRTD application); the CAN on stdin, no PIN"
    )
    read_id.add_argument("--photo", type=Path, help="write the face image (as stored) here")
    read_id.add_argument(
        "--anchors",
        type=Path,
        action="append",
        default=[],
        help="CSCA certificate file or folder (default: the Italian CSCA)",
    )
    read_id.add_argument(
        "--bac",
        action="store_true",
        help="BAC instead of PACE: stdin gives 'DOCUMENT YYMMDD YYMMDD'",
    )
    read_id.add_argument(
        "--extended",
        action="store_true",
        help="read with extended-length APDUs (1 KiB per command)",
    )
    read_id.set_defaults(handler=cmd_read_id)
    for parser in (info, status, chip, auth, change, unblock, read_id):
        add_reader_options(parser)


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


@contextmanager
def wiped(*secrets: Secret) -> Iterator[None]:
    try:
        yield
    finally:
        for secret in secrets:
            secret.wipe()


def run_task(args: argparse.Namespace, task: Callable[[CardLink], Flow[T]]) -> tuple[str, T]:
    """Reset the card on the chosen reader and run ``task`` on a new card session."""
    uri, base = reader_uri(args)
    with attach.attached_reader(uri, base) as reader, reader.session() as session:
        session.reset()
        link = CardLink(session.run(identify_family(session.atr)))
        try:
            return session.reader, session.run(task(link))
        finally:
            link.wipe()


def read_new_pin(first: str) -> tuple[Secret, Secret]:
    """The current secret, then the new PIN typed twice; the two must be the same."""
    current = read_secret(f"{first}: ")
    new = again = None
    try:
        new = read_secret("new PIN: ")
        again = read_secret("new PIN again: ")
        with new.reveal() as a, again.reveal() as b:
            same = hmac.compare_digest(a, b)
        if not same:
            raise KioskError("the new PIN was not typed the same twice", code="NEW_PIN_MISMATCH")
    except BaseException:
        for secret in (current, new, again):
            if secret is not None:
                secret.wipe()
        raise
    again.wipe()
    return current, new


def _command(
    handler: Callable[[argparse.Namespace], dict[str, Any]],
) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return output.result(handler(args), args.json)
        except (KioskError, CieError) as exc:
            return output.error(exc, args.json)

    return run


@_command
def cmd_info(args: argparse.Namespace) -> dict[str, Any]:
    uri, base = reader_uri(args)
    with attach.attached_reader(uri, base) as reader, reader.session() as session:
        info = session.run(read_card_info(session.atr))
    return {
        "reader": session.reader,
        "atr": info.atr.hex(" ").upper(),
        "chip_family": info.family.value if info.family else None,
        "nis": info.nis,
    }


@_command
def cmd_status(args: argparse.Namespace) -> dict[str, Any]:
    reader, status = run_task(args, tasks.status)
    return {
        "reader": reader,
        "chip_family": status.family.value if status.family else None,
        "nis": status.nis,
        "pin_tries_left": status.pin.left,
        "puk_tries_left": status.puk.left,
        "digital_identity": status.digital_identity.value,
    }


def cmd_verify_chip(args: argparse.Namespace) -> int:
    try:
        anchors = load_anchors(args.anchors) if args.anchors else csca.default_anchors()
        challenge = os.urandom(genuine.CHALLENGE_SIZE)
        reader, evidence = run_task(
            args, lambda link: genuine.read_evidence(link.family, challenge)
        )
        verdict = genuine.judge(evidence, anchors, datetime.now(UTC))
    except (KioskError, CieError) as exc:
        return output.error(exc, args.json)
    output.result(
        {
            "reader": reader,
            "nis": verdict.nis,
            "signature_valid": verdict.signature_valid,
            "sod_signature_valid": verdict.sod_signature_valid,
            "chain": verdict.chain.status.value,
            "anchor": verdict.chain.anchor.subject if verdict.chain.anchor else None,
            "files": {tag: check.value for tag, check in verdict.files.items()},
        },
        args.json,
    )
    return output.EXIT_OK if verdict.genuine else output.EXIT_CARD


def _mrz_key(line: str) -> MrzKey:
    parts = line.split()
    try:
        if len(parts) != 3:
            raise ValueError("expected three fields")
        return MrzKey(parts[0].upper(), parts[1], parts[2])
    except ValueError as exc:
        raise KioskError(f"MRZ key: {exc} (DOCUMENT YYMMDD YYMMDD)", code="BAD_INPUT") from None


def cmd_read_id(args: argparse.Namespace) -> int:
    try:
        anchors = load_anchors(args.anchors) if args.anchors else csca.default_anchors()
        can = None if args.bac else read_secret("CAN: ")
        mrz = _mrz_key(sys.stdin.readline()) if args.bac else None
        with wiped(*([can] if can else [])):
            reader, read = run_task(
                args, lambda link: icao.read_identity(can, mrz, extended=args.extended, link=link)
            )
        report = identity.judge(read, anchors, datetime.now(UTC))
        photo: dict[str, Any] | None = None
        if report.photo is not None:
            photo = {"format": report.photo.format.value, "bytes": len(report.photo.data)}
            if args.photo:
                args.photo.write_bytes(report.photo.data)
                photo["written"] = str(args.photo)
    except OSError as exc:
        return output.error(
            KioskError(f"cannot write the photo: {exc}", code="BAD_INPUT"), args.json
        )
    except (KioskError, CieError) as exc:
        return output.error(exc, args.json)
    output.result(
        {
            "reader": reader,
            "given_name": report.given_name,
            "surname": report.surname,
            "codice_fiscale": report.codice_fiscale,
            "date_of_birth": report.date_of_birth,
            "document_number": report.document_number,
            "date_of_expiry": report.date_of_expiry,
            "access": report.access,
            "passive_auth": report.passive_auth,
            "chip_auth": report.chip_auth,
            "data_groups": report.data_groups,
            "photo": photo,
        },
        args.json,
    )
    genuine_card = (
        report.passive_auth == "trusted"
        and report.chip_auth == "passed"
        and all(check == "match" for check in report.data_groups.values())
    )
    return output.EXIT_OK if genuine_card else output.EXIT_CARD


def cmd_auth(args: argparse.Namespace) -> int:
    try:
        result = _auth(args)
    except (KioskError, CieError) as exc:
        return output.error(exc, args.json)
    output.result(result, args.json)
    passive = result["sod"]
    trusted = (
        result["certificate"]["valid"]
        and result["signature_valid"]
        and passive["signature_valid"]
        and passive["chain"] == "trusted"
        and all(check == "match" for check in passive["files"].values())
    )
    return output.EXIT_OK if trusted else output.EXIT_CARD


def _auth(args: argparse.Namespace) -> dict[str, Any]:
    settings = config.load(args.config, args.profile).profile.certificates
    trusted = load_anchors(args.trust)
    anchors = [asn1_x509.Certificate.load(cert.x509.public_bytes(Encoding.DER)) for cert in trusted]
    crls = [read_input(Path(path)) for path in settings.crls]
    challenge = os.urandom(32)
    pin = read_secret("PIN: ")
    with wiped(pin):
        reader, proof = run_task(
            args,
            lambda link: tasks.authenticate(link, pin, hashlib.sha256(challenge).digest(),
                                            with_security_object=True),
        )
    now = datetime.now(UTC)
    cert = certificate.load(proof.certificate)
    holder = certificate.holder(cert)
    verdict = certificate.verify(
        cert, anchors, now, crls=crls, revocation=certificate.Revocation(settings.revocation)
    )
    files = {"A2": proof.serial.encode("ascii"), "A3": cert.dump()}
    assert proof.security_object is not None
    passive = _passive_authentication(proof.security_object, files, trusted, now)
    return {
        "reader": reader,
        "codice_fiscale": holder.codice_fiscale,
        "given_name": holder.given_name,
        "surname": holder.surname,
        "serial": proof.serial,
        "nis": proof.nis,
        "certificate": {
            "valid": verdict.valid,
            "reason": verdict.reason,
            "revocation": verdict.revocation,
        },
        "signature_valid": certificate.signed(cert, challenge, proof.signature),
        "sod": passive,
    }


def _passive_authentication(
    security_object: bytes, files: dict[str, bytes], trusted: list[csca.Certificate], at: datetime
) -> dict[str, Any]:
    """EF 1006 over the files read, its signer chained to the given anchors or the Italian
    CSCA (a folder from ``kiosk sim pki init`` holds both kinds of anchor)."""
    parsed = sod.parse_sod(security_object)
    chain = csca.verify_chain(parsed.signer, [*trusted, *csca.default_anchors()], at)
    return {
        "signature_valid": sod.verify_signature(parsed),
        "chain": chain.status.value,
        "files": {tag: check.value for tag, check in sod.check_files(parsed, files).items()},
    }


@_command
def cmd_change_pin(args: argparse.Namespace) -> dict[str, Any]:
    old, new = read_new_pin("current PIN")
    with wiped(old, new):
        reader, _ = run_task(args, lambda link: tasks.change(link, old, new))
    return {"reader": reader, "pin_changed": True}


@_command
def cmd_unblock(args: argparse.Namespace) -> dict[str, Any]:
    puk, new = read_new_pin("PUK")
    with wiped(puk, new):
        reader, _ = run_task(
            args, lambda link: tasks.unblock(link, puk, new, confirmed=args.confirm_last_tries)
        )
    return {"reader": reader, "pin_unblocked": True}
