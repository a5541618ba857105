"""``systemd-analyze verify`` of a unit inside a root directory. It exits 0 on many problems
(an unknown key, a misspelt value: warnings only), so callers treat any line it prints as a
failure, not only its exit status."""

from __future__ import annotations

import subprocess
from pathlib import Path


def verify(root: Path, unit: str) -> tuple[int, str]:
    """Exit status and everything printed, for the unit installed in ``root``'s
    /usr/lib/systemd/system (verify finds the units it refers to, and the programs it runs,
    in ``root``)."""
    done = subprocess.run(["systemd-analyze", "verify", f"--root={root}",
                           f"/usr/lib/systemd/system/{unit}"],
                          capture_output=True, text=True, timeout=60, check=False)
    return done.returncode, done.stdout + done.stderr
