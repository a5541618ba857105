"""The image's generated files, read the way their readers read them."""

from __future__ import annotations

import configparser

from image import layout
from image.layout import (
    BOOT_ATTEMPTS,
    COMPATIBLE,
    MIB,
    SLOTS,
    Layout,
    boot_cmd,
    config_txt,
    files,
    fstab,
    kernel_arguments,
    rauc_system_conf,
    sfdisk_script,
)
from kiosk import config
from kiosk.provision import network, runtime
from tests.conftest import ROOT

LAYOUT = Layout()


def test_partitions_follow_each_other_aligned_with_two_root_slots_of_one_size() -> None:
    _, root_a, root_b, data = LAYOUT.partitions()
    assert [p.name for p in LAYOUT.partitions()] == ["boot", "rootfs.0", "rootfs.1", "data"]
    assert root_a.size_mib == root_b.size_mib
    for before, after in zip(LAYOUT.partitions(), LAYOUT.partitions()[1:], strict=False):
        assert after.start_mib == before.start_mib + before.size_mib
    assert all(p.offset % (4 * MIB) == 0 for p in LAYOUT.partitions())
    assert data.number == 4  # last: the first boot can grow it
    assert LAYOUT.size_mib == data.start_mib + data.size_mib


def test_the_sfdisk_script_fixes_the_disk_id_and_every_partition_in_sectors() -> None:
    script = sfdisk_script(LAYOUT)
    assert "label: dos" in script
    assert "label-id: 0x4b494f53" in script
    assert "start=8192, size=524288, type=c, bootable" in script
    assert script.count("type=83") == 3


def test_partuuids_are_disk_id_and_number() -> None:
    assert LAYOUT.partuuid(2) == "4b494f53-02"
    assert LAYOUT.slot_partition("B").number == 3


def test_fstab_keeps_root_out_and_puts_what_is_written_on_data_or_in_ram() -> None:
    rows = [line.split("\t") for line in fstab(LAYOUT).splitlines() if not line.startswith("#")]
    mounts = {row[1]: row for row in rows}
    assert "/" not in mounts  # per slot: ro comes from the kernel command line
    assert mounts["/data"][0] == "PARTUUID=4b494f53-04"
    assert mounts["/data"][2] == "ext4"
    assert mounts["/boot/firmware"][0] == "PARTUUID=4b494f53-01"
    assert mounts["/tmp"][2] == mounts["/var/tmp"][2] == "tmpfs"
    assert mounts["/var/log/journal"][0] == "/data/journal"
    assert "bind" in mounts["/var/lib/systemd"][3]


def test_each_slot_boots_its_own_partition_read_only_and_tells_rauc_its_name() -> None:
    for slot in SLOTS:
        arguments = kernel_arguments(LAYOUT, slot).split()
        assert f"root=PARTUUID={LAYOUT.partuuid(LAYOUT.slot_partition(slot).number)}" in arguments
        assert "ro" in arguments and "rw" not in arguments
        assert f"rauc.slot={slot}" in arguments
        assert "panic=10" in arguments


def test_config_txt_starts_debians_u_boot_in_64_bit_mode() -> None:
    lines = config_txt().splitlines()
    assert "arm_64bit=1" in lines
    assert "kernel=u-boot.bin" in lines
    assert "upstream_kernel=1" in lines


def test_the_boot_script_builds_the_same_command_line_as_the_slots_have() -> None:
    script = boot_cmd(LAYOUT)
    line = next(x for x in script.splitlines() if x.startswith("setenv bootargs \"console"))
    for slot in SLOTS:
        part = LAYOUT.slot_partition(slot).number
        expected = kernel_arguments(LAYOUT, slot)
        assert line.split('"')[1].replace("${root_part}", str(part)).replace(
            "${rauc_slot}", slot) == expected


def test_rauc_has_two_root_slots_by_partuuid_with_the_uboot_backend() -> None:
    parser = configparser.ConfigParser()
    parser.read_string(rauc_system_conf(LAYOUT, compatible=COMPATIBLE,
                                        keyring="/etc/rauc/keyring.pem"))
    assert parser["system"]["bootloader"] == "uboot"
    assert parser["system"]["boot-attempts"] == str(BOOT_ATTEMPTS)
    assert parser["system"]["bundle-formats"] == "-plain"  # verity only on the kiosk
    assert parser["keyring"]["check-purpose"] == "codesign"
    assert parser["slot.rootfs.0"]["device"] == "/dev/disk/by-partuuid/4b494f53-02"
    assert parser["slot.rootfs.1"]["device"] == "/dev/disk/by-partuuid/4b494f53-03"
    assert [parser[f"slot.rootfs.{i}"]["bootname"] for i in (0, 1)] == list(SLOTS)


def test_files_name_every_generated_file_under_boot_or_root() -> None:
    assert set(files(LAYOUT)) == {"boot/config.txt", "boot/cmdline.txt", "boot/boot.cmd",
                                  "root/etc/fstab", "root/etc/fw_env.config",
                                  "root/etc/rauc/system.conf"}


def test_the_root_links_every_path_first_boot_writes_to_where_it_writes_it() -> None:
    """kiosk-firstboot.service runs ``kiosk provision --state /var/lib/kiosk --etc
    /var/lib/kiosk/etc``: each file it writes there is read by the system at its /etc path,
    through the links the image makes from these (image/customize.sh)."""
    read_at = {str(config.SYSTEM_CONFIG): f"{layout.STATE_DIR}/{runtime.RUNTIME_FILE}"}
    for written in (network.ETHERNET_FILE, network.WIFI_FILE, network.WPA_FILE,
                    "localtime", "timezone"):
        read_at[f"/etc/{written}"] = f"{layout.STATE_ETC}/{written}"
    assert read_at == layout.STATE_LINKS
    unit = (ROOT / "systemd" / "kiosk-firstboot.service").read_text()
    assert f"--state {layout.STATE_DIR} --etc {layout.STATE_ETC}" in unit
