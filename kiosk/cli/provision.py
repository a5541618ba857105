"""``kiosk provision``: first boot, from the technician's ``kiosk.toml`` on the boot partition
to an enrolled kiosk (kiosk.provision; docs/provisioning.md).

One try by default, for a technician at a shell: its outcome, or the error's code
(``--check`` only reads and checks the file, on the technician's PC for instance). With
``--screen`` (what ``kiosk-firstboot.service`` runs) a failure does not end the command: the
technician's screen shows the code and what to do, and the whole of first boot is tried again
every ``--retry-seconds`` (the file re-read, the back-office asked again) until it succeeds,
then the command exits 0 and the kiosk starts. A kiosk without a good file waits on a readable
screen, never in a restart loop.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.cli import output
from kiosk.errors import KioskError
from kiosk.provision.firstboot import Outcome, Places, provision, read_source
from kiosk.provision.spec import Addressing, parse

if TYPE_CHECKING:
    import pygame

    from kiosk.ui.technician import Problem

log = logging.getLogger(__name__)

BOOT = Path("/boot/firmware")  # where Debian's raspi-firmware mounts the boot partition
STATE = Path("/var/lib/kiosk")
ETC = Path("/etc")
SSH = Path("/data/ssh")  # sshd's AuthorizedKeysFile's directory in the image
LANGUAGES = ("it", "en")  # the technician's screen speaks both, Italian first


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = groups.add_parser("provision", help="first boot: configure and enroll this kiosk "
                                                 "from the boot partition's kiosk.toml")
    parser.add_argument("--boot", type=Path, default=BOOT,
                        help=f"the boot partition, holding kiosk.toml (default {BOOT})")
    parser.add_argument("--state", type=Path, default=STATE,
                        help=f"the kiosk's state directory (default {STATE})")
    parser.add_argument("--etc", type=Path, default=ETC, help=(
        f"where the network and time-zone files go (default {ETC}; the image passes "
        "/var/lib/kiosk/etc, which its /etc links to)"))
    parser.add_argument("--ssh", type=Path, default=SSH, help=(
        f"where the technicians' SSH keys go, as authorized_keys (default {SSH})"))
    parser.add_argument("--owner", help="give the kiosk's own files to this user")
    parser.add_argument("--apply", action="store_true", help=(
        "have systemd-networkd and wpa_supplicant take the new network files at once, and "
        "start sshd when the file gives SSH keys"))
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="seconds for one request to the back-office")
    parser.add_argument("--check", action="store_true", help=(
        "only read and check the boot partition's kiosk.toml (e.g. on the technician's PC): "
        "nothing written, nothing sent"))
    parser.add_argument("--screen", action="store_true",
                        help="on failure show the technician's screen and try again until done")
    parser.add_argument("--retry-seconds", type=int, default=30,
                        help="with --screen: seconds between tries (default 30)")
    parser.add_argument("--screenshot", type=Path,
                        help="with --screen: also save the screen as this PNG at every change")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--window", dest="mode", action="store_const", const="window",
                      help="the screen in a window")
    mode.add_argument("--headless", dest="mode", action="store_const", const="headless",
                      help="the screen drawn nowhere (SDL's dummy driver)")
    parser.add_argument("--driver", help="SDL video driver, e.g. kmsdrm")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=cmd_provision, mode="fullscreen")


def _attempt(args: argparse.Namespace) -> Outcome:
    return provision(Places(args.boot, args.state, args.etc, args.ssh), owner=args.owner,
                     apply=args.apply, timeout=args.timeout)


def _report(outcome: Outcome, as_json: bool) -> int:
    return output.result({"provisioned": True, "already": outcome.already,
                          "kiosk": outcome.kiosk, "enrolled_now": outcome.enrolled_now,
                          "token_removed": outcome.token_removed}, as_json)


def cmd_provision(args: argparse.Namespace) -> int:
    if args.check:
        return _check(args)
    try:
        outcome = _attempt(args)
    except KeyboardInterrupt:  # stopped mid-try (SIGTERM): not provisioned, never exit 0
        return output.EXIT_CARD
    except KioskError as exc:
        _log(exc)
        if not args.screen:
            return output.error(exc, args.json)
        ended = _until_provisioned(args, exc)
        if isinstance(ended, KioskError):
            return output.error(ended, args.json)
        outcome = ended
    return _report(outcome, args.json)


def _check(args: argparse.Namespace) -> int:
    """What first boot would do with the file, in a few lines; never a secret's value."""
    source = Places(args.boot, args.state, args.etc, args.ssh).source
    try:
        spec = parse(read_source(source), str(source))
    except KioskError as exc:
        return output.error(exc, args.json)
    wifi = spec.wifi
    return output.result({
        "file": str(source), "comune": spec.site.comune, "kiosk": spec.site.kiosk,
        "time_zone": spec.site.time_zone, "backoffice": spec.backoffice.url,
        "token": "present" if spec.token else "absent",
        "ethernet": _addressing(spec.ethernet) if spec.ethernet.enabled else "off",
        "wifi": f"{wifi.ssid} ({_addressing(wifi)})" if wifi is not None else "off",
        "reader": spec.reader.uri,
        "hardware": ", ".join(section for section in ("printer", "gpio", "frontpanel",
                                                      "backlight")
                              if getattr(spec, section) is not None) or "none",
        "ssh": (f"{len(spec.technician.ssh_keys)} key(s)" if spec.technician is not None
                else "off")}, args.json)


def _addressing(addressing: Addressing) -> str:
    return f"static {addressing.address}" if addressing.static else "DHCP"


def _log(exc: KioskError) -> None:
    """One journal line per failed try, its code as the field KIOSK_CODE (the message names
    files and keys, never a value of the token or the passphrase)."""
    log.error("first boot: %s: %s", exc.code, exc, extra={"fields": {"code": exc.code}})


def _until_provisioned(args: argparse.Namespace, first: KioskError) -> Outcome | KioskError:
    """The technician's screen and the tries, until one succeeds; the last error when asked
    to stop before (never exit 0 unprovisioned: the kiosk would start)."""
    # As in ``kiosk run``: with the default dispositions SDL turns SIGTERM into QUIT.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    screen = _Screen(args)
    error = first
    try:
        while True:
            for left in range(max(1, args.retry_seconds), 0, -1):
                screen.show(error, left)
                if screen.wait(1.0):
                    return error
            screen.show(error, 0)
            try:
                return _attempt(args)
            except KioskError as exc:
                _log(exc)
                error = exc
    finally:
        screen.close()


class _Screen:
    """The technician's screen, or nothing when no display opens (then only the journal
    says why: the tries go on all the same)."""

    def __init__(self, args: argparse.Namespace) -> None:
        # pygame only for the command that draws, and only once something went wrong.
        from kiosk.ui import display, i18n, technician  # noqa: PLC0415
        from kiosk.ui.theme import Settings  # noqa: PLC0415

        self._technician = technician
        self._catalogs = [i18n.Catalog(language) for language in LANGUAGES]
        self._settings = Settings()
        self._screenshot: Path | None = args.screenshot
        self._surface: pygame.Surface | None = None
        try:
            self._surface = display.open_display(args.mode, None, args.driver)
        except KioskError as exc:
            log.error("first boot: no technician's screen: %s: %s", exc.code, exc)

    def show(self, error: KioskError, seconds_left: int) -> None:
        import pygame  # noqa: PLC0415

        if self._surface is None:
            return
        problem: Problem = self._technician.Problem(error.code, str(error))
        self._technician.draw(self._surface, problem, self._catalogs, self._settings,
                              seconds_left=seconds_left)
        pygame.display.flip()
        if self._screenshot is not None:
            temporary = self._screenshot.with_name(f".{self._screenshot.name}.new.png")
            pygame.image.save(self._surface, str(temporary))
            os.replace(temporary, self._screenshot)

    def wait(self, seconds: float) -> bool:
        """Sleep; True when asked to quit (SIGTERM, SIGINT, a window closed)."""
        if self._surface is None:
            time.sleep(seconds)
            return False
        import pygame  # noqa: PLC0415

        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if any(event.type == pygame.QUIT for event in pygame.event.get()):
                return True
            pygame.time.wait(int(min(left, 0.1) * 1000) + 1)
        return False

    def close(self) -> None:
        if self._surface is not None:
            import pygame  # noqa: PLC0415

            pygame.quit()
