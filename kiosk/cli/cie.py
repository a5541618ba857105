"""``kiosk cie``: offline checks of data read from a CIE, for technicians and support.

``verify-sod`` is passive authentication (PROTOCOL.md §4.5) on files: it succeeds (exit 0) only
when the signature verifies, the signer chains to a trusted CSCA and every given file matches its
hash, so scripts can rely on the exit code alone. A file that is not an EF.SOD or a certificate
is unreadable input (exit 2), like a missing file; a SOD that parses but does not pass is exit 1.
"""

from __future__ import annotations

import argparse
import re
from datetime import UTC, datetime
from pathlib import Path

from kiosk.cie import csca, sod
from kiosk.cie.errors import CieError
from kiosk.cli import output
from kiosk.errors import KioskError
from kiosk.files import load_anchors, read_input

_FILE_ARGUMENT = re.compile(r"(?P<tag>[0-9A-Fa-f]{1,2})=(?P<path>.+)")


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cie = groups.add_parser("cie", help="check data read from a CIE (offline)")
    commands = cie.add_subparsers(dest="cie_command", required=True, metavar="COMMAND")
    verify = commands.add_parser(
        "verify-sod",
        help="passive authentication of an EF.SOD (IAS EF 1006 or ICAO EF.SOD)",
        description="Check the EF.SOD's signature, its signer's chain to a CSCA and the hashes "
        "of the given files. Exit 0 only if all of them pass.",
    )
    verify.add_argument("sod", type=Path, metavar="SOD", help="the EF.SOD as read from the card")
    verify.add_argument(
        "--anchors",
        type=Path,
        nargs="+",
        action="extend",
        metavar="PATH",
        help="CSCA certificates (DER or PEM), or directories of .cer/.pem/.der files "
        "(default: the Italian CSCA certificates shipped with the kiosk)",
    )
    verify.add_argument(
        "--file",
        dest="files",
        nargs="+",
        action="extend",
        default=[],
        metavar="TAG=PATH",
        help="a file to check against its hash; TAG is the SOD's number for it in hex "
        "(01 and 0B for DG1 and DG11, A1 and A5 for EF 1001 and 1005)",
    )
    verify.add_argument("--json", action="store_true", help="print JSON for scripts")
    verify.set_defaults(handler=cmd_verify_sod)


def cmd_verify_sod(args: argparse.Namespace) -> int:
    try:
        files = _file_arguments(args.files)
        anchors = load_anchors(args.anchors) if args.anchors else csca.default_anchors()
        security_object = sod.parse_sod(read_input(args.sod))
    except (KioskError, CieError) as exc:
        return output.error(exc, args.json)
    signature_valid = sod.verify_signature(security_object)
    chain = csca.verify_chain(security_object.signer, anchors, datetime.now(UTC))
    checks = sod.check_files(security_object, files)
    output.result(
        {
            "signature_valid": signature_valid,
            "signer": security_object.signer.subject,
            "chain": chain.status.value,
            "anchor": chain.anchor.subject if chain.anchor else None,
            "hash_algorithm": security_object.hash_algorithm,
            "files": _files_field({tag: check.value for tag, check in checks.items()}, args.json),
        },
        args.json,
    )
    passed = (
        signature_valid
        and chain.status is csca.ChainStatus.TRUSTED
        and all(check is sod.FileCheck.MATCH for check in checks.values())
    )
    return output.EXIT_OK if passed else output.EXIT_CARD


def _files_field(checks: dict[str, str], as_json: bool) -> dict[str, str] | str | None:
    if as_json:
        return checks
    return " ".join(f"{tag}={check}" for tag, check in checks.items()) or None


def _file_arguments(arguments: list[str]) -> dict[str, bytes]:
    """``TAG=PATH`` pairs, with tags written like :attr:`SecurityObject.hashes` keys."""
    out: dict[str, bytes] = {}
    for argument in arguments:
        match = _FILE_ARGUMENT.fullmatch(argument)
        if match is None:
            raise KioskError(f"--file {argument!r} is not TAG=PATH", code="BAD_INPUT")
        tag = f"{int(match['tag'], 16):02X}"
        if tag in out:
            raise KioskError(f"--file gives tag {tag} twice", code="BAD_INPUT")
        out[tag] = read_input(Path(match["path"]))
    return out
