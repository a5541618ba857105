"""``kiosk debug-bundle``: one .tar.gz a technician sends to the support, with what it takes to
understand a kiosk and nothing a citizen typed or showed.

In it (docs/doctor.md): ``versions.json`` (kiosk, Python, key packages, OS release, kernel),
``config.toml`` (the configuration file with its secrets masked, :data:`SECRET_KEY`),
``uplink.json`` (enrolled, the kiosk's name, certificate expiry, outbox counts: what
``kiosk uplink status`` prints), ``doctor.json`` and ``journal.json``: the kiosk's last
journald lines (its own units and identifier only), each reduced to time, priority, unit,
message and the ``KIOSK_*`` fields, or ``journal.txt`` saying why there are none.

Never in it: the kiosk's private key and certificate files, the card profiles, the outbox
(tickets hold personal data), receipts, anything else of the state directory. The journal's
lines are scrubbed again on the way in (:func:`scrub`): the kiosk logs no PIN, PUK, CAN or
personal data by design (kiosk/logs.py), and this second net masks what would look like one
if another path ever let it through: runs of six or more digits, a codice fiscale, a CIE
document number, an e-mail address, a date.
"""

from __future__ import annotations

import io
import json
import platform
import re
import socket
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from kiosk import __version__, config, doctor
from kiosk.errors import KioskError
from kiosk.uplink.credentials import Store
from kiosk.uplink.runner import describe, read_contact, uplink_directory

JOURNAL_LINES = 2000
JOURNAL_TIMEOUT = 20.0
MASK = "<masked>"
PACKAGES = ["pydantic", "httpx", "cryptography", "pyscard", "nfcpy", "pygame", "python-escpos",
            "pyserial", "gpiozero", "rpi-lgpio", "systemd-python", "pyhanko-certvalidator"]
# Keys whose values are secrets wherever they stand in kiosk.toml: enrollment tokens,
# passwords, keys and secrets of any kind, the card codes.
SECRET_KEY = re.compile(r"(?i)\b([A-Za-z0-9_]*(?:token|secret|password|passphrase|key|pin|puk"
                        r"|can|totp)[A-Za-z0-9_]*)(\s*=\s*)(\"[^\"\n]*\"|'[^'\n]*'|[^,}\s]+)")
PEM_PRIVATE = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----",
                         re.DOTALL)
PERSONAL = [
    re.compile(r"\b[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]\b",
               re.IGNORECASE),  # codice fiscale (with omocodia's letters for digits)
    re.compile(r"\b[A-Z]{2}[0-9]{5}[A-Z]{2}\b", re.IGNORECASE),  # CIE document number
    re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"),  # e-mail
    re.compile(r"\b(19|20)[0-9]{2}-?[01][0-9]-?[0-3][0-9]\b"),  # a date (of birth?)
    re.compile(r"\b[0-3][0-9][/.][01][0-9][/.](19|20)[0-9]{2}\b"),  # an Italian date
    re.compile(r"[0-9]{6,}"),  # PIN and PUK (8 digits), CAN (6), card serials, phone numbers
]
JOURNAL_FIELDS = ("PRIORITY", "SYSLOG_IDENTIFIER", "_SYSTEMD_UNIT", "MESSAGE")


def mask_config(text: str) -> str:
    text = PEM_PRIVATE.sub(MASK, text)
    return SECRET_KEY.sub(lambda match: f'{match[1]}{match[2]}"{MASK}"', text)


def scrub(text: str) -> str:
    for pattern in PERSONAL:
        text = pattern.sub(MASK, text)
    return text


def versions(root: Path = Path("/")) -> dict[str, Any]:
    packages: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    try:
        os_release = (root / "etc/os-release").read_text(encoding="utf-8")
    except OSError:
        os_release = None
    return {"kiosk": __version__, "python": sys.version, "platform": platform.platform(),
            "kernel": platform.release(), "machine": platform.machine(),
            "packages": packages, "os_release": os_release}


def journalctl(lines: int, directory: Path | None = None) -> list[dict[str, Any]] | str:
    """The kiosk's last ``lines`` journal entries (``journalctl -o json``), or why there are
    none. ``directory``: a journal directory instead of the system's (``-D``)."""
    command = ["journalctl", "--no-pager", "-o", "json", "-n", str(lines),
               "SYSLOG_IDENTIFIER=kiosk", "+", "_SYSTEMD_UNIT=kiosk.service", "+",
               "_SYSTEMD_UNIT=kiosk-firstboot.service"]
    if directory is not None:
        command[1:1] = ["-D", str(directory)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=JOURNAL_TIMEOUT,
                              check=False)
    except FileNotFoundError:
        return "journalctl is not installed on this machine: no journal lines"
    except subprocess.TimeoutExpired:
        return f"journalctl did not answer within {JOURNAL_TIMEOUT:.0f} s"
    if done.returncode != 0:
        return f"journalctl failed ({done.returncode}): {scrub(done.stderr.strip())[:500]}"
    entries = []
    for line in done.stdout.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    if not entries:
        return "journald holds no lines of the kiosk (no journal on this machine, or empty)"
    return entries


def _message(value: Any) -> str:
    """journald gives a non-UTF-8 field as a list of byte values."""
    if isinstance(value, list):
        return bytes(b for b in value if isinstance(b, int) and 0 <= b < 256).decode(
            "utf-8", "replace")
    return str(value)


def reduce(entry: dict[str, Any]) -> dict[str, Any]:
    """One journal entry as the bundle keeps it: its time, the chosen fields, scrubbed."""
    kept: dict[str, Any] = {}
    stamp = entry.get("__REALTIME_TIMESTAMP")
    if isinstance(stamp, str) and stamp.isdigit():
        kept["time"] = datetime.fromtimestamp(int(stamp) / 1e6, UTC).isoformat()
    for name in JOURNAL_FIELDS:
        if name in entry:
            kept[name.lower().lstrip("_")] = scrub(_message(entry[name]))
    fields = {name: scrub(_message(value)) for name, value in sorted(entry.items())
              if name.startswith("KIOSK_")}
    if fields:
        kept["fields"] = fields
    return kept


def _uplink(profile: config.Profile) -> dict[str, Any]:
    store = Store(uplink_directory(profile.state_path))
    contact, error = read_contact(store.directory)
    return describe(store, None, contact, error)


def contents(path: Path | None, profile: str | None, *,
             journal: Callable[[], list[dict[str, Any]] | str] | None = None,
             ) -> dict[str, bytes]:
    """The bundle's members by name."""
    members: dict[str, bytes] = {}

    def put(name: str, value: Any) -> None:
        members[name] = (value if isinstance(value, str) else
                         json.dumps(value, indent=2, ensure_ascii=False, default=str)).encode()

    put("versions.json", versions())
    diagnosis = doctor.diagnose(path, profile)
    put("doctor.json", diagnosis.as_json())
    try:
        cfg = config.load(path, profile)
    except KioskError as exc:
        put("config.txt", f"the configuration could not be read: {exc.code}")
    else:
        source = Path(cfg.source)
        text = source.read_text(encoding="utf-8") if source.is_file() \
            else config.default_config_text()
        put("config.toml", f"# {cfg.source}, profile {cfg.name}; secrets masked\n"
                           + mask_config(text))
        put("uplink.json", _uplink(cfg.profile))
    found = (journal or (lambda: journalctl(JOURNAL_LINES)))()
    if isinstance(found, str):
        put("journal.txt", found + "\n")
    else:
        put("journal.json", [reduce(entry) for entry in found])
    return members


def write(output: Path | None, path: Path | None, profile: str | None, *,
          journal: Callable[[], list[dict[str, Any]] | str] | None = None) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = f"kiosk-debug-{socket.gethostname()}-{stamp}"
    output = output or Path(f"{folder}.tar.gz")
    members = contents(path, profile, journal=journal)
    with tarfile.open(output, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(f"{folder}/{name}")
            info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
            archive.addfile(info, io.BytesIO(data))
    return output
