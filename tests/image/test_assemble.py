"""An image assembled from a tiny tree, read back partition by partition: sfdisk's table,
the boot partition with mtools, root and data with debugfs. Built twice, byte for byte the
same."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from image.assemble import assemble, filesystem_uuid
from image.layout import MIB
from tests.image.trees import EPOCH, LAYOUT, small_trees

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("assemble")
    boot, root = small_trees(base)
    images = {}
    for run in ("first", "second"):
        out = base / f"{run}.img"
        filesystems = assemble(out, LAYOUT, boot=boot, root=root, epoch=EPOCH, work=base / run)
        images[run] = out
        images[f"{run}-root"] = filesystems["rootfs.0"]
        # the second build reads a tree touched in between, as a new checkout would be
        os.utime(root / "etc" / "hostname", None)
    return images


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _debugfs(image: Path, offset: int, command: str) -> str:
    return subprocess.run(["debugfs", "-R", command, f"{image}?offset={offset}"],
                          capture_output=True, text=True, check=True).stdout


def test_the_partition_table_is_the_layouts(built: dict[str, Path]) -> None:
    dump = json.loads(subprocess.run(["sfdisk", "--json", str(built["first"])],
                                     capture_output=True, text=True, check=True).stdout)
    table = dump["partitiontable"]
    assert table["label"] == "dos"
    assert table["id"] == "0x4b494f53"
    found = [(p["start"], p["size"], p["type"]) for p in table["partitions"]]
    assert found == [(p.start_sector, p.size_sectors, p.mbr_type) for p in LAYOUT.partitions()]
    assert built["first"].stat().st_size == LAYOUT.size_mib * MIB


def test_the_boot_partition_holds_the_boot_tree(built: dict[str, Path]) -> None:
    at = f"{built['first']}@@{LAYOUT.partition('boot').offset}"
    listing = subprocess.run(["mdir", "-b", "-i", at, "::/"], capture_output=True, text=True,
                             check=True).stdout.split()
    assert sorted(listing) == ["::/config.txt", "::/overlays/"]
    text = subprocess.run(["mtype", "-i", at, "::/config.txt"], capture_output=True,
                          text=True, check=True).stdout
    assert text == "kernel=u-boot.bin\n"
    label = subprocess.run(["mlabel", "-s", "-i", at, "::"], capture_output=True, text=True,
                           check=True).stdout
    assert "BOOT" in label


def test_root_a_holds_the_root_tree_with_owners_and_clamped_times(
        built: dict[str, Path]) -> None:
    offset = LAYOUT.partition("rootfs.0").offset
    assert _debugfs(built["first"], offset, "cat /etc/hostname") == "kiosk\n"
    stat = _debugfs(built["first"], offset, "stat /etc/hostname")
    assert "User:     0   Group:     0" in stat
    assert "ctime: 0x6553f100" in stat and "mtime: 0x6553f100" in stat  # the epoch
    assert "Fast link dest: \"/data/kiosk\"" in _debugfs(built["first"], offset,
                                                         "stat /kiosk-state")
    superblock = subprocess.run(["dumpe2fs", "-h", f"{built['first']}?offset={offset}"],
                                capture_output=True, text=True, check=True).stdout
    assert f"Filesystem UUID:          {filesystem_uuid('rootfs')}" in superblock
    assert "Filesystem volume name:   rootfs" in superblock


def test_root_b_is_left_empty_for_the_first_update(built: dict[str, Path]) -> None:
    part = LAYOUT.partition("rootfs.1")
    with built["first"].open("rb") as image:
        image.seek(part.offset)
        assert image.read(part.size_mib * MIB).count(0) == part.size_mib * MIB


def test_data_holds_the_state_directories(built: dict[str, Path]) -> None:
    listing = _debugfs(built["first"], LAYOUT.partition("data").offset, "ls -p /")
    names = {field.split("/")[5] for field in listing.split() if field.count("/") >= 6}
    assert {"kiosk", "journal", "systemd", "rauc"} <= names


def test_data_has_the_block_size_of_the_large_filesystem_it_grows_into(
        built: dict[str, Path]) -> None:
    offset = LAYOUT.partition("data").offset
    superblock = subprocess.run(["dumpe2fs", "-h", f"{built['first']}?offset={offset}"],
                                capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Block size:\s+4096$", superblock, re.MULTILINE), superblock


def test_a_root_without_a_mount_point_of_its_fstab_is_refused(tmp_path: Path) -> None:
    boot, root = small_trees(tmp_path)
    (root / "var" / "log" / "journal").rmdir()
    with pytest.raises(ValueError, match="no /var/log/journal"):
        assemble(tmp_path / "kiosk.img", LAYOUT, boot=boot, root=root, epoch=EPOCH,
                 work=tmp_path / "work")


def test_the_same_trees_give_the_same_bytes(built: dict[str, Path]) -> None:
    assert _sha256(built["first-root"]) == _sha256(built["second-root"])
    assert _sha256(built["first"]) == _sha256(built["second"])
