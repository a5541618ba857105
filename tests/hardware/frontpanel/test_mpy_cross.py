"""Every firmware file, the vendored micropython-lib modules of its lib/ too, compiles with
``mpy-cross``, as it must to be frozen into a board's image or copied to it as ``.mpy`` (a
syntax CPython accepts but MicroPython does not fails here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hardware.frontpanel.micropython import FIRMWARE, mpy_cross

SOURCES = sorted(FIRMWARE.rglob("*.py"))


def test_the_firmware_is_all_here() -> None:
    assert {path.relative_to(FIRMWARE).with_suffix("").as_posix() for path in SOURCES} == {
        "app", "board", "frame", "main", "messages", "panel", "store", "lib/logging"}


@pytest.mark.parametrize("source", SOURCES,
                         ids=[path.relative_to(FIRMWARE).as_posix() for path in SOURCES])
def test_compiles(source: Path, tmp_path: Path) -> None:
    out = tmp_path / source.with_suffix(".mpy").name
    done = mpy_cross(source, out)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:1] == b"M"  # the .mpy header
