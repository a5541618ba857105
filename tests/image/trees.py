"""A tiny boot tree and root tree that assemble into a whole image in seconds: what the
image tests build on. The root has what assemble checks (its fstab's mount points) and a
kernel and initrd where U-Boot, and qemu, take them."""

from __future__ import annotations

import os
from pathlib import Path

from image.layout import Layout, fstab

LAYOUT = Layout(boot_mib=16, root_mib=8, data_mib=8)
EPOCH = 1_700_000_000
KERNEL = b"not a kernel"
INITRD = b"not an initrd"


def small_trees(base: Path) -> tuple[Path, Path]:
    boot, root = base / "boot", base / "root"
    (boot / "overlays").mkdir(parents=True)
    (boot / "config.txt").write_text("kernel=u-boot.bin\n")
    (boot / "overlays" / "README").write_text("overlays\n")
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "hostname").write_text("kiosk\n")
    (root / "etc" / "fstab").write_text(fstab(LAYOUT))
    for point in ("boot/firmware", "data", "tmp", "var/tmp", "var/log/journal",
                  "var/lib/systemd"):
        (root / point).mkdir(parents=True)
    (root / "opt" / "kiosk" / "bin").mkdir(parents=True)
    (root / "opt" / "kiosk" / "bin" / "kiosk").write_text("#!/bin/sh\n")
    os.symlink("/data/kiosk", root / "kiosk-state")
    (root / "boot" / "vmlinuz-6.1.0-1-arm64").write_bytes(KERNEL)
    (root / "boot" / "initrd.img-6.1.0-1-arm64").write_bytes(INITRD)
    return boot, root
