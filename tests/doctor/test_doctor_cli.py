"""``kiosk doctor`` as a technician runs it: the real command in a subprocess, against a
temporary state directory and configuration with the simulated devices (virtual reader and
card, virtual printer, virtual front panel, gpiozero's mock pin factory)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from kiosk.cli.doctor import table
from kiosk.doctor import EXIT_CANNOT_SERVE, EXIT_CONFIG, EXIT_READY, Diagnosis, diagnose
from tests.conftest import run_kiosk
from tests.pcsc_daemon import PrivatePcscd

DEVICES = ["configuration", "reader", "printer", "frontpanel", "gpio", "uplink", "clock",
           "disk", "filesystem", "power", "temperature"]


@pytest.fixture
def sim_config(tmp_path: Path) -> Path:
    state = tmp_path / "state"
    config = tmp_path / "kiosk.toml"
    config.write_text(f"""profile = "sim"
[profiles.sim]
reader = "sim:demo-card.json"
state_dir = "{state}"
printer = {{ uri = "virtual:receipts" }}
uplink = {{ heartbeat_seconds = 10.0 }}
frontpanel = {{ uri = "sim" }}
gpio = {{ factory = "mock", guidance_light = 17, tamper = 22 }}
""")
    run_kiosk("sim", "card", "new", "--out", str(state / "demo-card.json"))
    return config


def doctor(config: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    done = run_kiosk("doctor", "--config", str(config), "--json", *extra)
    answer: dict[str, Any] = json.loads(done.stdout)
    return done.returncode, answer


def verdicts(answer: dict[str, Any]) -> dict[str, str]:
    return {check["name"]: check["verdict"] for check in answer["checks"]}


def test_the_sim_profile_gives_every_device_a_verdict(sim_config: Path) -> None:
    code, answer = doctor(sim_config)
    found = verdicts(answer)
    assert list(found) == DEVICES
    assert {name: found[name] for name in ("configuration", "reader", "printer", "frontpanel",
                                           "gpio")} == dict.fromkeys(
        ["configuration", "reader", "printer", "frontpanel", "gpio"], "ok")
    assert found["uplink"] == "warning"  # not enrolled: it serves citizens alone
    assert (code, answer["ready"], answer["exit_code"]) == (EXIT_READY, True, EXIT_READY)
    for check in answer["checks"]:
        assert check["finding"], check
        assert check["verdict"] in ("ok", "absent") or check["remedy"], check


def test_paper_out_is_said_and_the_exit_status_says_the_kiosk_cannot_serve(
        sim_config: Path, tmp_path: Path) -> None:
    (tmp_path / "state" / "receipts").mkdir(parents=True, exist_ok=True)
    (tmp_path / "state" / "receipts" / "state").write_text("paper_out\n")
    code, answer = doctor(sim_config)
    printer = next(c for c in answer["checks"] if c["name"] == "printer")
    assert printer["verdict"] == "fail"
    assert "PRINTER_PAPER_OUT" in printer["finding"]
    assert printer["remedy"] == "put a new paper roll in the printer"
    assert (code, answer["ready"]) == (EXIT_CANNOT_SERVE, False)

    human = run_kiosk("doctor", "--config", str(sim_config))
    assert human.returncode == EXIT_CANNOT_SERVE
    assert "printer" in human.stdout and "FAIL" in human.stdout
    assert "-> put a new paper roll in the printer" in human.stdout
    assert human.stdout.rstrip().endswith("the kiosk CANNOT serve citizens: see FAIL above")


def test_a_paper_roll_near_its_end_is_a_warning_only(sim_config: Path, tmp_path: Path) -> None:
    (tmp_path / "state" / "receipts").mkdir(parents=True, exist_ok=True)
    (tmp_path / "state" / "receipts" / "state").write_text("paper_low\n")
    code, answer = doctor(sim_config)
    assert verdicts(answer)["printer"] == "warning"
    assert code == EXIT_READY


def test_an_invalid_configuration_has_its_own_exit_status(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('profile = "sim"\n[profiles.sim]\nreader = "sim:x"\n'
                      f'state_dir = "{tmp_path}"\nprinter = {{ uri = "lpt1" }}\n')
    code, answer = doctor(config)
    assert code == EXIT_CONFIG
    assert verdicts(answer) == {"configuration": "fail"}
    assert "printer.uri" in answer["checks"][0]["finding"]


def test_devices_not_configured_are_absent_and_a_missing_reader_fails(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'profile = "p"\n[profiles.p]\nreader = "sim:{tmp_path}/no-card.json"\n'
                      f'state_dir = "{tmp_path}"\n')
    found = diagnose(config)
    shown = {check.name: check.verdict.value for check in found.checks}
    assert [shown[name] for name in ("printer", "frontpanel", "gpio", "uplink")] == \
        ["absent"] * 4
    assert shown["reader"] == "warning"
    assert found.exit_code == EXIT_READY
    assert "the kiosk can serve citizens" in table(found)


def test_a_gpio_factory_that_cannot_load_fails(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'profile = "p"\n[profiles.p]\nreader = "sim:c.json"\n'
                      f'state_dir = "{tmp_path}"\ngpio = {{ factory = "rpigpio" }}\n')
    found = Diagnosis("p", [c for c in diagnose(config).checks if c.name == "gpio"])
    check = found.checks[0]
    assert check.verdict.value == "fail"  # RPi.GPIO: "can only be run on a Raspberry Pi"
    assert "pin factory rpigpio" in check.finding
    assert found.exit_code == EXIT_CANNOT_SERVE


def pcsc_config(tmp_path: Path) -> Path:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'profile = "pi"\n[profiles.pi]\nreader = "pcsc"\n'
                      f'state_dir = "{tmp_path}"\n')
    return config


@pytest.mark.pcscd
def test_the_pcsc_reader_through_a_real_pcscd(pcscd: PrivatePcscd, tmp_path: Path) -> None:
    code, answer = doctor(pcsc_config(tmp_path))
    reader = next(c for c in answer["checks"] if c["name"] == "reader")
    assert reader["verdict"] == "ok", reader
    assert pcscd.reader in reader["finding"]
    assert code == EXIT_READY


@pytest.mark.pcscd
def test_no_pcscd_is_a_failure_with_its_remedy(tmp_path: Path) -> None:
    env = dict(os.environ, PCSCLITE_CSOCK_NAME=str(tmp_path / "nobody-listens"))
    done = run_kiosk("doctor", "--config", str(pcsc_config(tmp_path)), "--json", env=env)
    reader = next(c for c in json.loads(done.stdout)["checks"] if c["name"] == "reader")
    assert reader["verdict"] == "fail"
    assert "pcscd" in reader["remedy"]
    assert done.returncode == EXIT_CANNOT_SERVE
