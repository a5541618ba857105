"""Write the Pi image into a plain file: each filesystem made in a file of its own, then the
partition table and the filesystems laid in at their offsets. No loop device, no mount, so
none of this needs root (extracting the root tree with its owners does, in build.sh).

Reproducible: every filesystem gets fixed UUIDs and the same timestamps
(``SOURCE_DATE_EPOCH``), so the same tree gives the same bytes (tests/image checks it, and
docs/image.md has the figures of the full image).

    python3 -m image.assemble --out kiosk.img --boot BOOT_DIR --root ROOT_DIR \
        [--root-mib N ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from image.layout import DATA_DIRECTORIES, MIB, Layout, sfdisk_script

# Namespace of the filesystems' fixed UUIDs: each is uuid5(namespace, its name), stable
# across builds and different per filesystem.
UUID_NAMESPACE = uuid.UUID("6b696f73-6b2d-696d-6167-652d6e733031")


def filesystem_uuid(name: str) -> str:
    return str(uuid.uuid5(UUID_NAMESPACE, name))


def _environment(epoch: int) -> dict[str, str]:
    # E2FSPROGS_FAKE_TIME: mke2fs's clock for the superblock's and new inodes' times
    return {**os.environ, "SOURCE_DATE_EPOCH": str(epoch), "E2FSPROGS_FAKE_TIME": str(epoch),
            "TZ": "UTC", "LC_ALL": "C"}


def make_ext4(out: Path, tree: Path, *, size_mib: int, label: str, epoch: int) -> None:
    """mke2fs -d copies the tree's owners, modes and times; the UUID and the directory hash
    seed are fixed. Its atime and ctime are those of the tree on this disk (the time it was
    extracted, not the packages' time), and mke2fs 1.47.0 cannot clamp them, so debugfs
    sets both to the file's mtime, clamped to the epoch, after.

    4 KiB blocks always: for the 256 MiB data partition mke2fs would pick 1 KiB blocks (its
    "small" type), which the filesystem keeps when the first boot grows it to the card
    (16 times the block groups and the metadata of 4 KiB, on an SD card)."""
    fs_uuid = filesystem_uuid(label)
    out.unlink(missing_ok=True)
    subprocess.run(
        ["mkfs.ext4", "-q", "-F", "-t", "ext4", "-b", "4096", "-L", label, "-U", fs_uuid,
         "-E", f"hash_seed={fs_uuid},root_owner=0:0,nodiscard", "-d", str(tree),
         str(out), f"{size_mib}M"],
        check=True, env=_environment(epoch), stdout=subprocess.DEVNULL)
    commands = []
    for path in [tree, *sorted(tree.rglob("*"))]:
        when = min(int(path.lstat().st_mtime), epoch)
        name = "/" + path.relative_to(tree).as_posix() if path != tree else "/"
        if '"' in name or "\n" in name:
            raise ValueError(f"debugfs cannot name {name!r}")
        commands += [f'sif "{name}" {field} @{when}' for field in ("atime", "ctime", "mtime")]
    subprocess.run(["debugfs", "-w", "-f", "-", str(out)], input="\n".join(commands) + "\n",
                   text=True, check=True, env=_environment(epoch),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_vfat(out: Path, tree: Path, *, size_mib: int, label: str, epoch: int) -> None:
    """mkfs.fat --invariant leaves out the clock and the random volume id; mcopy -m keeps
    the files' times, which are set to the epoch first (in a copy of the tree)."""
    out.unlink(missing_ok=True)
    with out.open("wb") as f:
        f.truncate(size_mib * MIB)
    fat = ["-F", "32"] if size_mib >= 64 else []  # FAT32 needs 65525 clusters
    volume_id = f"{int(filesystem_uuid(label)[:8], 16):08x}"
    subprocess.run(["mkfs.fat", "--invariant", *fat, "-i", volume_id, "-n", label.upper(),
                    str(out)], check=True, env=_environment(epoch), stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as staging:
        copy = Path(staging) / "tree"
        shutil.copytree(tree, copy, symlinks=False)
        for path in [copy, *copy.rglob("*")]:
            os.utime(path, (epoch, epoch))
        entries = sorted(p.name for p in copy.iterdir())
        if entries:
            subprocess.run(["mcopy", "-s", "-m", "-Q", "-i", str(out),
                            *(str(copy / name) for name in entries), "::/"],
                           check=True, env=_environment(epoch))


def make_data_tree(tree: Path) -> None:
    """The data partition as flashed: the directories the root filesystem binds or links."""
    for name in DATA_DIRECTORIES:
        (tree / name).mkdir(parents=True, exist_ok=True)


def missing_mount_points(root: Path) -> list[str]:
    """The mount points of the tree's /etc/fstab that the tree lacks. The root is mounted
    read-only, so nothing can make them at boot: the mount fails and systemd stops in
    emergency mode (as the first image did, with /var/log/journal cleaned away)."""
    fstab = root / "etc" / "fstab"
    if not fstab.is_file():
        return ["/etc/fstab"]
    missing = []
    for line in fstab.read_text().splitlines():
        fields = line.split()
        if len(fields) < 2 or fields[0].startswith("#"):
            continue
        point = root / fields[1].lstrip("/")
        if point.is_symlink() or not point.is_dir():
            missing.append(fields[1])
    return missing


def lay_out(out: Path, layout: Layout, filesystems: dict[str, Path]) -> None:
    """The partition table, then each filesystem at its partition's offset. dd's sparse
    output leaves zero blocks unwritten, so the empty root B and free space stay holes, and
    bmaptool skips them when flashing."""
    out.unlink(missing_ok=True)
    with out.open("wb") as f:
        f.truncate(layout.size_mib * MIB)
    subprocess.run(["sfdisk", "--quiet", "--no-reread", "--no-tell-kernel", str(out)],
                   input=sfdisk_script(layout), text=True, check=True)
    for partition in layout.partitions():
        source = filesystems.get(partition.name)
        if source is None:
            continue
        if source.stat().st_size > partition.size_mib * MIB:
            raise ValueError(f"{source} is larger than partition {partition.name}")
        subprocess.run(["dd", f"if={source}", f"of={out}", "bs=1M", "conv=notrunc,sparse",
                        f"seek={partition.offset}", "oflag=seek_bytes", "status=none"],
                       check=True)


def assemble(out: Path, layout: Layout, *, boot: Path, root: Path, epoch: int,
             work: Path) -> dict[str, Path]:
    """The whole image from a boot tree and a root tree; returns the filesystem images
    (their hashes are the build's figures; root.ext4 is also what an update bundle holds)."""
    missing = missing_mount_points(root)
    if missing:
        raise ValueError(f"the root tree has no {', '.join(missing)}: the read-only root "
                         "cannot make its mount points at boot")
    work.mkdir(parents=True, exist_ok=True)
    data_tree = work / "data-tree"
    make_data_tree(data_tree)
    images = {
        "boot": work / "boot.vfat",
        "rootfs.0": work / "root.ext4",
        "data": work / "data.ext4",
    }
    make_vfat(images["boot"], boot, size_mib=layout.boot_mib, label="boot", epoch=epoch)
    make_ext4(images["rootfs.0"], root, size_mib=layout.root_mib, label="rootfs",
              epoch=epoch)
    make_ext4(images["data"], data_tree, size_mib=layout.data_mib, label="data", epoch=epoch)
    lay_out(out, layout, images)
    return images


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m image.assemble", description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--boot", type=Path, required=True, help="the boot partition's tree")
    parser.add_argument("--root", type=Path, required=True, help="the root filesystem's tree")
    parser.add_argument("--work", type=Path, required=True, help="for the filesystem images")
    parser.add_argument("--boot-mib", type=int, default=Layout.boot_mib)
    parser.add_argument("--root-mib", type=int, default=Layout.root_mib)
    parser.add_argument("--data-mib", type=int, default=Layout.data_mib)
    args = parser.parse_args(argv)
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    layout = Layout(boot_mib=args.boot_mib, root_mib=args.root_mib, data_mib=args.data_mib)
    try:
        assemble(args.out, layout, boot=args.boot, root=args.root, epoch=epoch, work=args.work)
    except ValueError as exc:
        print(f"image.assemble: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
