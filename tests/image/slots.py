"""A pair of root slots on this machine: two files standing as partitions, U-Boot's
environment in a file that the real fw_printenv/fw_setenv edit, RAUC's own service on a
private D-Bus, and the image's boot script run under sh with U-Boot's commands as shell
functions. What it cannot stand in for: U-Boot itself, a kernel, a reboot, dm-verity (this
machine has no device-mapper, so the bundles here are RAUC's `plain` format)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from image.layout import COMPATIBLE, Layout, boot_cmd, rauc_system_conf

ROOT = Path(__file__).resolve().parents[2]
LAYOUT = Layout()

# U-Boot's commands, as far as the boot script uses them, over the environment file.
UBOOT_SHIMS = r"""
setenv() { _name=$1; shift; if [ $# -eq 0 ]; then unset "$_name"; else eval "$_name=\$*"; fi; }
setexpr() { eval "$1=\$(( $2 $3 $4 ))"; }
saveenv() {
    for _name in BOOT_ORDER BOOT_A_LEFT BOOT_B_LEFT; do
        eval "printf '%s=%s\n' $_name \"\$$_name\""
    done | fw_setenv --script /dev/stdin
}
load() {  # load mmc 0:PART ADDRESS PATH: the slot's files are SLOTS/PART/
    _file="$SLOT_FILES/${2#*:}$4"
    [ -f "$_file" ] || { echo "** File not found $4 **"; return 1; }
    filesize=$(stat -c %s "$_file")
    _loaded="$_loaded $3"
}
booti() {  # a kernel must have been loaded at its address, or U-Boot says so and goes on
    case " $_loaded " in
        *" $1 "*) echo "BOOTED $rauc_slot $bootargs"; exit 0 ;;
        *) echo "Bad Linux ARM64 Image magic!"; return 1 ;;
    esac
}
reset() { echo "RESET"; exit 0; }
# the Pi's U-Boot's built-in load addresses; fdt_addr is where the firmware left the DTB
kernel_addr_r=0x00080000
ramdisk_addr_r=0x02700000
fdt_addr=0x2eff8e00
"""


@dataclass
class Boot:
    slot: str | None  # None: U-Boot reset without booting
    output: str


def run(command: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False, env=env)


class Pair:
    """Slots A and B in a directory. ``env`` is what every fw_* and rauc call here gets."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.slots = {"A": base / "slot-a.img", "B": base / "slot-b.img"}
        for path in self.slots.values():
            with path.open("wb") as f:
                f.truncate(8 * 1024 * 1024)
        # files each slot's kernel would be loaded from (partition numbers 2 and 3)
        self.slot_files = base / "slot-files"
        for slot in self.slots:
            part = self.slot_files / str(LAYOUT.slot_partition(slot).number)
            part.mkdir(parents=True)
            (part / "vmlinuz").write_bytes(b"kernel")
            (part / "initrd.img").write_bytes(b"initrd")
        self.uboot_env = base / "uboot.env"
        config = base / "fw_env.config"
        config.write_text(f"{self.uboot_env}\t0x0\t0x4000\n")
        # U-Boot's built-in environment: nothing of ours yet (the image ships no uboot.env)
        empty = base / "empty-env.txt"
        empty.write_text("bootdelay=2\n")
        subprocess.run(["mkenvimage", "-s", "0x4000", "-o", str(self.uboot_env), str(empty)],
                       check=True)
        # fw_printenv/fw_setenv as RAUC calls them (by name, on PATH), on this file
        bin_dir = base / "bin"
        bin_dir.mkdir()
        for tool in ("fw_printenv", "fw_setenv"):
            real = shutil.which(tool)
            assert real, f"{tool} is missing: apt-get install libubootenv-tool"
            wrapper = bin_dir / tool
            wrapper.write_text(f'#!/bin/sh\nexec {real} -c {config} "$@"\n')
            wrapper.chmod(0o755)
        self.mount_prefix = base / "mnt"
        self.mount_prefix.mkdir()
        self.last_good = base / "data" / "rauc" / "last-good"
        self.bus = base / "bus"
        self.env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}",
                    "DBUS_SESSION_BUS_ADDRESS": f"unix:path={self.bus}",
                    "DBUS_STARTER_BUS_TYPE": "session", "SLOT_FILES": str(self.slot_files)}
        self.system_conf = base / "system.conf"
        self.reboots = base / "reboots.log"

    def configure(self, keyring: Path) -> None:
        """The image's system.conf, with these files as the slots and plain bundles let in."""
        text = rauc_system_conf(LAYOUT, compatible=COMPATIBLE, keyring=str(keyring),
                                data_directory=str(self.base / "data" / "rauc"))
        for slot, path in self.slots.items():
            device = f"/dev/disk/by-partuuid/{LAYOUT.partuuid(LAYOUT.slot_partition(slot).number)}"
            text = text.replace(device, str(path))
        self.system_conf.write_text(text.replace("bundle-formats=-plain", "bundle-formats=plain"))

    def uboot(self) -> dict[str, str]:
        out = run(["fw_printenv"], env=self.env).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def boot(self) -> Boot:
        """Power on: the boot script picks a slot and counts the attempt."""
        values = self.uboot()
        prelude = "".join(f"{name}={shlex.quote(value)}\n" for name, value in values.items()
                          if name.startswith("BOOT_") or name == "machine_id")
        script = UBOOT_SHIMS + prelude + boot_cmd(LAYOUT)
        result = run(["sh", "-c", script], env=self.env)
        assert result.returncode == 0, result.stderr
        booted = next((line.split()[1] for line in result.stdout.splitlines()
                       if line.startswith("BOOTED ")), None)
        return Boot(booted, result.stdout)

    @contextmanager
    def running(self, slot: str) -> Iterator[None]:
        """The system up from ``slot``: a private D-Bus, RAUC's service told which slot
        booted (the kernel command line would say it on a kiosk)."""
        self.bus.unlink(missing_ok=True)
        bus = subprocess.Popen(["dbus-daemon", "--session", f"--address=unix:path={self.bus}",
                                "--nofork", "--nopidfile"], env=self.env)
        service = None
        try:
            for _ in range(100):
                if self.bus.exists():
                    break
                time.sleep(0.05)
            service = subprocess.Popen(
                ["rauc", "service", f"--conf={self.system_conf}",
                 f"--mount={self.mount_prefix}", f"--override-boot-slot={slot}"],
                env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(100):
                if run(["rauc", "status"], env=self.env).returncode == 0:
                    break
                assert service.poll() is None, "rauc service ended"
                time.sleep(0.1)
            yield
        finally:
            for process in (service, bus):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=10)

    def health_check(self, *, doctor_ok: bool, uplink_json: Path,
                     boot_time: int = 0) -> subprocess.CompletedProcess[str]:
        """The image's health check as kiosk-health.service runs it, with stand-ins for the
        kiosk's doctor (true/false) and its uplink status (a JSON file), and no real
        reboot: it is recorded in reboots.log."""
        reboot = self.base / "bin" / "reboot-stand-in"
        reboot.write_text(f"#!/bin/sh\necho reboot >>{self.reboots}\n")
        reboot.chmod(0o755)
        return run([str(ROOT / "image" / "rauc" / "health-check.sh")], env={
            **self.env,
            "KIOSK_HEALTH_DEADLINE": "0", "KIOSK_HEALTH_INTERVAL": "1",
            "KIOSK_HEALTH_LAST_GOOD": str(self.last_good),
            "KIOSK_HEALTH_DOCTOR": "true" if doctor_ok else "false",
            "KIOSK_HEALTH_UPLINK": f"cat {uplink_json}",
            "KIOSK_HEALTH_REBOOT": str(reboot),
            "KIOSK_HEALTH_BOOT_TIME": str(boot_time)})


def make_keys(directory: Path, organisation: str) -> Path:
    subprocess.run([str(ROOT / "image" / "keys" / "make-keys.sh"), str(directory),
                    organisation], check=True, capture_output=True)
    return directory


def tiny_root(path: Path, marker: str) -> Path:
    """A root filesystem image small enough for a test, and not all zeros (RAUC wants its
    squashfs larger than one block)."""
    tree = path.parent / f"{path.stem}-tree"
    (tree / "etc").mkdir(parents=True)
    (tree / "etc" / "kiosk-release").write_text(marker + "\n")
    (tree / "noise").write_bytes(os.urandom(64 * 1024))
    subprocess.run(["mkfs.ext4", "-q", "-F", "-d", str(tree), str(path), "4M"], check=True,
                   capture_output=True)
    return path


def make_bundle(root: Path, keys: Path, out: Path, version: str) -> Path:
    subprocess.run([str(ROOT / "image" / "bundle.sh"), "--root", str(root),
                    "--cert", str(keys / "signing.cert.pem"),
                    "--key", str(keys / "signing.key.pem"),
                    "--keyring", str(keys / "ca.cert.pem"), "--version", version,
                    "--format", "plain", "--out", str(out)], check=True, capture_output=True)
    return out

