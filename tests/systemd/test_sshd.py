"""sshd's drop-in (systemd/sshd_config.d/kiosk.conf) read by this machine's sshd as the image
reads it, included first by Debian's sshd_config: ``sshd -t`` takes it, and ``sshd -T`` says
the settings in force are the drop-in's (keys only, root only, the data partition's files),
not Debian's later lines. Its paths are moved to a temporary directory with a host key; no
sshd is started. sshd wants its privilege separation directory even to check a file
(ssh.service makes /run/sshd): the checks run in a mount namespace with a /run of their own."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

DROP_IN = ROOT / "systemd" / "sshd_config.d" / "kiosk.conf"
DEBIAN = Path("/etc/ssh/sshd_config")
SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
WITH_RUN_SSHD = 'mount -t tmpfs tmpfs /run && mkdir /run/sshd && exec "$@"'

pytestmark = pytest.mark.skipif(not (Path(SSHD).exists() and DEBIAN.exists()),
                                reason="openssh-server is not installed (scripts/dev.sh)")


def sshd(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                           WITH_RUN_SSHD, "sh", SSHD, *argv], capture_output=True, text=True,
                          timeout=60, check=False)


def effective(tmp_path: Path) -> dict[str, str]:
    data = tmp_path / "data-ssh"
    data.mkdir(mode=0o700)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                    str(data / "ssh_host_ed25519_key")], check=True, timeout=60)
    included = tmp_path / "sshd_config.d"
    included.mkdir()
    (included / "kiosk.conf").write_text(DROP_IN.read_text().replace("/data/ssh", str(data)))
    main = tmp_path / "sshd_config"
    main.write_text(DEBIAN.read_text().replace("/etc/ssh/sshd_config.d", str(included)))
    check = sshd("-t", "-f", str(main))
    assert check.returncode == 0 and check.stderr == "", check.stderr
    shown = sshd("-T", "-f", str(main))
    assert shown.returncode == 0, shown.stderr
    settings: dict[str, str] = {}
    for line in shown.stdout.splitlines():
        key, _, value = line.partition(" ")
        settings[key] = f"{settings[key]} {value}" if key in settings else value
    return settings | {"data": str(data)}


def test_keys_only_root_only_from_the_data_partition(tmp_path: Path) -> None:
    settings = effective(tmp_path)
    data = settings["data"]
    assert settings["hostkey"] == f"{data}/ssh_host_ed25519_key"
    assert settings["authorizedkeysfile"] == f"{data}/authorized_keys"
    assert settings["authenticationmethods"] == "publickey"
    assert settings["passwordauthentication"] == "no"
    assert settings["kbdinteractiveauthentication"] == "no"
    assert settings["permitrootlogin"] == "without-password"  # = prohibit-password
    assert settings["allowusers"] == "root"
    assert settings["strictmodes"] == "yes"
    # Debian's sshd_config says yes after its Include: the drop-in's no wins.
    assert settings["disableforwarding"] == "yes"
    assert settings["x11forwarding"] == "no" and settings["allowtcpforwarding"] == "no"
