"""Reading what a technician hands to a command: secrets.

Secrets (PIN, PUK) come only from standard input or, at a terminal, from a prompt that does
not echo; never from arguments, which other users can read in the process list. They are read
one byte at a time straight into a :class:`~kiosk.cie.secret.Secret`, so no line of them ever
exists as an immutable ``str`` or ``bytes``.
"""

from __future__ import annotations

import os
import sys
import termios

from kiosk.cie.secret import Secret
from kiosk.errors import KioskError

ANCHOR_SUFFIXES = (".cer", ".pem", ".der")
MAX_SECRET_LINE = 64


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
