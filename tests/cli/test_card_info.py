"""``kiosk card info`` and ``kiosk sim card`` as a technician runs them (real subprocesses)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.sim import families
from kiosk.sim.profile import CardProfile
from tests.conftest import run_kiosk

NIS = "910718464654"


@pytest.mark.parametrize("family", ["NXP", "Gemalto", "STM3", "Actalis 2023"])
def test_new_card_then_info_in_process(tmp_path: Path, family: str) -> None:
    profile = tmp_path / "card.json"
    made = run_kiosk("sim", "card", "new", "--out", str(profile), "--family", family,
                     "--nis", "123456789012")
    assert made.returncode == 0, made.stderr
    done = run_kiosk("card", "info", "--reader", f"sim:{profile}", "--json")
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert info == {"reader": "Virtual CIE reader 00 00",
                    "atr": families.atr_for(family).hex(" ").upper(),
                    "chip_family": family, "nis": "123456789012"}


def test_human_output(tmp_path: Path) -> None:
    profile = tmp_path / "card.json"
    run_kiosk("sim", "card", "new", "--out", str(profile))
    done = run_kiosk("card", "info", "--reader", f"sim:{profile}")
    assert done.returncode == 0
    assert f"nis          {NIS}" in done.stdout


def test_configured_reader_is_the_default(tmp_path: Path) -> None:
    run_kiosk("sim", "card", "new", "--out", str(tmp_path / "mine.json"))
    conf = tmp_path / "kiosk.toml"
    conf.write_text(f'[profiles.sim]\nreader = "sim:mine.json"\nstate_dir = "{tmp_path}"\n')
    done = run_kiosk("card", "info", "--config", str(conf), "--json")
    assert json.loads(done.stdout)["nis"] == NIS


def test_not_a_cie_exits_1(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": "kiosk-sim-card/1", "family": "generic",
                                 "atr": "3B80800100", "files": {}}))
    done = run_kiosk("card", "info", "--reader", f"sim:{other}", "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout)["error"]["code"] == "NOT_A_CIE"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["card", "info", "--reader", "usb:0", "--json"], "BAD_READER"),
        (["card", "info", "--reader", "sim:/nonexistent/card.json", "--json"],
         "PROFILE_NOT_FOUND"),
        (["card", "info", "--config", "/nonexistent/kiosk.toml", "--json"], "CONFIG_NOT_FOUND"),
    ],
)
def test_bad_usage_exits_2_with_a_code(args: list[str], code: str) -> None:
    done = run_kiosk(*args)
    assert done.returncode == 2
    assert json.loads(done.stdout)["error"]["code"] == code


@pytest.mark.parametrize(
    "args",
    [["card"], ["card", "info", "--bogus"], ["sim", "card"],
     ["sim", "card", "--profile", "x.json", "--vpcd", "nohost"],
     ["sim", "card", "new", "--out", "x.json", "--family", "Nokia"]],
)
def test_argument_errors_exit_2(args: list[str]) -> None:
    done = run_kiosk(*args)
    assert done.returncode == 2
    assert "usage:" in done.stderr


def test_new_card_refuses_a_bad_nis(tmp_path: Path) -> None:
    done = run_kiosk("sim", "card", "new", "--out", str(tmp_path / "c.json"), "--nis", "12ab")
    assert done.returncode == 2
    assert "PROFILE_INVALID" in done.stderr
    assert not (tmp_path / "c.json").exists()


def test_new_card_carries_the_demo_identity(tmp_path: Path) -> None:
    run_kiosk("sim", "card", "new", "--out", str(tmp_path / "c.json"))
    identity = CardProfile.load(tmp_path / "c.json").identity
    assert identity["codice_fiscale"] == "RSSMRA95A58H501Z"
    assert (identity["given_name"], identity["surname"]) == ("MARIA", "ROSSI")
