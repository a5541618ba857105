"""The unit files of systemd/, checked by systemd's own tools on this machine (no systemd needs
to be running): ``systemd-analyze verify`` prints nothing about them, and ``systemd-analyze
security`` rates each at most 3.0 ("OK" or better) — every unit in systemd/, the image's
update and machine-id units included.

verify (tests/systemd/analyze.py) fails on any line it prints. It checks a unit against a
root directory: here one holding this machine's own system units (without them, "Unit
sysinit.target not found") and systemd/ installed by systemd/install.sh, as the image does;
the programs the units run are stand-ins, since only the booted image (tests/appliance) has
the real ones.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.systemd.analyze import verify

UNITS = sorted(path.name for path in (ROOT / "systemd").glob("*.service"))
MAX_EXPOSURE = 3.0
# What the units' Exec lines run; installed by the image, stand-ins here.
PROGRAMS = ["opt/kiosk/bin/kiosk", "usr/bin/setterm", "usr/bin/sh",
            "usr/libexec/kiosk/health-check", "usr/bin/ssh-keygen", "usr/bin/rm", "usr/bin/sync",
            "usr/bin/mv", "usr/sbin/sshd", "usr/bin/kill"]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("units") / "root"
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    for directory in ("etc", "var/lib"):
        (root / directory).mkdir(parents=True)
    for merged in ("bin", "sbin", "lib"):  # Debian's merged /usr, as in the image
        (root / "usr" / merged).mkdir(parents=True, exist_ok=True)
        (root / merged).symlink_to(f"usr/{merged}")
    for program in PROGRAMS:
        stand_in = root / program
        stand_in.parent.mkdir(parents=True, exist_ok=True)
        stand_in.write_text("#!/bin/sh\n")
        stand_in.chmod(0o755)
    subprocess.run([str(ROOT / "systemd" / "install.sh"), str(root)], check=True,
                   capture_output=True, timeout=60)
    return root


@pytest.mark.parametrize("unit", UNITS)
def test_verify_prints_nothing(root: Path, unit: str) -> None:
    assert verify(root, unit) == (0, "")


def test_verify_would_catch_a_misspelt_unit(root: Path) -> None:
    """The check above can fail: verify complains, on stderr, about a unit one letter off."""
    broken = root / "usr/lib/systemd/system/broken.service"
    text = (ROOT / "systemd" / "kiosk.service").read_text()
    broken.write_text(text.replace("Type=notify", "Type=notfy"))
    status, printed = verify(root, "broken.service")
    broken.unlink()
    assert status == 0  # why the output must be read
    assert "Failed to parse service type, ignoring: notfy" in printed


@pytest.mark.parametrize("unit", UNITS)
def test_the_documents_a_unit_names_are_installed(root: Path, unit: str) -> None:
    """What a unit's Documentation= names is on the kiosk."""
    documents = re.findall(r"^Documentation=file://(\S+)$",
                           (ROOT / "systemd" / unit).read_text(), flags=re.MULTILINE)
    for document in documents:
        assert (root / document.lstrip("/")).is_file(), document


@pytest.mark.parametrize("unit", UNITS)
def test_exposure_is_at_most_3(unit: str) -> None:
    done = subprocess.run(["systemd-analyze", "security", "--offline=yes",
                           str(ROOT / "systemd" / unit)],
                          capture_output=True, text=True, timeout=60, check=True)
    found = re.search(rf"Overall exposure level for {re.escape(unit)}: (\d+\.\d+) (\w+)",
                      done.stdout)
    assert found is not None, done.stdout
    assert float(found[1]) <= MAX_EXPOSURE, done.stdout


@pytest.mark.skipif(not Path("/usr/lib/systemd/system/ssh.service").exists(),
                    reason="openssh-server is not installed (scripts/dev.sh)")
def test_debian_s_ssh_service_takes_the_drop_in_and_stays_enabled(root: Path) -> None:
    """Debian's ssh.service with systemd/ssh.service.d/kiosk.conf: verify prints nothing (it
    reads the drop-in: one naming a unit that does not exist is reported), and install.sh
    leaves the unit enabled; its condition, not a disabled unit, keeps sshd off."""
    assert verify(root, "ssh.service") == (0, "")
    enabled = subprocess.run(["systemctl", f"--root={root}", "is-enabled", "ssh.service"],
                             capture_output=True, text=True, timeout=60, check=False)
    assert enabled.stdout.strip() == "enabled"
    drop_in = root / "usr/lib/systemd/system/ssh.service.d/kiosk.conf"
    text = drop_in.read_text()
    drop_in.write_text(text.replace("Requires=kiosk-ssh-hostkey", "Requires=kiosk-ssh-hostky"))
    _status, printed = verify(root, "ssh.service")
    drop_in.write_text(text)
    assert "kiosk-ssh-hostky.service" in printed, printed


@pytest.mark.parametrize("unit", ["getty@tty1.service", "autovt@tty2.service",
                                  "getty-static.service", "serial-getty@ttyS1.service"])
def test_no_login_prompt_anywhere(root: Path, unit: str) -> None:
    """The screen, a VT switch, Debian's fallback gettys and the serial console of the
    kernel's command line: each masked by install.sh."""
    state = subprocess.run(["systemctl", f"--root={root}", "is-enabled", unit],
                           capture_output=True, text=True, timeout=60, check=False)
    assert state.stdout.strip() == "masked"


def test_the_network_first_boot_configures_comes_up_at_every_boot(root: Path) -> None:
    """networkd is part of systemd (resolved, its own package in bookworm, is enabled the
    same way where the root has it: the image and the twin)."""
    state = subprocess.run(["systemctl", f"--root={root}", "is-enabled",
                            "systemd-networkd.service"],
                           capture_output=True, text=True, timeout=60, check=False)
    assert state.stdout.strip() == "enabled"


@pytest.mark.parametrize("unit", ["systemd-networkd.service", "wpa_supplicant@wlan0.service"])
def test_what_reads_first_boots_network_files_waits_for_the_data_partition(
        root: Path, unit: str) -> None:
    """Both read first boot's files through the root's links into /data/kiosk (image/layout.py,
    STATE_LINKS): started before the mount, networkd configured nothing at the boot after an
    update under qemu, and wpa_supplicant's condition would fail at every boot but the first.
    (wpa_supplicant is not on this machine: its drop-in is checked as install.sh leaves it.)"""
    if unit.startswith("wpa_supplicant"):
        drop_in = ROOT / "systemd" / "wpa_supplicant@.service.d" / "kiosk.conf"
    else:
        drop_in = root / "usr/lib/systemd/system" / f"{unit}.d" / "kiosk.conf"
    assert "\nRequiresMountsFor=/data/kiosk\n" in drop_in.read_text()


def test_the_system_can_reach_first_boots_files_in_the_state_directory() -> None:
    """systemd-networkd (its own user) reads the network file first boot writes under
    /data/kiosk/etc through /etc/systemd/network's link: the directory must let others pass
    (booted under qemu with 0750, the kiosk never got an address)."""
    line = next(line for line in (ROOT / "systemd/tmpfiles.d/kiosk.conf").read_text().splitlines()
                if line.startswith("d /data/kiosk "))
    mode = int(line.split()[2], 8)
    assert mode & 0o001
    assert not mode & 0o004  # pass through, not list
