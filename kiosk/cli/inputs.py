"""Reading what a technician hands to a command: files, folders of certificates, and secrets.

Secrets (PIN, PUK) come only from standard input or, at a terminal, from a prompt that does
not echo; never from arguments, which other users can read in the process list. They are read
one byte at a time straight into a :class:`~kiosk.cie.secret.Secret`, so no line of them ever
exists as an immutable ``str`` or ``bytes``.
"""

from __future__ import annotations

import os
import sys
import termios
from pathlib import Path

from kiosk.cie import csca
from kiosk.cie.errors import CertificateInvalid
from kiosk.cie.secret import Secret
from kiosk.errors import KioskError

ANCHOR_SUFFIXES = (".cer", ".pem", ".der")
MAX_SECRET_LINE = 64


def load_anchors(paths: list[Path]) -> list[csca.Certificate]:
    """Certificates from files, and from the .cer/.pem/.der files of folders."""
    anchors: list[csca.Certificate] = []
    for path in paths:
        if path.is_dir():
            entries = sorted(
                entry for entry in path.iterdir() if entry.suffix.lower() in ANCHOR_SUFFIXES
            )
        else:
            entries = [path]
        for entry in entries:
            try:
                anchors.extend(csca.load_certificates(read_input(entry)))
            except CertificateInvalid as exc:
                raise CertificateInvalid(f"{entry}: {exc.reason}") from None
    return anchors


def read_input(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise KioskError(f"cannot read {path}: {exc.strerror}", code="BAD_INPUT") from None


def read_secret(prompt: str, fd: int = 0) -> Secret:
    """One line of digits from ``fd``; at a terminal, after ``prompt`` and without echo."""
    secret = Secret()
    interactive = os.isatty(fd)
    saved = None
    if interactive:
        print(prompt, end="", file=sys.stderr, flush=True)
        saved = termios.tcgetattr(fd)
        quiet = termios.tcgetattr(fd)
        quiet[3] &= ~termios.ECHO
        termios.tcsetattr(fd, termios.TCSAFLUSH, quiet)
    bad = False
    try:
        for _ in range(MAX_SECRET_LINE):
            byte = os.read(fd, 1)
            if byte in (b"", b"\n"):
                break
            if byte == b"\r":
                continue
            try:
                secret.push(byte[0])
            except ValueError:
                bad = True
        else:
            bad = True
    finally:
        if saved is not None:
            termios.tcsetattr(fd, termios.TCSAFLUSH, saved)
            print(file=sys.stderr)
    if bad or not len(secret):
        secret.wipe()
        raise KioskError(f"{prompt.rstrip(': ')}: expected a line of digits", code="BAD_INPUT")
    return secret
