"""The dependency rule of DESIGN.md §2, checked on the imports of every module."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

KIOSK = Path(__file__).resolve().parent.parent / "kiosk"

# What each room may import from the project (besides itself).
ALLOWED = {
    "cie": set(),
    "hardware": {"kiosk.errors", "kiosk.cie", "kiosk.durable"},
    "sim": {"kiosk.errors", "kiosk.durable", "kiosk.cie.ids", "kiosk.cie.des", "kiosk.cie.tlv",
            "kiosk.cie.data", "kiosk.cie.bignum"},
    "ui": {"kiosk.errors", "kiosk.journeys", "kiosk.hardware.audio"},
    # kiosk.clock: whether the kiosk's clock can be believed (pure; doctor asks it too).
    "journeys": {"kiosk.errors", "kiosk.cie", "kiosk.hardware.reader", "kiosk.hardware.errors",
                 "kiosk.clock"},
    # The uplink is an adapter behind the journeys' ports: it may implement them, never drive
    # a journey. The back-office shares only the wire schemas with the kiosk, and the card
    # protocol's certificate checks (level 3 is verified there too).
    "uplink": {"kiosk.errors", "kiosk.durable", "kiosk.config", "kiosk.logs",
               "kiosk.journeys.ports"},
    "backoffice": {"kiosk.errors", "kiosk.durable", "kiosk.config", "kiosk.logs", "kiosk.cie",
                   "kiosk.uplink.schemas"},
    # First boot turns the technician's file into the runtime configuration and enrolls
    # through the uplink; its screen is the CLI's to wire (kiosk.ui.technician).
    "provision": {"kiosk.errors", "kiosk.durable", "kiosk.config", "kiosk.uplink"},
}
# Libraries a room must not import at all: no I/O in the protocol core, and no pygame,
# pyscard or HTTP in the journeys (DESIGN.md §2).
FORBIDDEN = {
    "cie": {"socket", "threading", "subprocess", "smartcard", "nfc", "pygame"},
    "journeys": {"pygame", "smartcard", "nfc", "http", "urllib", "requests", "socket"},
    "ui": {"smartcard", "nfc", "socket"},
    "uplink": {"pygame", "smartcard", "nfc"},
    "backoffice": {"pygame", "smartcard", "nfc"},
    "provision": {"pygame", "smartcard", "nfc"},
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


@pytest.mark.slow
def test_no_module_imports_a_pin_library_at_import_time() -> None:
    """RPi.GPIO raises on import off a Pi, and lgpio opens nothing there: importing every
    module of the kiosk (but the front panel's MicroPython firmware) loads neither."""
    program = ("import importlib, pkgutil, sys\nimport kiosk\n"
               "for module in pkgutil.walk_packages(kiosk.__path__, 'kiosk.'):\n"
               "    if '.firmware' not in module.name and module.name != 'kiosk.__main__':\n"
               "        importlib.import_module(module.name)\n"
               "print(sorted(m for m in sys.modules if m.split('.')[0] in ('RPi', 'lgpio')))\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_kiosk_runs_without_the_backoffice_extra() -> None:
    """The kiosk image installs no SQLAlchemy, Alembic, Starlette, uvicorn or psycopg: the
    ``kiosk`` command and the kiosk's own modules must load without them."""
    blocked = ("sqlalchemy", "alembic", "starlette", "uvicorn", "psycopg")
    program = (f"import sys\nfor name in {blocked!r}: sys.modules[name] = None\n"
               "from kiosk.cli import build_parser\nbuild_parser().parse_args(['card', 'info'])\n"
               "import kiosk.app, kiosk.uplink.runner, kiosk.cli.uplink\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
