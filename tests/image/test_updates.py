"""Signed A/B updates, run for real: RAUC checks and installs bundles made by image/bundle.sh
into a pair of file slots, the image's U-Boot boot script chooses the slot at each "power
on", and the image's health check marks a slot good or sends the kiosk back (tests/image/
slots.py says what stands in for what)."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from image.layout import BOOT_ATTEMPTS
from tests.image.slots import ROOT, Pair, make_bundle, make_keys, run, tiny_root

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("keys")
    return {"technician": make_keys(base / "technician", "Comune di Prova"),
            "stranger": make_keys(base / "stranger", "Someone Else")}


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory,
            keys: dict[str, Path]) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("bundles")
    root = tiny_root(base / "root.ext4", "update 2")
    return {"signed": make_bundle(root, keys["technician"], base / "signed.raucb", "2"),
            "foreign": make_bundle(root, keys["stranger"], base / "foreign.raucb", "2")}


@pytest.fixture
def pair(tmp_path: Path, keys: dict[str, Path]) -> Pair:
    pair = Pair(tmp_path)
    pair.configure(keys["technician"] / "ca.cert.pem")
    return pair


def _uplink(path: Path, *, contact: bool) -> Path:
    last = datetime.now(UTC).isoformat() if contact else None
    path.write_text(json.dumps({"enrolled": True, "last_contact": last}))
    return path


def _boot_and_check(pair: Pair, *, doctor_ok: bool,
                    contact: bool) -> tuple[str | None, subprocess.CompletedProcess[str]]:
    """Power on, and once up, kiosk-health's check with the doctor and the uplink as given."""
    slot = pair.boot().slot
    assert slot is not None
    with pair.running(slot):
        checked = pair.health_check(doctor_ok=doctor_ok,
                                    uplink_json=_uplink(pair.base / "u.json", contact=contact))
    return slot, checked


def _flashed_then_updated(pair: Pair, bundle: Path) -> None:
    """The card as flashed boots slot A, which its check marks good; then B is installed."""
    assert pair.boot().slot == "A"
    with pair.running("A"):
        pair.health_check(doctor_ok=True, uplink_json=_uplink(pair.base / "u.json",
                                                              contact=True))
        installed = run(["rauc", "install", str(bundle)], env=pair.env)
        assert installed.returncode == 0, installed.stdout + installed.stderr


def test_a_bundle_signed_by_the_technicians_key_is_verified(
        bundles: dict[str, Path], keys: dict[str, Path]) -> None:
    info = run(["rauc", "info", "--output-format=json",
                f"--keyring={keys['technician'] / 'ca.cert.pem'}", str(bundles["signed"])])
    assert info.returncode == 0, info.stderr
    manifest = json.loads(info.stdout)
    assert manifest["compatible"] == "cie-kiosk-rpi4"
    assert [image["filename"] for image in manifest["images"][0].values()] == ["root.ext4"]


def test_a_bundle_signed_by_another_key_is_refused(
        bundles: dict[str, Path], keys: dict[str, Path]) -> None:
    info = run(["rauc", "info", f"--keyring={keys['technician'] / 'ca.cert.pem'}",
                str(bundles["foreign"])])
    assert info.returncode != 0
    assert "signature verification failed" in info.stderr


def test_rauc_refuses_to_install_a_foreign_bundle_and_nothing_changes(
        pair: Pair, bundles: dict[str, Path]) -> None:
    assert pair.boot().slot == "A"
    before = pair.uboot()
    with pair.running("A"):
        result = run(["rauc", "install", str(bundles["foreign"])], env=pair.env)
    assert result.returncode != 0
    assert "signature verification failed" in result.stdout + result.stderr
    assert pair.uboot() == before
    assert pair.slots["B"].read_bytes().count(0) == pair.slots["B"].stat().st_size


def test_an_update_that_passes_its_health_check_stays(
        pair: Pair, bundles: dict[str, Path]) -> None:
    # the card as flashed: slot A, marked good at its first boot
    assert pair.boot().slot == "A"
    with pair.running("A"):
        checked = pair.health_check(doctor_ok=False,
                                    uplink_json=_uplink(pair.base / "u.json", contact=False))
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "marked good (it was good before)" in checked.stdout
        installed = run(["rauc", "install", str(bundles["signed"])], env=pair.env)
        assert installed.returncode == 0, installed.stdout + installed.stderr
    # RAUC wrote the bundle's root into B and made it U-Boot's first choice
    assert pair.slots["B"].read_bytes()[:4096] == (
        bundles["signed"].parent / "root.ext4").read_bytes()[:4096]
    assert pair.uboot()["BOOT_ORDER"] == "B A"
    assert pair.uboot()["BOOT_B_LEFT"] == str(BOOT_ATTEMPTS)

    slot, checked = _boot_and_check(pair, doctor_ok=True, contact=True)
    assert slot == "B"
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "slot B marked good (kiosk doctor passed and the uplink is up)" in checked.stdout
    assert pair.last_good.read_text() == "B\n"
    assert pair.uboot()["BOOT_B_LEFT"] == str(BOOT_ATTEMPTS)
    # from now on B is the good slot: each boot's check marks it good at once, so its
    # attempts never run out, whatever the network does
    for _ in range(BOOT_ATTEMPTS + 1):
        slot, checked = _boot_and_check(pair, doctor_ok=False, contact=False)
        assert slot == "B"
        assert "slot B marked good (it was good before)" in checked.stdout


def test_an_update_that_fails_its_health_check_is_marked_bad_and_the_next_boot_falls_back(
        pair: Pair, bundles: dict[str, Path]) -> None:
    _flashed_then_updated(pair, bundles["signed"])
    slot, checked = _boot_and_check(pair, doctor_ok=False, contact=True)
    assert slot == "B"
    assert checked.returncode == 1
    assert "slot B failed its trial" in checked.stdout
    assert "kiosk doctor says the kiosk cannot serve" in checked.stdout
    assert pair.reboots.read_text() == "reboot\n"
    assert pair.uboot()["BOOT_B_LEFT"] == "0"
    slot, checked = _boot_and_check(pair, doctor_ok=True, contact=True)
    assert slot == "A"
    assert "slot A marked good (it was good before)" in checked.stdout
    assert pair.uboot()["BOOT_ORDER"] == "A"  # RAUC took the bad slot out of the order


def test_an_update_whose_uplink_stays_down_is_rolled_back(
        pair: Pair, bundles: dict[str, Path]) -> None:
    _flashed_then_updated(pair, bundles["signed"])
    slot, checked = _boot_and_check(pair, doctor_ok=True, contact=False)
    assert slot == "B"
    assert "the uplink has not reached the back-office since this boot" in checked.stdout
    assert pair.boot().slot == "A"


def test_an_update_that_never_comes_up_falls_back_after_its_boot_attempts(
        pair: Pair, bundles: dict[str, Path]) -> None:
    _flashed_then_updated(pair, bundles["signed"])
    # B hangs or panics every time: no health check ever runs on it
    assert [pair.boot().slot for _ in range(BOOT_ATTEMPTS)] == ["B"] * BOOT_ATTEMPTS
    assert pair.boot().slot == "A"
    assert pair.uboot()["BOOT_B_LEFT"] == "0"


def test_a_slot_without_a_kernel_spends_its_attempts_and_the_boot_falls_back(
        pair: Pair) -> None:
    for name, value in (("BOOT_ORDER", "B A"), ("BOOT_A_LEFT", "3"), ("BOOT_B_LEFT", "3")):
        run(["fw_setenv", name, value], env=pair.env)
    (pair.slot_files / "3" / "vmlinuz").unlink()  # slot B has no kernel
    for _ in range(BOOT_ATTEMPTS):
        failed = pair.boot()
        assert failed.slot is None
        assert "File not found /vmlinuz" in failed.output and "RESET" in failed.output
    assert pair.boot().slot == "A"


def test_when_no_slot_has_attempts_left_every_slot_gets_them_again(pair: Pair) -> None:
    run(["fw_setenv", "BOOT_A_LEFT", "0"], env=pair.env)
    run(["fw_setenv", "BOOT_ORDER", "A"], env=pair.env)
    reset = pair.boot()
    assert reset.slot is None and "No slot has boot attempts left" in reset.output
    assert pair.uboot()["BOOT_A_LEFT"] == str(BOOT_ATTEMPTS)
    assert pair.boot().slot == "A"


def test_the_machine_id_is_handed_to_the_kernel_once_it_is_in_the_environment(
        pair: Pair) -> None:
    assert "systemd.machine_id" not in pair.boot().output
    run(["fw_setenv", "machine_id", "0123456789abcdef0123456789abcdef"], env=pair.env)
    assert "systemd.machine_id=0123456789abcdef0123456789abcdef" in pair.boot().output


def test_an_uplink_status_that_cannot_be_read_counts_as_down_without_a_traceback(
        pair: Pair, bundles: dict[str, Path]) -> None:
    """Under qemu the status command failed at every try (it ran as a root without the
    capability to read the kiosk's files) and printed nothing: the check must say so plainly
    and roll back, not fill the journal with Python's tracebacks."""
    _flashed_then_updated(pair, bundles["signed"])
    slot = pair.boot().slot
    assert slot == "B"
    nothing = pair.base / "nothing.json"
    nothing.write_text("")
    with pair.running(slot):
        checked = pair.health_check(doctor_ok=True, uplink_json=nothing)
    assert checked.returncode == 1
    assert "the uplink has not reached the back-office since this boot" in checked.stdout
    assert "Traceback" not in checked.stdout + checked.stderr


def test_the_uplink_status_is_read_as_the_kiosk_s_user(tmp_path: Path) -> None:
    """The uplink's files are the kiosk user's (0700); kiosk-health.service's root keeps only
    CAP_SETUID and CAP_SETGID, to become that user for this one command."""
    calls = tmp_path / "calls"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in {
        "setpriv": f'echo "setpriv $*" >>{calls}; shift 3; exec "$@"',
        "kiosk": 'echo "{\\"last_contact\\": \\"2999-01-01T00:00:00+00:00\\"}"',
        "rauc": "[ \"$1\" = status ] && [ \"$2\" = --output-format=shell ] "
                "&& echo RAUC_SYSTEM_BOOTED_BOOTNAME=B; exit 0",
    }.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    (tmp_path / "last-good").write_text("A\n")
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "KIOSK_HEALTH_DOCTOR": "true",
           "KIOSK_HEALTH_LAST_GOOD": str(tmp_path / "last-good"),
           "KIOSK_HEALTH_BOOT_TIME": "0", "KIOSK_HEALTH_REBOOT": "false"}
    checked = subprocess.run([str(ROOT / "image" / "rauc" / "health-check.sh")], env=env,
                             capture_output=True, text=True, timeout=60, check=False)
    assert "slot B marked good (kiosk doctor passed and the uplink is up)" in checked.stdout
    assert calls.read_text() == ("setpriv --reuid=kiosk --regid=kiosk --init-groups "
                                 "kiosk uplink status --json\n")
    unit = (ROOT / "systemd" / "kiosk-health.service").read_text()
    assert "\nCapabilityBoundingSet=CAP_SETUID CAP_SETGID\n" in unit


def test_the_trial_s_deadline_counts_the_checks_own_time(
        pair: Pair, bundles: dict[str, Path]) -> None:
    """A doctor that takes 2 s against a 3 s deadline and 1 s sleeps: counting the sleeps
    alone would take four turns (8 s of doctor); in real time the trial ends after two."""
    _flashed_then_updated(pair, bundles["signed"])
    slot = pair.boot().slot
    assert slot == "B"
    turns = pair.base / "turns"
    slow_doctor = pair.base / "slow-doctor"
    slow_doctor.write_text(f"#!/bin/sh\necho turn >>{turns}\nsleep 2\nexit 3\n")
    slow_doctor.chmod(0o755)
    with pair.running(slot):
        checked = run([str(ROOT / "image" / "rauc" / "health-check.sh")], env={
            **pair.env, "KIOSK_HEALTH_DEADLINE": "3", "KIOSK_HEALTH_INTERVAL": "1",
            "KIOSK_HEALTH_LAST_GOOD": str(pair.last_good),
            "KIOSK_HEALTH_DOCTOR": str(slow_doctor), "KIOSK_HEALTH_UPLINK": "true",
            "KIOSK_HEALTH_REBOOT": "true", "KIOSK_HEALTH_BOOT_TIME": "0"})
    assert "slot B failed its trial" in checked.stdout
    assert turns.read_text().count("turn") == 2
