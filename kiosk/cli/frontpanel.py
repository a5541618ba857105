"""``kiosk frontpanel status|clear-tamper``: the technician's view of the front-panel board.

The tamper latch is the board's record that the case was opened (even while the Pi was off);
the kiosk only reads it. Clearing it is a technician's act, done after checking the case, and
refused by the board while the case is still open. The board's serial port is opened
exclusively, so these commands run while the kiosk is stopped (``systemctl stop kiosk``),
which also disarms the watchdog.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kiosk import config
from kiosk.cli import output
from kiosk.errors import KioskError
from kiosk.hardware.frontpanel import FrontPanel, PanelStatus, open_frontpanel


class NoFrontPanel(KioskError):
    code = "FRONTPANEL_NOT_CONFIGURED"


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = groups.add_parser("frontpanel", help="the front-panel board: status, tamper latch")
    commands = group.add_subparsers(dest="frontpanel_command", required=True, metavar="ACTION")
    status = commands.add_parser("status", help="firmware, tamper latch, watchdog")
    status.set_defaults(handler=cmd_status)
    clear = commands.add_parser(
        "clear-tamper", help="clear the tamper latch once the case is checked and closed")
    clear.set_defaults(handler=cmd_clear_tamper)
    for parser in (status, clear):
        parser.add_argument("--config", type=Path, help="configuration file")
        parser.add_argument("--profile", help="configuration profile (default: the file's)")
        parser.add_argument("--json", action="store_true", help="print JSON")


def cmd_status(args: argparse.Namespace) -> int:
    try:
        panel = _open(args)
        try:
            board = panel.board
            assert board is not None
            return output.result({"firmware": board.firmware, **_status(board.status)},
                                 args.json)
        finally:
            panel.close()
    except KioskError as exc:
        return output.error(exc, args.json)


def cmd_clear_tamper(args: argparse.Namespace) -> int:
    try:
        panel = _open(args)
        try:
            was = panel.board.status.tamper_latched if panel.board else None
            state = panel.clear_tamper()
            return output.result({"was_latched": was, "tamper_latched": state.latched,
                                  "tamper_open": state.open}, args.json)
        finally:
            panel.close()
    except KioskError as exc:
        return output.error(exc, args.json)


def _open(args: argparse.Namespace) -> FrontPanel:
    settings = config.load(args.config, args.profile).profile.frontpanel
    if settings is None:
        raise NoFrontPanel("the profile has no frontpanel section")
    return open_frontpanel(settings.uri)


def _status(status: PanelStatus) -> dict[str, Any]:
    return {"tamper_latched": status.tamper_latched, "tamper_open": status.tamper_open,
            "watchdog_armed": status.watchdog_armed, "power_cut": status.power_cut,
            "power_cycles": status.power_cycles}
