"""The technicians' SSH keys of the provisioning file: the keys ssh-keygen makes are taken as
written (comment kept), weak or wrong ones refused by key and index without quoting them;
first boot writes sshd's authorized_keys, root's alone, even when enrollment then fails, and
removes it when the file no longer gives keys. No back-office: it is never reachable here."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from kiosk.errors import KioskError
from kiosk.provision import firstboot, spec
from tests.backoffice.stack import free_port
from tests.provision.files import boot_partition, provisioning_text

TOKEN = "v1.Zm9vYmFyc2VjcmV0." + "A" * 43
URL = "https://backoffice.comune.example:8444"


def ssh_keygen(directory: Path, kind: str, bits: int | None = None) -> tuple[str, str]:
    """A fresh key pair as ssh-keygen writes it: (the .pub line, the private key file)."""
    name = directory / f"{kind}-{bits}"
    size = ["-b", str(bits)] if bits else []
    subprocess.run(["ssh-keygen", "-q", "-t", kind, *size, "-N", "", "-C", "tecnico@comune",
                    "-f", str(name)], check=True, capture_output=True, timeout=60)
    return name.with_suffix(".pub").read_text().strip(), name.read_text()


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    directory = tmp_path_factory.mktemp("keys")
    ed25519, private = ssh_keygen(directory, "ed25519")
    return {"ed25519": ed25519, "ecdsa": ssh_keygen(directory, "ecdsa")[0],
            "rsa-3072": ssh_keygen(directory, "rsa", 3072)[0],
            "rsa-1024": ssh_keygen(directory, "rsa", 1024)[0],
            "dsa": ssh_keygen(directory, "dsa")[0], "private": private}


def with_keys(*lines: str, url: str = URL) -> str:
    quoted = ", ".join(json.dumps(line) for line in lines)  # JSON's escapes are TOML's
    return provisioning_text(url, TOKEN, extra=f"\n[technician]\nssh_keys = [{quoted}]\n")


def test_ed25519_ecdsa_and_rsa_3072_are_taken_with_their_comment(keys: dict[str, str]) -> None:
    given = [keys["ed25519"], keys["ecdsa"], keys["rsa-3072"]]
    parsed = spec.parse(with_keys(*given), "kiosk.toml")
    assert parsed.technician is not None and parsed.technician.ssh_keys == given
    assert parsed.technician.ssh_keys[0].endswith(" tecnico@comune")
    assert spec.parse(provisioning_text(URL, TOKEN), "kiosk.toml").technician is None


@pytest.mark.parametrize("bad", ["rsa-1024", "dsa", "private", "garbage", "two lines",
                                 "options", "other body"])
def test_a_wrong_key_is_named_by_its_index_never_quoted(keys: dict[str, str], bad: str) -> None:
    ed25519 = keys["ed25519"]
    value = {"garbage": "ssh-ed25519 not-base64!",
             "two lines": f"{ed25519}\n{keys['dsa']}",
             "options": f'command="/bin/sh" {ed25519}',
             "other body": "ssh-ed25519 " + keys["rsa-3072"].split()[1]}.get(bad) or keys[bad]
    with pytest.raises(spec.ProvisionError) as caught:
        spec.parse(with_keys(ed25519, value), "/boot/firmware/kiosk.toml")
    message = str(caught.value)
    assert caught.value.code == "PROVISION_INVALID"
    assert message.startswith("/boot/firmware/kiosk.toml: technician.ssh_keys.1: "), message
    assert "; " not in message  # the good key at index 0 is not named
    for part in value.split():
        assert part not in message or part in {"ssh-ed25519", "ssh-rsa"}, message


def test_an_empty_list_is_refused_rather_than_an_sshd_no_one_can_use() -> None:
    with pytest.raises(spec.ProvisionError, match=r"technician\.ssh_keys: "):
        spec.parse(provisioning_text(URL, TOKEN, extra="\n[technician]\nssh_keys = []\n"), "f")


def places(root: Path, text: str) -> firstboot.Places:
    boot = boot_partition(root / "boot", text)
    return firstboot.Places(boot, root / "state", root / "etc", root / "data" / "ssh")


def test_first_boot_writes_the_keys_root_s_alone_before_enrolling(
        tmp_path: Path, keys: dict[str, str]) -> None:
    """The back-office is unreachable: the keys are there all the same, so a technician can
    log in to see why."""
    given = [keys["ed25519"], keys["rsa-3072"]]
    kiosk = places(tmp_path, with_keys(*given, url=f"https://127.0.0.1:{free_port()}"))
    with pytest.raises(KioskError) as caught:
        firstboot.provision(kiosk, timeout=5)
    assert caught.value.code == "ENROLL_UNREACHABLE"
    authorized = kiosk.ssh / "authorized_keys"
    assert authorized.read_text() == f"{given[0]}\n{given[1]}\n"
    for path, mode in ((kiosk.ssh, 0o700), (authorized, 0o600)):
        assert path.stat().st_mode & 0o777 == mode, path
        assert (path.stat().st_uid, path.stat().st_gid) == (0, 0), path
    assert sorted(p.name for p in kiosk.ssh.iterdir()) == ["authorized_keys"]

    # The technician takes the section out before the next try: sshd has nothing to take.
    kiosk.source.write_text(provisioning_text(f"https://127.0.0.1:{free_port()}", TOKEN))
    with pytest.raises(KioskError):
        firstboot.provision(kiosk, timeout=5)
    assert not authorized.exists()


def test_without_the_section_nothing_is_written(tmp_path: Path) -> None:
    kiosk = places(tmp_path, provisioning_text(f"https://127.0.0.1:{free_port()}", TOKEN))
    with pytest.raises(KioskError):
        firstboot.provision(kiosk, timeout=5)
    assert (kiosk.state / "kiosk.toml").exists()  # step 3 ran
    assert not (tmp_path / "data").exists()
