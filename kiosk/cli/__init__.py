"""The ``kiosk`` command: one module per command group, each with a ``register`` function.

Exit codes are part of the interface: 0 success, 1 a card-level error (the card or reader
said no), 2 bad usage (arguments, configuration, unreadable input files). Errors print their
stable code; with ``--json`` they print ``{"error": {"code": ..., "message": ...}}``.
Secrets (PIN, PUK, CAN) are read only from stdin or a no-echo prompt, never from arguments.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from kiosk import __version__, logs
from kiosk.cli import backoffice, card, cie, doctor, frontpanel, provision, run, sim, ui, uplink


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    parser.add_argument("--log-level", default=None, choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    groups = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (run, card, cie, sim, ui, uplink, backoffice, provision, doctor, frontpanel):
        module.register(groups)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logs.configure(args.log_level or "WARNING")
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        code: int = args.handler(args)
    except KeyboardInterrupt:
        return 0
    sys.stdout.flush()
    return code
