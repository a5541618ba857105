"""``kiosk enroll`` and ``kiosk uplink``: the technician's side of the back-office link.

``kiosk enroll --url URL`` reads the one-time token from standard input (never an argument,
which other users can read in the process list), makes the kiosk's key, pins the back-office
CA and stores the certificate. ``kiosk uplink status`` says whether the kiosk is enrolled and
how its link is doing; ``kiosk uplink run`` runs the uplink alone, without the UI: the outbox
drained, heartbeats sent, commands logged.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import signal
import sys
from pathlib import Path

from kiosk import __version__, config, logs
from kiosk.cli import output
from kiosk.errors import KioskError
from kiosk.uplink import enroll as enrollment
from kiosk.uplink.credentials import Store
from kiosk.uplink.outbox import OutboxError, peek
from kiosk.uplink.runner import (
    OUTBOX_FILE,
    KioskSnapshot,
    Uplink,
    describe,
    read_contact,
    uplink_directory,
)
from kiosk.uplink.schemas import Command, KioskState

log = logging.getLogger(__name__)
MAX_TOKEN = 256


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    enroll = groups.add_parser("enroll", help="enroll this kiosk with its back-office "
                                              "(the token on standard input)")
    enroll.add_argument("--url", required=True,
                        help="the back-office's enrollment address, e.g. https://host:8444")
    enroll.add_argument("--force", action="store_true",
                        help="enroll again, replacing the current key and certificate")
    _common(enroll)
    enroll.set_defaults(handler=cmd_enroll)

    uplink = groups.add_parser("uplink", help="the back-office link: status, or run it alone")
    actions = uplink.add_subparsers(dest="action", required=True, metavar="ACTION")
    status = actions.add_parser("status", help="enrollment, certificate, last contact, outbox")
    _common(status)
    status.set_defaults(handler=cmd_status)
    run = actions.add_parser("run", help="run only the uplink (no UI) until stopped")
    _common(run)
    run.set_defaults(handler=cmd_run)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="configuration file")
    parser.add_argument("--profile", help="configuration profile (default: the file's)")
    parser.add_argument("--json", action="store_true", help="print JSON")


def read_token() -> str:
    """One line from stdin; at a terminal, a prompt that does not echo."""
    if sys.stdin.isatty():
        token = getpass.getpass("Enrollment token: ")
    else:
        token = sys.stdin.readline(MAX_TOKEN + 1)
    token = token.strip()
    if not token or len(token) > MAX_TOKEN:
        raise KioskError("expected the enrollment token on standard input", code="BAD_INPUT")
    return token


def cmd_enroll(args: argparse.Namespace) -> int:
    try:
        cfg = config.load(args.config, args.profile)
        timeout = cfg.profile.uplink.timeout_seconds if cfg.profile.uplink else 10.0
        store = Store(uplink_directory(cfg.profile.state_path))
        if not args.force:  # said before the token is read, so no one types it for nothing
            enrollment.refuse_if_enrolled(store)
        identity = enrollment.enroll(args.url, read_token(), store, timeout=timeout,
                                     force=args.force)
    except KioskError as exc:
        return output.error(exc, args.json)
    return output.result({"enrolled": True, "kiosk": identity.kiosk, "api_url": identity.api_url,
                          "ca_pin": identity.pin,
                          "certificate_expires": identity.not_after.isoformat()}, args.json)


def cmd_status(args: argparse.Namespace) -> int:
    try:
        cfg = config.load(args.config, args.profile)
    except KioskError as exc:
        return output.error(exc, args.json)
    store = Store(uplink_directory(cfg.profile.state_path))
    outbox_path = store.directory / OUTBOX_FILE
    outbox, outbox_problem = None, None
    if outbox_path.exists():
        max_events = cfg.profile.uplink.outbox_max_events if cfg.profile.uplink else 100_000
        try:
            outbox = peek(outbox_path, max_events)
        except OutboxError as exc:
            outbox_problem = exc.code
    contact, error = read_contact(store.directory)
    report = {"configured": cfg.profile.uplink is not None
              and cfg.profile.uplink.enabled, **describe(store, outbox, contact, error),
              "outbox_problem": outbox_problem}
    return output.result(report, args.json)


def cmd_run(args: argparse.Namespace) -> int:
    try:
        cfg = config.load(args.config, args.profile)
        logs.configure(args.log_level or cfg.profile.log_level)
        settings = cfg.profile.uplink
        if settings is None or not settings.enabled:
            raise KioskError(f"{cfg.source}: profile {cfg.name!r} has no enabled [uplink] "
                             "section", code="CONFIG_INVALID")
        uplink = Uplink(settings, cfg.profile.state_path,
                        snapshot=lambda: KioskSnapshot(KioskState.IDLE),
                        on_command=_log_command, versions={"kiosk": __version__})
    except KioskError as exc:
        return output.error(exc, args.json)
    uplink.start()
    log.info("uplink running for %s", cfg.profile.state_path)
    try:
        while True:
            signal.pause()  # SIGTERM and SIGINT end it (KeyboardInterrupt)
    finally:
        uplink.close()


def _log_command(command: Command) -> None:
    log.warning("command %d from the back-office: %s %s", command.id, command.kind.value,
                command.message or "")
