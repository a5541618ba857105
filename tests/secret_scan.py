"""Looking for secrets in files: as typed, in hex, and as a Python bytes or list repr."""

from __future__ import annotations

from pathlib import Path


def forms(value: str) -> list[bytes]:
    raw = value.encode()
    return [raw, raw.hex().encode(), raw.hex().upper().encode(),
            " ".join(f"{b:02X}" for b in raw).encode(), str(list(raw)).encode()]


def findings(root: Path, secrets: list[str]) -> list[str]:
    """``file: form`` for every secret found in a file under ``root``."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        try:
            content = path.read_bytes()
        except OSError:
            continue
        for secret in secrets:
            for form in forms(secret):
                if form in content:
                    found.append(f"{path}: {form.decode(errors='replace')}")
    return found
