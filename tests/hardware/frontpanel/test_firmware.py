"""The firmware's own tests, run under MicroPython's unix port: one pytest test per test
function in ``mpy/fw_test_*.py``, each in a fresh interpreter whose working directory, a
temp dir, stands for the board's flash. Each runs twice: on the sources, and on the .mpy
that mpy-cross made of them, which is what a board built from them would hold."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

from tests.hardware.frontpanel.micropython import (
    FIRMWARE,
    MPY_TESTS,
    RUNNER,
    environment,
    mpy_cross,
    tool,
)


def firmware_tests() -> list[tuple[str, str]]:
    found = []
    for path in sorted(MPY_TESTS.glob("fw_test_*.py")):
        tree = ast.parse(path.read_text())
        found += [(path.stem, node.name) for node in tree.body
                  if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")]
    return found


@pytest.fixture(scope="session")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The firmware's modules and its lib/ as .mpy (main.py stays a source: the board runs
    it as one)."""
    out = tmp_path_factory.mktemp("mpy")
    (out / "lib").mkdir()
    for source in FIRMWARE.rglob("*.py"):
        if source.name != "main.py":
            done = mpy_cross(source, out / source.relative_to(FIRMWARE).with_suffix(".mpy"))
            assert done.returncode == 0, done.stderr
    return out


@pytest.mark.parametrize("form", ["source", "mpy"])
@pytest.mark.parametrize(("module", "test"), firmware_tests(),
                         ids=[f"{module}.{test}" for module, test in firmware_tests()])
def test_under_micropython(module: str, test: str, form: str, tmp_path: Path,
                           request: pytest.FixtureRequest) -> None:
    firmware = FIRMWARE if form == "source" else request.getfixturevalue("compiled")
    done = subprocess.run([tool("micropython"), str(RUNNER), module, test], cwd=tmp_path,
                          env=environment(firmware), capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), (
        done.stdout + done.stderr)


def test_the_firmware_tests_are_found() -> None:
    modules = {module for module, _ in firmware_tests()}
    assert modules == {"fw_test_frame", "fw_test_panel", "fw_test_board", "fw_test_log"}
    assert len(firmware_tests()) > 20
