"""The appliance boots: the amd64 twin of the image's root filesystem (tests/appliance/rootfs.py,
from image/packages.txt, the kiosk's wheel in /opt/kiosk) with systemd/ installed the way the
image installs it (systemd/install.sh), booted with systemd-nspawn. kiosk.service reaches
READY=1 headless on the sim profile; a UI loop that hangs (SIGSTOP from inside the container)
stops feeding the watchdog, and systemd kills the kiosk and starts it again.

The test's only changes to the image: the sim profile in /etc/kiosk/kiosk.toml (headless, no
hardware), first boot's marker (this kiosk counts as provisioned: kiosk-firstboot.service has its
own tests in tests/provision), and a drop-in that shortens WatchdogSec= so the hang is seen in
seconds. Its SSH (systemd/README.md, "The technician's SSH"): off without keys; with a key bound
where first boot writes it, sshd runs with the kiosk's own host key and lets root in with that
key alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.appliance import rootfs
from tests.appliance.container import Container, booted
from tests.systemd.analyze import verify

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="mmdebstrap and systemd-nspawn need root"),
    pytest.mark.timeout(900),  # a fresh machine builds the root filesystem first
]

SIM_PROFILE = """profile = "sim"
[profiles.sim]
reader = "sim:demo-card.json"
state_dir = "/var/lib/kiosk"
display = { mode = "headless", size = [800, 480] }
certificates = { anchors = ["demo-card.pki"] }
uplink = { heartbeat_seconds = 10.0 }
"""
WATCHDOG_SECONDS = 3
TEST_DROP_IN = f"""# tests/appliance: a short watchdog, to see a hang handled in seconds
[Service]
WatchdogSec={WATCHDOG_SECONDS}
"""
UNITS = ["kiosk.service", "kiosk-console.service", "kiosk-firstboot.service",
         "kiosk-ssh-hostkey.service", "ssh.service"]
RESTART_TIMEOUT_SECONDS = 60.0
# A provisioning file with a technician's key, whose back-office is a closed port: first boot
# gets as far as it can (the keys are written before it enrolls) and fails.
UNREACHABLE_PROVISIONING = """[site]
comune = "Comune di Prova"
kiosk = "anagrafe-1"

[backoffice]
url = "https://127.0.0.1:1"
token = "v1.Zm9vYmFyc2VjcmV0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

[technician]
ssh_keys = ["{key}"]
"""


@pytest.fixture
def appliance() -> Path:
    return rootfs.tree()


def laid_over(tmp_path: Path) -> dict[str, Path]:
    """What the test lays over the image: nspawn binds these files read-only."""
    (tmp_path / "kiosk.toml").write_text(SIM_PROFILE)
    (tmp_path / "test.conf").write_text(TEST_DROP_IN)
    (tmp_path / "provisioned").write_text("")
    return {"/etc/kiosk/kiosk.toml": tmp_path / "kiosk.toml",
            "/data/kiosk/provisioned": tmp_path / "provisioned",
            "/etc/systemd/system/kiosk.service.d/test.conf": tmp_path / "test.conf"}


def until(condition: str, check: dict[str, str], read: Container, unit: str) -> dict[str, str]:
    """Poll the unit's properties until ``check`` holds (the keys of ``check``)."""
    deadline = time.monotonic() + RESTART_TIMEOUT_SECONDS
    while True:
        state = read.show(unit, *check)
        if state == check:
            return state
        assert time.monotonic() < deadline, f"{condition}: {state}"
        time.sleep(0.2)


def test_kiosk_boots_ready_and_a_hung_loop_is_restarted(appliance: Path, tmp_path: Path) -> None:
    # One test, not several: under xdist each worker would build its own root filesystem.
    for unit in UNITS:  # against the image's own units and programs
        assert verify(appliance, unit) == (0, ""), unit
    with booted(appliance, tmp_path / "console.log", files=laid_over(tmp_path)) as container:
        ready = container.show("kiosk.service", "ActiveState", "SubState", "StatusText",
                               "NRestarts", "MainPID", "ActiveEnterTimestampMonotonic")
        assert (ready["ActiveState"], ready["SubState"]) == ("active", "running"), (
            container.run("journalctl", "--no-pager", "-u", "kiosk.service").stdout)
        assert ready["StatusText"] == "waiting for a citizen"  # sent with READY=1
        assert ready["NRestarts"] == "0"
        started = container.show(None, "UserspaceTimestampMonotonic")  # the manager's own
        ready_after = (int(ready["ActiveEnterTimestampMonotonic"])
                       - int(started["UserspaceTimestampMonotonic"])) / 1e6
        print(f"\nsystemd started to kiosk READY=1: {ready_after:.1f} s")

        # The kiosk's own log line arrived with its structured fields.
        journal = container.run("journalctl", "--no-pager", "-o", "json",
                                "SYSLOG_IDENTIFIER=kiosk").stdout
        records = [json.loads(line) for line in journal.splitlines()]
        assert {"MESSAGE": "kiosk ready", "KIOSK_PROFILE": "sim", "KIOSK_MODE": "headless"} in [
            {key: record.get(key) for key in ("MESSAGE", "KIOSK_PROFILE", "KIOSK_MODE")}
            for record in records]

        hung = int(ready["MainPID"])
        assert hung > 1  # kill -STOP 0 would stop the shell's own group, 1 the container
        stopped_at = time.monotonic()
        container.run("sh", "-c", f"kill -STOP {hung}")
        until("restarted after the watchdog", {"NRestarts": "1", "ActiveState": "active",
                                                "SubState": "running"}, container, "kiosk.service")
        print(f"hang to ready again: {time.monotonic() - stopped_at:.1f} s "
              f"(WatchdogSec={WATCHDOG_SECONDS}, RestartSec=2)")
        assert int(container.show("kiosk.service", "MainPID")["MainPID"]) != hung
        journal = container.run("journalctl", "--no-pager", "-u", "kiosk.service").stdout
        assert "Watchdog timeout" in journal

        # No technician's keys: no sshd (skipped by its condition), no host key made.
        for unit in ("ssh.service", "kiosk-ssh-hostkey.service"):
            assert container.show(unit, "ConditionResult", "ActiveState") == {
                "ConditionResult": "no", "ActiveState": "inactive"}, unit


def test_first_boot_s_keys_let_root_in_with_them_alone(appliance: Path, tmp_path: Path) -> None:
    """The image carries no host key. First boot (``kiosk provision --apply``, here with a
    back-office it cannot reach) writes the provisioning file's key and starts sshd at once,
    after the kiosk's own host key is made; root logs in with the key, never with a password,
    and no other user does."""
    assert sorted(p.name for p in (appliance / "etc/ssh").glob("ssh_host_*")) == []
    assert os.readlink(appliance / "etc/systemd/system/multi-user.target.wants/ssh.service")
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "tecnico@comune",
                    "-f", str(key)], check=True, timeout=60)
    (tmp_path / "boot.toml").write_text(UNREACHABLE_PROVISIONING.format(
        key=key.with_suffix(".pub").read_text().strip()))
    files = laid_over(tmp_path) | {"/srv/boot/kiosk.toml": tmp_path / "boot.toml",
                                   "/root/id_ed25519": key}
    client = ["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=accept-new",
              "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10"]
    with booted(appliance, tmp_path / "console.log", files=files) as container:
        assert container.show("ssh.service", "ActiveState") == {"ActiveState": "inactive"}
        first_boot = container.run("/opt/kiosk/bin/kiosk", "provision", "--apply", "--json",
                                   "--boot", "/srv/boot", "--state", "/srv/state", "--etc",
                                   "/srv/etc", "--ssh", "/data/ssh", check=False, timeout=120)
        assert "ENROLL_UNREACHABLE" in first_boot.stdout, first_boot.stdout + first_boot.stderr
        until("sshd started by first boot", {"ActiveState": "active"}, container, "ssh.service")
        made = container.run("stat", "-c", "%a %U", "/data/ssh", "/data/ssh/authorized_keys",
                             "/data/ssh/ssh_host_ed25519_key")
        assert made.stdout.split("\n")[:3] == ["700 root", "600 root", "600 root"], made.stdout
        login = container.run(*client, "-i", "/root/id_ed25519", "root@127.0.0.1", "id -u",
                              check=False)
        assert (login.returncode, login.stdout) == (0, "0\n"), login.stderr
        password = container.run(*client, "-o", "PubkeyAuthentication=no", "root@127.0.0.1",
                                 "true", check=False)
        assert password.returncode == 255 and "Permission denied (publickey)" in password.stderr
        kiosk_user = container.run(*client, "-i", "/root/id_ed25519", "kiosk@127.0.0.1", "true",
                                   check=False)
        assert kiosk_user.returncode == 255, kiosk_user.stderr
