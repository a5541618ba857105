"""``kiosk frontpanel status|clear-tamper``, the real command in a subprocess, against the
firmware over the pty pair of rig.py: a technician reads the latch the board kept, cannot
clear it while the case is open, and clears it once it is shut."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kiosk.hardware.frontpanel import FrontPanel
from tests.conftest import run_kiosk
from tests.hardware.frontpanel.rig import Firmware, Wire, eventually

pytestmark = pytest.mark.slow


def profile(tmp_path: Path, uri: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[profiles.sim]\nreader = "sim:card.json"\nstate_dir = "{tmp_path}"\n'
                    f'frontpanel = {{ uri = "{uri}" }}\n')
    return path


def frontpanel(source: Path, action: str) -> tuple[int, dict[str, Any]]:
    done = run_kiosk("frontpanel", action, "--config", str(source), "--json")
    return done.returncode, json.loads(done.stdout)


def test_a_technician_reads_and_clears_the_latch_the_board_kept(
        tmp_path: Path, wire: Wire, firmware: Firmware, firmware_panel: FrontPanel) -> None:
    firmware.set_case(is_open=True)
    eventually(firmware_panel.tamper_latched, "latched", firmware)
    firmware_panel.close()  # the kiosk stopped: the port is free
    source = profile(tmp_path, f"serial:{wire.host_path}")

    code, status = frontpanel(source, "status")
    assert code == 0
    assert (status["tamper_latched"], status["tamper_open"]) == (True, True)
    assert status["firmware"] and status["watchdog_armed"] is False

    code, refused = frontpanel(source, "clear-tamper")
    assert (code, refused) == (1, {"error": {
        "code": "FRONTPANEL_TAMPER_OPEN", "nak": "TAMPER_OPEN",
        "message": "the case is open: close it before clearing the tamper latch"}})

    firmware.set_case(is_open=False)
    code, cleared = frontpanel(source, "clear-tamper")
    assert (code, cleared) == (0, {"was_latched": True, "tamper_latched": False,
                                   "tamper_open": False})
    assert frontpanel(source, "status")[1]["tamper_latched"] is False


def test_a_profile_without_a_board_is_a_usage_error(tmp_path: Path) -> None:
    source = tmp_path / "kiosk.toml"
    source.write_text(f'[profiles.sim]\nreader = "sim:card.json"\nstate_dir = "{tmp_path}"\n')
    code, answer = frontpanel(source, "status")
    assert code == 2 and answer["error"]["code"] == "FRONTPANEL_NOT_CONFIGURED"
