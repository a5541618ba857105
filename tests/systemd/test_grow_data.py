"""systemd/libexec/grow-data grows the last partition of a disk to the disk's end and its ext4
filesystem to the partition's, keeps the files on it, and is a no-op the second time (it runs
at every boot).

The disk is an image file as the build writes the card (the data partition last, a small
ext4 on it) and then enlarged, as a larger card is. The filesystem is seen through a loop
device at the partition's offset, sized as the kernel sizes the partition once growpart has
told it; the partition table, which only growpart writes, is read back from the file.

The filesystem is resized unmounted here: ext4's online resize needs CAP_SYS_RESOURCE, which
this container's root lacks. On the kiosk /data is mounted; that path is what the image's
boot under qemu checks (docs/image.md: the data partition at the first boot).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

GROW_DATA = ROOT / "systemd" / "libexec" / "grow-data"
SECTOR = 512
START = 2048  # the data partition, in sectors; 8 MiB, on a disk later enlarged to 64 MiB
SIZE = 16384

pytestmark = pytest.mark.skipif(shutil.which("growpart") is None,
                                reason="growpart is missing (scripts/dev.sh installs it)")


def run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(part) for part in command], capture_output=True, text=True,
                          timeout=60, check=False)


def partition(disk: Path) -> tuple[int, int]:
    table = json.loads(run("sfdisk", "--json", disk).stdout)["partitiontable"]
    last = table["partitions"][-1]
    return last["start"], last["size"]


def filesystem_bytes(device: str) -> int:
    header = run("dumpe2fs", "-h", device).stdout
    blocks = re.search(r"^Block count:\s+(\d+)", header, re.MULTILINE)
    size = re.search(r"^Block size:\s+(\d+)", header, re.MULTILINE)
    assert blocks is not None and size is not None, header
    return int(blocks[1]) * int(size[1])


@pytest.fixture
def disk(tmp_path: Path) -> Path:
    """A card as written: a boot partition, then the data partition with a file on it."""
    disk = tmp_path / "card.img"
    disk.write_bytes(b"")
    subprocess.run(["truncate", "-s", f"{(START + SIZE) * SECTOR}", disk], check=True)
    table = f"label: dos\nstart=8, size={START - 8}, type=c\nstart={START}, size={SIZE}, type=83\n"
    subprocess.run(["sfdisk", "-q", disk], input=table, text=True, check=True)
    files = tmp_path / "files"
    (files / "kiosk").mkdir(parents=True)
    (files / "kiosk" / "outbox").write_text("kept\n")
    data = tmp_path / "data.ext4"
    subprocess.run(["mkfs.ext4", "-q", "-L", "data", "-d", files, data, f"{SIZE // 2}k"],
                   check=True)
    subprocess.run(["dd", f"if={data}", f"of={disk}", "bs=512", f"seek={START}",
                    "conv=notrunc", "status=none"], check=True)
    subprocess.run(["truncate", "-s", "64M", disk], check=True)  # the larger card
    return disk


@pytest.fixture
def seen_by_the_kernel(disk: Path) -> Iterator[str]:
    """The data partition's block device, as large as growpart is about to make it."""
    planned = re.search(r"new: size=(\d+)", run("growpart", "--dry-run", disk, "2").stdout)
    assert planned is not None
    device = run("losetup", "--find", "--show", f"--offset={START * SECTOR}",
                 f"--sizelimit={int(planned[1]) * SECTOR}", disk)
    if device.returncode != 0:
        pytest.skip(f"no loop device here: {device.stderr.strip()}")
    try:
        yield device.stdout.strip()
    finally:
        run("losetup", "--detach", device.stdout.strip())


def test_the_partition_and_its_filesystem_reach_the_end_of_the_card(
        disk: Path, seen_by_the_kernel: str) -> None:
    assert filesystem_bytes(seen_by_the_kernel) == SIZE * SECTOR

    done = run(GROW_DATA, disk, "2", seen_by_the_kernel)

    assert done.returncode == 0, done.stdout + done.stderr
    start, size = partition(disk)
    assert start == START
    # growpart keeps the last 33 sectors free (room for a GPT's backup header)
    assert (start + size) * SECTOR > disk.stat().st_size - 64 * SECTOR
    grown = filesystem_bytes(seen_by_the_kernel)
    assert size * SECTOR - 4096 < grown <= size * SECTOR
    listing = run("debugfs", "-R", "cat /kiosk/outbox", seen_by_the_kernel)
    assert listing.stdout == "kept\n"


def test_a_grown_card_is_left_as_it_is(disk: Path, seen_by_the_kernel: str) -> None:
    run(GROW_DATA, disk, "2", seen_by_the_kernel)
    table = run("sfdisk", "--dump", disk).stdout

    again = run(GROW_DATA, disk, "2", seen_by_the_kernel)

    assert again.returncode == 0, again.stdout + again.stderr
    assert "NOCHANGE" in again.stdout
    assert "Nothing to do" in again.stdout + again.stderr
    assert run("sfdisk", "--dump", disk).stdout == table


def test_a_disk_that_is_not_there_is_an_error(tmp_path: Path) -> None:
    done = run(GROW_DATA, tmp_path / "missing.img", "2", tmp_path / "missing.ext4")

    assert done.returncode == 2
    assert "does not exist" in done.stdout + done.stderr
