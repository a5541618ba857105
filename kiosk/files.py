"""Reading files the kiosk is handed: trust anchors (files, or folders of .cer/.pem/.der) and
other inputs such as CRLs. A file that cannot be read is a ``BAD_INPUT`` error naming it; a
certificate that cannot be used is ``CERTIFICATE_INVALID`` naming the file.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.cie import csca
from kiosk.cie.errors import CertificateInvalid
from kiosk.errors import KioskError

ANCHOR_SUFFIXES = (".cer", ".pem", ".der")


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
