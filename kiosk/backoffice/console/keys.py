"""The key that signs the console's session cookies (and with them the CSRF tokens, which
live in the session): random, made at the first start in the state directory, mode 0600.

Every worker process (and every machine sharing the state directory) must sign with the same
key, or a clerk would be signed out whenever a request reached another worker. Workers start
together, so the file is written whole under a temporary name and then hard-linked into
place: ``link`` fails if the name exists, so exactly one worker's key wins, and the others
read it; nobody ever reads a half-written key.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from kiosk.backoffice.config import BackofficeConfig
from kiosk.errors import KioskError

KEY_FILE = "console-session.key"
KEY_BYTES = 32


def key_path(config: BackofficeConfig) -> Path:
    return config.state_path / KEY_FILE


def session_key(config: BackofficeConfig) -> str:
    """The key, made if this is the first start."""
    path = key_path(config)
    if not path.exists():
        _create(path)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < KEY_BYTES:
        raise KioskError(f"{path}: the console's session key is too short; delete the file "
                         "to make a new one (every clerk signs in again)",
                         code="CONFIG_INVALID")
    return key


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(secrets.token_urlsafe(KEY_BYTES) + "\n")
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink()
