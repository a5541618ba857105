"""Replacing a file so that a reader, a crash or a power cut sees the old file or the new one,
never half of either: the card profiles' counters, the kiosk's key and certificate, the
back-office's CA and CRL (which nginx may be reading) all depend on it.

A module of its own, importing nothing of the project, so that every room may use it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, content: bytes, mode: int | None = 0o644) -> None:
    """Write ``content`` to a temporary file beside ``path`` with ``mode`` from its first byte
    (a private key is never readable by others, not even for a moment), sync it, rename it over
    ``path`` and sync the directory, so the rename itself survives a power cut. ``mode=None``
    leaves the mode alone: on the boot partition (vfat) a chmod is refused."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        os.write(fd, content)
        os.fsync(fd)
    except BaseException:
        os.unlink(temporary)  # a refused chmod or a full disk leaves no stray file behind
        raise
    finally:
        os.close(fd)
    try:
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
