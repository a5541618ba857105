"""``kiosk provision`` against a running back-office (real nginx, TLS, enrollment): a boot
partition with the technician's file becomes an enrolled kiosk whose token is gone; a rerun
does nothing; a power cut between any two steps is picked up where it left; a wrong file or
an unreachable back-office gives its code, keeps the token and writes nothing it should not;
the secrets reach no output and no file."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk import config
from kiosk.backoffice.registry import KioskSummary
from kiosk.provision import network
from kiosk.uplink.credentials import Store
from kiosk.uplink.enroll import enroll
from tests.backoffice.stack import Stack, free_port
from tests.conftest import kiosk_command, run_kiosk
from tests.provision.files import PASSPHRASE, boot_partition, provisioning_text
from tests.secret_scan import findings

pytestmark = pytest.mark.slow  # a real back-office


@dataclass(frozen=True)
class Kiosk:
    """One kiosk's SD card: the boot partition, the state directory, the /etc it writes, the
    directory of the technicians' SSH keys."""

    root: Path

    @property
    def boot(self) -> Path:
        return self.root / "boot"

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def etc(self) -> Path:
        return self.root / "etc"

    @property
    def file(self) -> Path:
        return self.boot / "kiosk.toml"

    def places(self) -> list[str]:
        return ["--boot", str(self.boot), "--state", str(self.state), "--etc", str(self.etc),
                "--ssh", str(self.root / "ssh")]

    def provision(self, *extra: str) -> tuple[subprocess.CompletedProcess[str], dict[str, object]]:
        # at DEBUG, so the secret scans see everything the libraries log too
        done = run_kiosk("--log-level", "DEBUG", "provision", *self.places(), "--json", *extra)
        answer: dict[str, object] = json.loads(done.stdout)
        return done, answer


def new_kiosk(tmp_path: Path, stack: Stack, *, token: str | None = None,
              url: str | None = None) -> tuple[Kiosk, str, str]:
    """A kiosk whose boot partition holds a file with a fresh token: (kiosk, name, token)."""
    name, fresh = stack.add_kiosk()
    token = token or fresh
    kiosk = Kiosk(tmp_path)
    boot_partition(kiosk.boot, provisioning_text(url or stack.enroll_url, token, kiosk=name))
    return kiosk, name, token


def summary(stack: Stack, name: str) -> KioskSummary:
    """The back-office's line for ``name`` (``kiosk backoffice kiosks``)."""
    return next(k for k in stack.registry.kiosks() if k.name == name)


def enrollment(stack: Stack, name: str) -> str:
    return summary(stack, name).enrollment


def test_first_boot_enrolls_forgets_the_token_and_keeps_the_rest(tmp_path: Path,
                                                                 sqlite_stack: Stack) -> None:
    kiosk, name, token = new_kiosk(tmp_path, sqlite_stack)
    before = kiosk.file.read_text()
    done, answer = kiosk.provision("--owner", "nobody")
    assert done.returncode == 0, done.stderr
    assert answer == {"provisioned": True, "already": False, "kiosk": name,
                      "enrolled_now": True, "token_removed": True}

    # The back-office lists it as enrolled; the kiosk holds its key and certificate.
    assert enrollment(sqlite_stack, name) == "enrolled"
    identity = Store(kiosk.state / "uplink").load()
    assert identity.kiosk == name and identity.ca_pem == sqlite_stack.ca_file.read_bytes()
    assert (kiosk.state / "uplink" / "key.pem").stat().st_mode & 0o777 == 0o600

    # The token is gone from the boot partition, the passphrase replaced by the PSK; the
    # technician's other settings and comments stay.
    after = kiosk.file.read_text()
    psk = network.wpa_psk("Comune-Kiosk", PASSPHRASE)
    assert token not in after and "token" not in tomllib.loads(after)["backoffice"]
    expected = tomllib.loads(before)
    del expected["backoffice"]["token"]
    del expected["wifi"]["passphrase"]
    expected["wifi"]["psk"] = psk
    assert tomllib.loads(after) == expected
    kept = [line for line in before.splitlines() if token not in line and PASSPHRASE not in line]
    assert kept == [line for line in after.splitlines()
                    if "first boot" not in line and psk not in line]

    # The runtime configuration loads, and the kiosk's own commands find the enrollment.
    runtime = config.load(kiosk.state / "kiosk.toml")
    assert runtime.name == "pi" and runtime.profile.state_path == kiosk.state
    assert runtime.profile.site.comune == "Comune di Prova"
    status = json.loads(run_kiosk("uplink", "status", "--config", str(kiosk.state / "kiosk.toml"),
                                  "--json").stdout)
    assert status["enrolled"] is True and status["kiosk"] == name

    # The kiosk's own files are its user's; the network files stay root's.
    nobody = pwd.getpwnam("nobody").pw_uid
    for path in (kiosk.state, kiosk.state / "kiosk.toml", kiosk.state / "uplink",
                 kiosk.state / "uplink" / "key.pem"):
        assert path.stat().st_uid == nobody, path
    assert (kiosk.etc / network.WPA_FILE).stat().st_uid == 0

    # The network and the time zone, for systemd-networkd, wpa_supplicant and glibc.
    ethernet = (kiosk.etc / network.ETHERNET_FILE).read_text()
    assert "Address=192.168.10.50/24" in ethernet
    wpa = kiosk.etc / network.WPA_FILE
    assert wpa.stat().st_mode & 0o777 == 0o600
    assert psk in wpa.read_text()
    assert os.readlink(kiosk.etc / "localtime") == "/usr/share/zoneinfo/Europe/Rome"
    assert (kiosk.etc / "timezone").read_text() == "Europe/Rome\n"

    # The secrets: the token nowhere (the state, /etc, the boot partition, the output), the
    # Wi-Fi passphrase nowhere either (wpa_supplicant and the boot partition have the PSK).
    output = done.stdout + done.stderr
    assert token not in output and token.split(".")[1] not in output and PASSPHRASE not in output
    assert findings(tmp_path, [token.split(".")[1], PASSPHRASE]) == []

    # A rerun does nothing, and says so.
    again, answer = kiosk.provision()
    assert again.returncode == 0 and answer["already"] is True
    assert kiosk.file.read_text() == after


def test_a_power_cut_after_enrolling_only_removes_the_token(tmp_path: Path,
                                                             sqlite_stack: Stack) -> None:
    """Enrolled, but cut before the token left the boot partition: the next boot does not
    enroll again (the token is used up) and only forgets it."""
    kiosk, _name, token = new_kiosk(tmp_path, sqlite_stack)
    enroll(sqlite_stack.enroll_url, token, Store(kiosk.state / "uplink"))
    done, answer = kiosk.provision()
    assert done.returncode == 0, done.stderr
    assert answer["enrolled_now"] is False and answer["token_removed"] is True
    assert token not in kiosk.file.read_text() and (kiosk.state / "provisioned").exists()


def test_a_cut_before_the_marker_is_finished_on_the_next_boot(tmp_path: Path,
                                                               sqlite_stack: Stack) -> None:
    """Enrolled and the token gone, but no marker yet: the next boot rewrites the files it
    owns, enrolls nothing, and writes the marker."""
    kiosk, name, _token = new_kiosk(tmp_path, sqlite_stack)
    assert kiosk.provision()[0].returncode == 0
    (kiosk.state / "provisioned").unlink()
    (kiosk.etc / "timezone").unlink()
    done, answer = kiosk.provision()
    assert done.returncode == 0, done.stderr
    assert answer == {"provisioned": True, "already": False, "kiosk": name,
                      "enrolled_now": False, "token_removed": False}
    assert (kiosk.etc / "timezone").exists() and (kiosk.state / "provisioned").exists()


def test_an_unreachable_backoffice_keeps_the_token_for_the_next_try(
        tmp_path: Path, sqlite_stack: Stack) -> None:
    kiosk, name, token = new_kiosk(tmp_path, sqlite_stack,
                                   url=f"https://127.0.0.1:{free_port()}")
    done, answer = kiosk.provision()
    assert done.returncode == 1
    assert answer["error"]["code"] == "ENROLL_UNREACHABLE"  # type: ignore[index]
    assert f'token = "{token}"' in kiosk.file.read_text()
    assert not Store(kiosk.state / "uplink").enrolled()
    assert not (kiosk.state / "provisioned").exists()
    assert enrollment(sqlite_stack, name) == "pending"
    assert token.split(".")[1] not in done.stdout + done.stderr


def test_a_wrong_file_writes_nothing(tmp_path: Path, sqlite_stack: Stack) -> None:
    kiosk, name, _token = new_kiosk(tmp_path, sqlite_stack)
    kiosk.file.write_text(kiosk.file.read_text().replace("Europe/Rome", "Europe/Roma"))
    before = kiosk.file.read_text()
    done, answer = kiosk.provision()
    assert done.returncode == 2
    error = answer["error"]
    assert isinstance(error, dict) and error["code"] == "PROVISION_INVALID"
    assert str(kiosk.file) in error["message"] and "site.time_zone" in error["message"]
    assert not kiosk.state.exists() and not kiosk.etc.exists()
    assert kiosk.file.read_text() == before and enrollment(sqlite_stack, name) == "pending"


def test_a_missing_file_and_a_missing_token_have_their_codes(tmp_path: Path,
                                                             sqlite_stack: Stack) -> None:
    kiosk = Kiosk(tmp_path / "nothing")
    kiosk.boot.mkdir(parents=True)
    done, answer = kiosk.provision()
    assert done.returncode == 2
    assert answer["error"]["code"] == "PROVISION_MISSING"  # type: ignore[index]

    kiosk, _name, token = new_kiosk(tmp_path / "no-token", sqlite_stack)
    kiosk.file.write_text("\n".join(line for line in kiosk.file.read_text().splitlines()
                                    if token not in line))
    done, answer = kiosk.provision()
    assert answer["error"]["code"] == "PROVISION_NO_TOKEN"  # type: ignore[index]
    assert not kiosk.state.exists()


def test_a_token_for_another_kiosk_is_named(tmp_path: Path, sqlite_stack: Stack) -> None:
    """The file says one kiosk, the token was made for another: the enrollment stands (the
    token is used up either way), the technician's screen says which name is whose."""
    name, token = sqlite_stack.add_kiosk()
    kiosk = Kiosk(tmp_path)
    boot_partition(kiosk.boot, provisioning_text(sqlite_stack.enroll_url, token, kiosk="other"))
    done, answer = kiosk.provision()
    error = answer["error"]
    assert isinstance(error, dict) and error["code"] == "PROVISION_NAME_MISMATCH"
    assert repr(name) in error["message"] and "site.kiosk" in error["message"]
    assert not (kiosk.state / "provisioned").exists()
    kiosk.file.write_text(kiosk.file.read_text().replace('kiosk = "other"', f'kiosk = "{name}"'))
    done, answer = kiosk.provision()
    assert done.returncode == 0 and answer["enrolled_now"] is False


def test_the_screen_waits_for_a_good_file_then_lets_the_kiosk_start(
        tmp_path: Path, sqlite_stack: Stack) -> None:
    """``--screen``: no file, so the technician's screen (saved as a PNG) and a try every
    second; the technician writes the file; the next try enrolls and the command exits 0."""
    kiosk = Kiosk(tmp_path)
    kiosk.boot.mkdir(parents=True)
    shot = tmp_path / "screen.png"
    process = subprocess.Popen(
        kiosk_command("provision", *kiosk.places(), "--json", "--screen", "--headless",
                      "--retry-seconds", "1", "--screenshot", str(shot)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not shot.exists():
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        name, token = sqlite_stack.add_kiosk()
        boot_partition(kiosk.boot, provisioning_text(sqlite_stack.enroll_url, token, kiosk=name))
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 0, stderr
    assert json.loads(stdout)["kiosk"] == name
    assert "PROVISION_MISSING" in stderr  # the journal says what the screen showed
    assert enrollment(sqlite_stack, name) == "enrolled"
    assert token not in kiosk.file.read_text()


@pytest.fixture
def fat_boot_partition(tmp_path: Path) -> Iterator[Path]:
    """A real FAT file system at ``tmp_path/boot``, as the Pi's boot partition: an image made
    by mkfs.vfat, mounted by fusefat (userspace: no kernel module, no loop device)."""
    if shutil.which("fusefat") is None or shutil.which("mkfs.vfat") is None:
        pytest.skip("fusefat and dosfstools are not installed (scripts/dev.sh installs them)")
    image, mount = tmp_path / "boot.img", tmp_path / "boot"
    with image.open("wb") as disk:
        disk.truncate(16 * 1024 * 1024)
    subprocess.run(["mkfs.vfat", str(image)], check=True, capture_output=True)
    mount.mkdir()
    process = subprocess.Popen(["fusefat", "-f", "-o", "rw+", str(image), str(mount)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not os.path.ismount(mount):
            assert process.poll() is None and time.monotonic() < deadline, "fusefat did not mount"
            time.sleep(0.05)
        yield mount
    finally:
        subprocess.run(["fusermount", "-u", str(mount)], check=False, capture_output=True)
        try:
            process.wait(timeout=10)
        finally:
            process.kill()


def test_the_token_leaves_a_fat_boot_partition(tmp_path: Path, fat_boot_partition: Path,
                                               sqlite_stack: Stack) -> None:
    """On FAT a chmod is refused: the file is still replaced whole, and nothing is left
    beside it."""
    kiosk, name, token = new_kiosk(tmp_path, sqlite_stack)
    assert kiosk.boot == fat_boot_partition
    done, answer = kiosk.provision()
    assert done.returncode == 0, done.stderr
    assert answer["token_removed"] is True and enrollment(sqlite_stack, name) == "enrolled"
    assert os.listdir(fat_boot_partition) == ["kiosk.toml"]
    after = kiosk.file.read_text()
    assert token not in after and PASSPHRASE not in after
    assert tomllib.loads(after)["site"]["kiosk"] == name


def test_the_provisioned_kiosk_reaches_its_backoffice(tmp_path: Path, sqlite_stack: Stack) -> None:
    """What first boot leaves is enough for the kiosk's link: the uplink, started on the
    runtime configuration alone (as kiosk.service will, minus the screen), is seen by the
    back-office."""
    kiosk, name, _token = new_kiosk(tmp_path, sqlite_stack)
    assert kiosk.provision()[0].returncode == 0
    link = subprocess.Popen(
        kiosk_command("uplink", "run", "--config", str(kiosk.state / "kiosk.toml")),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while summary(sqlite_stack, name).last_contact is None:
            assert link.poll() is None, link.stderr.read() if link.stderr else ""
            assert time.monotonic() < deadline, "no heartbeat reached the back-office"
            time.sleep(0.2)
    finally:
        link.terminate()
        link.communicate(timeout=30)
    assert summary(sqlite_stack, name).state == "idle"
