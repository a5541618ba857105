"""The dependency rule of DESIGN.md §2, checked on the imports of every module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

KIOSK = Path(__file__).resolve().parent.parent / "kiosk"

# What each room may import from the project (besides itself).
ALLOWED = {
    "cie": set(),
    "hardware": {"kiosk.errors", "kiosk.cie"},
    "sim": {"kiosk.errors", "kiosk.cie.ids", "kiosk.cie.des", "kiosk.cie.tlv", "kiosk.cie.data",
            "kiosk.cie.bignum"},
    "ui": {"kiosk.errors", "kiosk.journeys", "kiosk.hardware.audio"},
    "journeys": {"kiosk.errors", "kiosk.cie", "kiosk.hardware.reader", "kiosk.hardware.errors"},
}
# Libraries a room must not import at all: no I/O in the protocol core, and no pygame,
# pyscard or HTTP in the journeys (DESIGN.md §2).
FORBIDDEN = {
    "cie": {"socket", "threading", "subprocess", "smartcard", "nfc", "pygame"},
    "journeys": {"pygame", "smartcard", "nfc", "http", "urllib", "requests", "socket"},
    "ui": {"smartcard", "nfc", "socket"},
}


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            # "from kiosk.cie import ids" imports kiosk.cie.ids, not all of kiosk.cie
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


@pytest.mark.parametrize("room", sorted(ALLOWED))
def test_room_imports_only_what_it_may(room: str) -> None:
    own = f"kiosk.{room}"
    for path in sorted((KIOSK / room).rglob("*.py")):
        for name in imports(path):
            assert name.split(".")[0] not in FORBIDDEN.get(room, set()), (
                f"{path.relative_to(KIOSK.parent)} imports {name}")
            if not name.startswith("kiosk") or name == own or name.startswith(own + "."):
                continue
            assert any(name == ok or name.startswith(ok + ".") for ok in ALLOWED[room]), (
                f"{path.relative_to(KIOSK.parent)} imports {name}")


def test_no_module_imports_rpi_gpio_at_import_time() -> None:
    for path in KIOSK.rglob("*.py"):
        assert "RPi.GPIO" not in path.read_text(), path
