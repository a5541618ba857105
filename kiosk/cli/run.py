"""``kiosk run``: start the kiosk with the configured profile."""

from __future__ import annotations

import argparse
import signal
from pathlib import Path

from kiosk import config, logs
from kiosk.cli import output
from kiosk.errors import KioskError


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = groups.add_parser("run", help="start the kiosk")
    run.add_argument("--config", type=Path, help="configuration file")
    run.add_argument("--profile", help="configuration profile (default: the file's)")
    mode = run.add_mutually_exclusive_group()
    mode.add_argument("--window", dest="mode", action="store_const", const="window",
                      help="run in a window instead of the whole screen")
    mode.add_argument("--headless", dest="mode", action="store_const", const="headless",
                      help="draw nowhere (SDL's dummy video driver)")
    run.set_defaults(handler=cmd_run, mode=None)


def cmd_run(args: argparse.Namespace) -> int:
    # pygame is loaded only by the command that draws, not by every ``kiosk`` invocation.
    from kiosk import app  # noqa: PLC0415

    # The loop sleeps inside SDL, where a Python signal handler cannot run until an event
    # arrives. With the default dispositions in place, SDL installs its own handlers and turns
    # SIGTERM (systemd stopping us) and SIGINT into a QUIT event, which ends the loop cleanly.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)

    try:
        cfg = config.load(args.config, args.profile)
        logs.configure(args.log_level or cfg.profile.log_level)
        return app.Kiosk(cfg, args.mode).run()
    except KioskError as exc:
        return output.error(exc, as_json=False)
