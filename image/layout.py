"""The Pi image's disk layout and the small text files that boot it, as pure functions.

Four MBR partitions: the boot partition (vfat: the Pi's GPU firmware, its config.txt, U-Boot,
the DTBs, U-Boot's environment and boot script, and the technician's kiosk.toml), root A and
root B (ext4, the same size: RAUC writes an update to the one not running) and data (ext4,
mounted at /data: the kiosk's state, the journal, RAUC's status).

The Pi firmware cannot choose between two roots by itself on Debian's kernel: its one-shot
``tryboot`` flag is set either by ``reboot "0 tryboot"`` (a patch only the Raspberry Pi kernel
carries; Debian's 6.1 vmlinuz has no "tryboot" string) or through /dev/vcio (a driver only that
kernel has). So the firmware starts Debian's U-Boot, and U-Boot's boot script counts boot
attempts per slot in its environment, RAUC's ``uboot`` bootloader backend's contract
(``BOOT_ORDER``, ``BOOT_A_LEFT``, ``BOOT_B_LEFT``). Each slot carries its own kernel and
initrd (U-Boot loads ``/vmlinuz`` and ``/initrd.img`` from the slot), so an update changes
them with the root filesystem, atomically.

Everything here is text or numbers; ``image/assemble.py`` writes the image from it, and
tests/image reads both back.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

MIB = 1024 * 1024
SECTOR = 512
SLOTS = ("A", "B")
# How many boots a slot gets without being marked good before U-Boot falls back: RAUC's
# default for the uboot backend, and what its mark-good writes back.
BOOT_ATTEMPTS = 3


@dataclass(frozen=True)
class Partition:
    number: int
    name: str
    start_mib: int
    size_mib: int
    mbr_type: str  # c: FAT32 (LBA), 83: Linux

    @property
    def start_sector(self) -> int:
        return self.start_mib * MIB // SECTOR

    @property
    def size_sectors(self) -> int:
        return self.size_mib * MIB // SECTOR

    @property
    def offset(self) -> int:
        return self.start_mib * MIB


@dataclass(frozen=True)
class Layout:
    """Sizes in MiB. The disk identifier fixes every PARTUUID, so the kernel command line,
    fstab and RAUC's slots name partitions the same way on every card, build after build."""

    disk_id: int = 0x4B494F53  # "KIOS"
    first_mib: int = 4  # the first partition's start: erase-block aligned
    boot_mib: int = 256
    root_mib: int = 2048
    data_mib: int = 256  # last, so the first boot can grow it to the card's size

    def partitions(self) -> tuple[Partition, ...]:
        boot = Partition(1, "boot", self.first_mib, self.boot_mib, "c")
        root_a = Partition(2, "rootfs.0", boot.start_mib + boot.size_mib, self.root_mib, "83")
        root_b = Partition(3, "rootfs.1", root_a.start_mib + root_a.size_mib, self.root_mib,
                           "83")
        data = Partition(4, "data", root_b.start_mib + root_b.size_mib, self.data_mib, "83")
        return (boot, root_a, root_b, data)

    def partition(self, name: str) -> Partition:
        return next(p for p in self.partitions() if p.name == name)

    @property
    def size_mib(self) -> int:
        last = self.partitions()[-1]
        return last.start_mib + last.size_mib

    def partuuid(self, number: int) -> str:
        """An MBR partition's PARTUUID as the kernel and udev spell it."""
        return f"{self.disk_id:08x}-{number:02x}"

    def slot_partition(self, slot: str) -> Partition:
        return self.partition(f"rootfs.{SLOTS.index(slot)}")


def sfdisk_script(layout: Layout) -> str:
    """sfdisk's input for the partition table: positions in sectors, so the image never
    depends on sfdisk's own alignment rules."""
    lines = ["label: dos", f"label-id: 0x{layout.disk_id:08x}", "unit: sectors", ""]
    lines += [
        f"start={p.start_sector}, size={p.size_sectors}, type={p.mbr_type}"
        + (", bootable" if p.number == 1 else "")
        for p in layout.partitions()
    ]
    return "\n".join(lines) + "\n"


def fstab(layout: Layout) -> str:
    """The root is not listed: which partition it is depends on the slot U-Boot chose, and
    the kernel mounts it read-only (``ro`` on its command line); without a line for ``/``,
    systemd-remount-fs leaves it so. What must be written goes to the data partition or to
    RAM."""
    boot, data = layout.partition("boot"), layout.partition("data")
    rows = [
        ("# device", "mount point", "type", "options", "dump", "pass"),
        (f"PARTUUID={layout.partuuid(boot.number)}", "/boot/firmware", "vfat",
         "rw,noatime,nosuid,nodev,noexec,umask=0077,flush", "0", "2"),
        (f"PARTUUID={layout.partuuid(data.number)}", "/data", "ext4",
         "rw,noatime,nosuid,nodev,errors=remount-ro", "0", "2"),
        # mount points, not temporary files
        ("tmpfs", "/tmp", "tmpfs", "rw,nosuid,nodev,mode=1777,size=25%", "0", "0"),  # noqa: S108
        ("tmpfs", "/var/tmp", "tmpfs", "rw,nosuid,nodev,mode=1777,size=10%", "0",  # noqa: S108
         "0"),
        # the journal across reboots, and systemd's own state (timesyncd's clock: the Pi has
        # no RTC; random seed; timers' stamps)
        ("/data/journal", "/var/log/journal", "none",
         "bind,x-systemd.requires-mounts-for=/data", "0", "0"),
        ("/data/systemd", "/var/lib/systemd", "none",
         "bind,x-systemd.requires-mounts-for=/data", "0", "0"),
    ]
    return "".join("\t".join(row) + "\n" for row in rows)


# The directories bind-mounted or linked from the root into /data: the data partition is
# made with them, and the kiosk's state directory is /var/lib/kiosk -> /data/kiosk.
DATA_DIRECTORIES = ("kiosk", "journal", "systemd", "rauc")


def kernel_arguments(layout: Layout, slot: str) -> str:
    """The kernel command line for one slot (the boot script builds the same one).

    ``rauc.slot`` tells RAUC which slot is running; ``panic=10`` reboots a kernel that
    panics, so a broken slot spends its attempts and U-Boot falls back; the console on
    tty3 keeps boot messages off the citizen's screen (tty1)."""
    return _kernel_arguments(layout.partuuid(layout.slot_partition(slot).number), slot)


def _kernel_arguments(partuuid: str, slot: str) -> str:
    return (f"console=ttyS1,115200 console=tty3 root=PARTUUID={partuuid} ro rootwait "
            f"fsck.repair=yes net.ifnames=0 panic=10 quiet rauc.slot={slot}")


def config_txt() -> str:
    """The Pi firmware's config.txt: 64-bit, Debian's U-Boot as the "kernel", the upstream
    kernel's device trees (which Debian's kernel package ships), the KMS display driver."""
    return (
        "# The Pi's GPU firmware reads this (image/layout.py writes it; an update does not).\n"
        "[all]\n"
        "arm_64bit=1\n"
        "enable_uart=1\n"
        "upstream_kernel=1\n"
        "kernel=u-boot.bin\n"
        "disable_splash=1\n"
        "disable_overscan=1\n"
        "[pi4]\n"
        "# 360 MHz keeps the serial console's baud rate right\n"
        "core_freq_min=360\n"
        "[pi5]\n"
        "# Debian bookworm has no Pi 5 support yet (no bcm2712 DTB, no U-Boot for it):\n"
        "# see docs/image.md\n"
        "[all]\n"
    )


def cmdline_txt(layout: Layout) -> str:
    """cmdline.txt is read by the firmware only when it starts a kernel itself, which it
    does not here; kept as the fallback a technician reads, naming slot A."""
    return kernel_arguments(layout, "A") + "\n"


def boot_cmd(layout: Layout) -> str:
    """U-Boot's boot script source (``mkimage -T script`` makes boot.scr of it).

    The slot choice is RAUC's documented U-Boot scheme. It is written in the part of U-Boot's
    hush that is also POSIX sh, so the tests run this very text under ``sh`` with U-Boot's
    commands as shell functions, against a real environment file."""
    parts = {slot: layout.slot_partition(slot).number for slot in SLOTS}
    # PARTUUIDs are disk id and partition number in hex: 2 and 3 are the same in decimal
    arguments = _kernel_arguments(f"{layout.disk_id:08x}-0${{root_part}}", "${rauc_slot}")
    chooser = []
    for slot in SLOTS:
        chooser += [
            '  if test -z "${rauc_slot}"; then',
            f'    if test "${{BOOT_SLOT}}" = "{slot}"; then',
            f"      if test ${{BOOT_{slot}_LEFT}} -gt 0; then",
            f"        setexpr BOOT_{slot}_LEFT ${{BOOT_{slot}_LEFT}} - 1",
            f"        setenv rauc_slot {slot}",
            f"        setenv root_part {parts[slot]}",
            "      fi",
            "    fi",
            "  fi",
        ]
    lines = [
        "# The kiosk's U-Boot boot script (image/layout.py): choose a root slot, count the",
        "# attempt, boot the slot's own kernel and initrd.",
        f'test -n "${{BOOT_ORDER}}" || setenv BOOT_ORDER "{SLOTS[0]}"',
        *(f'test -n "${{BOOT_{slot}_LEFT}}" || setenv BOOT_{slot}_LEFT {BOOT_ATTEMPTS}'
          for slot in SLOTS),
        "setenv rauc_slot",
        "for BOOT_SLOT in ${BOOT_ORDER}; do",
        *chooser,
        "done",
        'if test -z "${rauc_slot}"; then',
        '  echo "No slot has boot attempts left: every slot in BOOT_ORDER gets them again"',
        *(f"  setenv BOOT_{slot}_LEFT {BOOT_ATTEMPTS}" for slot in SLOTS),
        "  saveenv",
        "  reset",
        "fi",
        "saveenv",
        f'setenv bootargs "{arguments}"',
        'if test -n "${machine_id}"; then',
        '  setenv bootargs "${bootargs} systemd.machine_id=${machine_id}"',
        "fi",
        'echo "Booting slot ${rauc_slot} (partition ${root_part})"',
        "load mmc 0:${root_part} ${kernel_addr_r} /vmlinuz",
        "load mmc 0:${root_part} ${ramdisk_addr_r} /initrd.img",
        "booti ${kernel_addr_r} ${ramdisk_addr_r}:${filesize} ${fdt_addr}",
        'echo "Slot ${rauc_slot} did not start; resetting"',
        "reset",
    ]
    return "\n".join(lines) + "\n"


# Debian's u-boot-rpi (rpi_arm64) keeps its environment in uboot.env on mmc 0:1,
# CONFIG_ENV_SIZE 0x4000, not redundant. The image ships none: U-Boot starts from its built-in
# one (load addresses, the distro boot that finds boot.scr), and the boot script's first
# saveenv writes the file, slot A first; fw_setenv (RAUC, the health check) edits it later.
UBOOT_ENV_FILE = "uboot.env"
UBOOT_ENV_SIZE = 0x4000


def fw_env_config(path: str = f"/boot/firmware/{UBOOT_ENV_FILE}") -> str:
    """libubootenv's configuration: where fw_printenv/fw_setenv find U-Boot's environment."""
    return f"# file\toffset\tsize\n{path}\t0x0\t0x{UBOOT_ENV_SIZE:x}\n"


def rauc_system_conf(layout: Layout, *, compatible: str, keyring: str,
                     data_directory: str = "/data/rauc") -> str:
    """RAUC's system.conf: two root slots by PARTUUID, the uboot backend, one keyring."""
    slots = []
    for index, slot in enumerate(SLOTS):
        part = layout.slot_partition(slot)
        slots += [
            f"[slot.rootfs.{index}]",
            f"device=/dev/disk/by-partuuid/{layout.partuuid(part.number)}",
            "type=ext4",
            f"bootname={slot}",
            "",
        ]
    return "\n".join([
        "[system]",
        f"compatible={compatible}",
        "bootloader=uboot",
        f"boot-attempts={BOOT_ATTEMPTS}",
        f"boot-attempts-primary={BOOT_ATTEMPTS}",
        f"statusfile={data_directory}/status.raucs",
        "bundle-formats=-plain",
        "",
        "[keyring]",
        f"path={keyring}",
        "check-purpose=codesign",
        "",
        *slots,
    ])


# The root's fixed paths where first boot's files are read (kiosk.provision writes them on
# the data partition: the runtime configuration in the state directory, the network, Wi-Fi and
# time-zone files under its etc/). The root is read-only, so each is a link made at build
# time, pointing at nothing until first boot writes its target (docs/provisioning.md).
STATE_DIR = "/var/lib/kiosk"
STATE_ETC = f"{STATE_DIR}/etc"
STATE_LINKS = {
    "/etc/kiosk/kiosk.toml": f"{STATE_DIR}/kiosk.toml",
    **{f"/etc/{name}": f"{STATE_ETC}/{name}" for name in (
        "systemd/network/10-kiosk-ethernet.network",
        "systemd/network/20-kiosk-wifi.network",
        "wpa_supplicant/wpa_supplicant-wlan0.conf",
        "localtime",
        "timezone",
    )},
}

COMPATIBLE = "cie-kiosk-rpi4"  # RAUC refuses a bundle made for another compatible string
KEYRING = "/etc/rauc/keyring.pem"


def files(layout: Layout) -> dict[str, str]:
    """Every generated file, by its path: boot/ for the boot partition, root/ for the root
    filesystem."""
    return {
        "boot/config.txt": config_txt(),
        "boot/cmdline.txt": cmdline_txt(layout),
        "boot/boot.cmd": boot_cmd(layout),
        "root/etc/fstab": fstab(layout),
        "root/etc/fw_env.config": fw_env_config(),
        "root/etc/rauc/system.conf": rauc_system_conf(layout, compatible=COMPATIBLE,
                                                      keyring=KEYRING),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m image.layout",
                                     description="write the image's generated files, and "
                                     "'links': the root's links to the data partition")
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    for name, text in files(Layout()).items():
        path = args.out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (args.out / "links").write_text("".join(f"{path} {target}\n"
                                            for path, target in STATE_LINKS.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
