"""First boot, step by step, safe to run again after a power cut at any point.

The steps, each done again or skipped by looking at what is already on disk (no step log):

1. nothing to do when the ``provisioned`` marker is in the state directory;
2. read and check the boot partition's ``kiosk.toml`` (``PROVISION_MISSING``,
   ``PROVISION_INVALID``); a kiosk not yet enrolled needs its token (``PROVISION_NO_TOKEN``);
3. write the runtime configuration, the network files, the time zone and the technicians'
   SSH keys (rewritten every time: the same input gives the same files), replace the Wi-Fi
   passphrase in the boot partition's file by the PSK derived from it, and, with ``apply``,
   have systemd-networkd and wpa_supplicant take the files, so the back-office can be
   reached, and start sshd when there are keys, so a technician can log in even while the
   following steps fail;
4. enroll unless the uplink store already holds an enrollment (its ``enrollment.json`` is
   written last, so a cut in the middle means "not enrolled", and the token is still there);
   the key is made there and never leaves the kiosk; an unreachable back-office is
   ``ENROLL_UNREACHABLE`` and the token is kept for the next try;
5. check that the back-office gave the name the file says (``PROVISION_NAME_MISMATCH``);
6. remove the token from the boot partition's file (rewritten whole, synced, renamed);
7. write the marker, last: until then a reboot runs first boot again and finds each step done.
"""

from __future__ import annotations

import json
import logging
import os
import pwd
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ParamSpec, TypeVar

from kiosk.durable import write_atomically
from kiosk.provision import network, rewrite, runtime
from kiosk.provision.spec import FILE_NAME, ProvisionError, Provisioning, parse
from kiosk.uplink.credentials import Identity, Store
from kiosk.uplink.enroll import enroll
from kiosk.uplink.runner import uplink_directory

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

MARKER = "provisioned"
ZONEINFO = Path("/usr/share/zoneinfo")
# How the image's network stack takes new files (systemd-networkd, wpa_supplicant@wlan0).
RELOAD_NETWORK = ["networkctl", "reload"]
RESTART_WIFI = ["systemctl", "restart", f"wpa_supplicant@{network.WIFI_INTERFACE}.service"]
# sshd's AuthorizedKeysFile (systemd/sshd_config.d/kiosk.conf). Started without waiting: sshd's
# start waits for network.target and its host key, and how it went is in its own journal.
AUTHORIZED_KEYS = "authorized_keys"
START_SSH = ["systemctl", "start", "--no-block", "ssh.service"]


@dataclass(frozen=True)
class Places:
    boot: Path  # the boot partition's mount point, holding kiosk.toml
    state: Path  # the kiosk's state directory on the data partition
    etc: Path  # where the network and time-zone files go
    ssh: Path  # where the technicians' SSH keys go: root's, outside the kiosk's own files

    @property
    def source(self) -> Path:
        return self.boot / FILE_NAME

    @property
    def marker(self) -> Path:
        return self.state / MARKER


@dataclass(frozen=True)
class Outcome:
    """What this run did: a rerun after success reports ``already`` and nothing else."""

    already: bool
    kiosk: str | None = None
    enrolled_now: bool = False
    token_removed: bool = False


def provisioned(places: Places) -> bool:
    return places.marker.exists()


def provision(places: Places, *, owner: str | None = None, apply: bool = False,
              timeout: float = 10.0) -> Outcome:
    """Run the steps above; raises a :class:`~kiosk.errors.KioskError` with the code of the
    first that fails."""
    if provisioned(places):
        return Outcome(already=True)
    text = read_source(places.source)
    spec = parse(text, str(places.source))
    store = Store(uplink_directory(places.state))
    secret = spec.token
    if not store.enrolled() and secret is None:
        raise ProvisionError(
            f"{places.source}: backoffice.token: missing, and this kiosk is not enrolled; ask "
            f"the back-office for a token ('kiosk backoffice kiosk add {spec.site.kiosk}', "
            "with --reenroll if it knows the kiosk already) and add it",
            code="PROVISION_NO_TOKEN")
    _guarded(configure, places, spec, owner)
    if rewrite.has_passphrase(text):
        text = _guarded(rewrite_source, places.source, rewrite.with_psk(text, _now()))
    if apply:
        apply_network(spec)
        if spec.technician is not None:
            _ask(START_SSH)
    enrolled_now = False
    if not store.enrolled() and secret is not None:
        log.info("enrolling with %s", spec.backoffice.url)
        enroll(spec.backoffice.url, secret, store, timeout=timeout)
        enrolled_now = True
    identity = store.load()
    if owner is not None:
        _guarded(give, store.directory, owner)
    check_name(identity, spec, places.source)
    removed = rewrite.has_token(text)
    if removed:
        _guarded(rewrite_source, places.source, rewrite.without_token(text, _now()))
    _guarded(write_atomically, places.marker, json.dumps({
        "kiosk": identity.kiosk, "api_url": identity.api_url, "at": _now()}).encode())
    log.info("provisioned as %s", identity.kiosk)
    return Outcome(already=False, kiosk=identity.kiosk, enrolled_now=enrolled_now,
                   token_removed=removed)


def read_source(source: Path) -> str:
    try:
        return source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProvisionError(f"{source}: no provisioning file; write one from "
                             "kiosk.toml.example on the boot partition",
                             code="PROVISION_MISSING") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProvisionError(f"{source}: cannot be read ({type(exc).__name__})") from None


def configure(places: Places, spec: Provisioning, owner: str | None) -> None:
    """The files of step 3."""
    places.state.mkdir(parents=True, exist_ok=True)
    config_file = places.state / runtime.RUNTIME_FILE
    text = runtime.runtime_config(spec, places.state, str(places.source))
    write_atomically(config_file, text.encode())
    if owner is not None:
        give(places.state, owner, inside=False)
        give(config_file, owner)
    files, gone = network.network_files(spec)
    for file in files:
        path = places.etc / file.path
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, file.content, file.mode)
    for relative in gone:
        (places.etc / relative).unlink(missing_ok=True)
    set_time_zone(places.etc, spec.site.time_zone)
    authorize_technicians(places.ssh, spec)


def set_time_zone(etc: Path, zone: str) -> None:
    """``localtime`` links to the zone's tz file (what glibc and systemd read) and
    ``timezone`` names it (Debian's convention); both replaced atomically."""
    etc.mkdir(parents=True, exist_ok=True)
    link, temporary = etc / "localtime", etc / ".localtime.new"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(ZONEINFO / zone)
    os.replace(temporary, link)
    write_atomically(etc / "timezone", f"{zone}\n".encode())


def authorize_technicians(directory: Path, spec: Provisioning) -> None:
    """The ``technician.ssh_keys``, one per line, as sshd's ``authorized_keys`` in
    ``directory`` (/data/ssh): 0700 and 0600, and root's, since first boot runs as root.
    Not in the state directory: sshd's StrictModes refuses a key file under a directory
    another user (the kiosk's) owns. Without the section the file goes, and so does sshd at
    the next boot (ssh.service's condition): a kiosk no one needs to reach is not reachable."""
    keys = directory / AUTHORIZED_KEYS
    if spec.technician is None:
        keys.unlink(missing_ok=True)
        return
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.chmod(0o700)
    lines = "".join(f"{key}\n" for key in spec.technician.ssh_keys)
    write_atomically(keys, lines.encode(), 0o600)


def apply_network(spec: Provisioning) -> None:
    """Ask the running network stack to take the new files. A failure is logged, not raised:
    the enrollment that follows says whether the back-office can be reached."""
    _ask(RELOAD_NETWORK)
    if spec.wifi is not None:
        _ask(RESTART_WIFI)


def _ask(command: list[str]) -> None:
    """Run a command of the running system; a failure is logged: the files it would have
    taken are read at the next boot anyway."""
    if shutil.which(command[0]) is None:
        log.warning("%s: not installed; the new files wait for the next boot", command[0])
        return
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        log.warning("%s: exit %d: %s", " ".join(command), done.returncode, done.stderr.strip())


def give(path: Path, owner: str, *, inside: bool = True) -> None:
    """The kiosk's own files (the state directory itself, its runtime configuration, its
    uplink directory and what is ``inside`` it) to the user the kiosk runs as: first boot
    runs as root to write the network files, which stay root's."""
    try:
        user = pwd.getpwnam(owner)
    except KeyError:
        raise ProvisionError(f"no user named {owner!r} to give the kiosk's files to",
                             code="PROVISION_WRITE_FAILED") from None
    for item in [path, *(path.rglob("*") if inside and path.is_dir() else [])]:
        os.chown(item, user.pw_uid, user.pw_gid)


def check_name(identity: Identity, spec: Provisioning, source: Path) -> None:
    if identity.kiosk != spec.site.kiosk:
        raise ProvisionError(
            f"{source}: site.kiosk: the file says {spec.site.kiosk!r} but the token was for "
            f"{identity.kiosk!r}: correct the name, or revoke {identity.kiosk!r} at the "
            "back-office and provision with a token for this kiosk",
            code="PROVISION_NAME_MISMATCH")


def rewrite_source(source: Path, text: str) -> str:
    """The provisioning file replaced by ``text`` (one of :mod:`.rewrite`'s). The boot
    partition is vfat: the mode is left alone (a chmod there is refused)."""
    write_atomically(source, text.encode(), mode=None)
    return text


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _guarded(step: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """A file the kiosk cannot write (read-only root, full data partition) is a coded error."""
    try:
        return step(*args, **kwargs)
    except OSError as exc:
        raise ProvisionError(f"{exc.filename or 'a file'}: cannot be written "
                             f"({exc.strerror or type(exc).__name__})",
                             code="PROVISION_WRITE_FAILED") from None

