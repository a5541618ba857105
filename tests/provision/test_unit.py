"""``systemd/kiosk-firstboot.service`` checked by systemd's own tools: ``systemd-analyze
verify`` prints nothing (it exits 0 on most problems, so its output is what counts), the
exposure score stays low, and its command line is one ``kiosk provision`` accepts."""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "systemd" / "kiosk-firstboot.service"
SYSTEM_UNITS = Path("/usr/lib/systemd/system")
MAX_EXPOSURE = 3.0

pytestmark = pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                                reason="systemd-analyze is not installed")


def service() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text().replace("\\\n", " "))
    return parser["Service"]


def test_systemd_analyze_verify_has_nothing_to_say(tmp_path: Path) -> None:
    """Verified inside a root holding the system's units and the kiosk command, as the image
    will (an empty root only says "sysinit.target not found")."""
    shutil.copytree(SYSTEM_UNITS, tmp_path / "usr/lib/systemd/system", symlinks=True)
    command = tmp_path / "opt/kiosk/bin/kiosk"  # the image's virtual environment
    command.parent.mkdir(parents=True)
    command.write_text("#!/bin/sh\n")
    command.chmod(0o755)
    units = tmp_path / "etc/systemd/system"
    units.mkdir(parents=True)
    shutil.copy(UNIT, units)
    done = subprocess.run(["systemd-analyze", "verify", f"--root={tmp_path}",
                           f"/etc/systemd/system/{UNIT.name}"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and done.stdout + done.stderr == ""


def test_the_exposure_score_is_low() -> None:
    done = subprocess.run(["systemd-analyze", "security", "--offline=yes", str(UNIT)],
                          capture_output=True, text=True, timeout=60, check=False)
    score = re.search(r"Overall exposure level for \S+: ([0-9.]+)", done.stdout)
    assert score is not None, done.stdout + done.stderr
    assert float(score[1]) <= MAX_EXPOSURE


def test_the_command_line_is_one_kiosk_provision_takes() -> None:
    program, *arguments = shlex.split(service()["ExecStart"])
    assert program == "/opt/kiosk/bin/kiosk"
    args = build_parser().parse_args(arguments)
    assert args.command == "provision" and args.screen and args.apply
    assert str(args.state) == "/var/lib/kiosk" and str(args.etc) == "/var/lib/kiosk/etc"
    assert str(args.boot) == "/boot/firmware" and args.owner == "kiosk"
    text = UNIT.read_text()
    assert "ConditionPathExists=!/var/lib/kiosk/provisioned" in text
    assert "Before=kiosk.service" in text
