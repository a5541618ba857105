"""Boot the kiosk's image under qemu and time it from power-on to the first frame on its screen.

Debian bookworm's qemu (7.2) has no Raspberry Pi 4 board, so the image boots on qemu's generic
``virt`` board: the kernel and initrd of root slot A, taken out of the image, with the kernel
command line U-Boot's script gives them (image/layout.py), the card as a virtio disk, the
screen as qemu's plain display adapter (``bochs-display``: a KMS device scanned out of its
memory, as the Pi's vc4 is; SDL's kmsdrm display on Mesa's kms_swrast driver in the guest),
the serial port as the console. The Pi's GPU firmware and U-Boot do not run; everything from
the kernel on is the image's own: its initrd, systemd, its units, first boot, the kiosk.

What the screen shows is read through qemu's monitor (QMP ``screendump``) twice a second; the
first frame is the first dump that is not a black console. The serial console's lines are
stamped with the seconds since power-on as they arrive, which places the milestones (the kernel
hands over to systemd, the units start). Run from a clone, on any machine with qemu (no root):

    python -m image.qemuboot build/image/kiosk.img [--kiosk-toml FILE] [--out DIR]

It boots a sparse copy of the image (the flashable file is never changed); ``--kiosk-toml``
puts a technician's provisioning file on the copy's boot partition first, as a technician
does on the card. Without it, first boot shows the technician's screen saying the file is
missing, which is the first frame a newly flashed card shows.

Written here rather than taken from a library: no tool times a guest's boot to its screen;
the monitor's protocol is qemu.qmp's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from qemu.qmp import ConnectError, QMPClient

from image.layout import UBOOT_ENV_FILE, UBOOT_ENV_SIZE, Layout, kernel_arguments

# What U-Boot's script (image/layout.py) saves in its environment when it boots slot A the
# first time; qemu runs no U-Boot, so the copy gets it as if it had.
UBOOT_ENVIRONMENT = "BOOT_ORDER=A\nBOOT_A_LEFT=2\nBOOT_B_LEFT=3\n"
BOOT_PARTITION = 0
SLOT_PARTITIONS = {"A": 1, "B": 2}  # indexes in the partition table
SECTOR = 512
# A frame is the kiosk's once this share of its pixels is not the black of an empty console.
DRAWN_SHARE = 0.25
POLL_SECONDS = 0.5
# systemd's status lines are coloured; the log and the milestones read them without
COLOUR = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")
# What the serial console says at each step worth timing (the first line that matches).
MILESTONES = {
    "kernel starts": re.compile(r"Booting Linux"),
    "systemd starts": re.compile(r"Welcome to"),
    "file systems mounted": re.compile(r"Reached target local-fs\.target"),
    "basic system": re.compile(r"Reached target basic\.target"),
    "first boot starts": re.compile(r"Starting kiosk-firstboot"),
    "kiosk starts": re.compile(r"Starting kiosk\.service"),
    "kiosk ready (READY=1)": re.compile(r"Started kiosk\.service"),
}


class BootError(Exception):
    """The image could not be booted or did not draw: the message says which."""


@dataclass
class Boot:
    """What one boot showed, in seconds since qemu was started."""

    first_frame: float | None = None
    milestones: dict[str, float] = field(default_factory=dict)


def kernel_command_line(slot: str = "A", machine_id: str | None = None) -> str:
    """The slot's command line as U-Boot gives it (image/layout.py), with the machine ID the
    card's environment keeps, as the boot script adds it (without it kiosk-machine-id.service
    would store a new ID at every boot under qemu); with the serial console of the virt board
    (ttyAMA0) for the Pi's (ttyS1), last, so that it is /dev/console, where systemd writes;
    and without ``quiet`` but with systemd's status lines, so that the console shows the
    kernel's and systemd's steps."""
    arguments = [argument for argument in kernel_arguments(Layout(), slot).split()
                 if argument != "quiet" and not argument.startswith("console=ttyS")]
    if machine_id:
        arguments.append(f"systemd.machine_id={machine_id}")
    return " ".join([*arguments, "console=ttyAMA0", "systemd.show_status=true"])


def partition_starts(image: Path) -> list[int]:
    """The byte offset of each partition of the image (sfdisk reads the table)."""
    table = json.loads(subprocess.run(["sfdisk", "--json", str(image)], check=True,
                                      capture_output=True, text=True).stdout)
    return [entry["start"] * SECTOR for entry in table["partitiontable"]["partitions"]]


def kernel_and_initrd(image: Path, offset: int, into: Path) -> tuple[Path, Path]:
    """The slot's /boot/vmlinuz-* and /boot/initrd.img-*, read with debugfs (no mount, no root)."""
    device = f"{image}?offset={offset}"
    listing = subprocess.run(["debugfs", "-R", "ls -p /boot", device], check=True,
                             capture_output=True, text=True).stdout
    names = [line.split("/")[5] for line in listing.splitlines() if line.count("/") >= 6]
    found = []
    for prefix in ("vmlinuz-", "initrd.img-"):
        name = max((n for n in names if n.startswith(prefix)), default=None)
        if name is None:
            raise BootError(f"the slot of {image} at {offset} has no /boot/{prefix}*: is it "
                            "the full image (not --minimal)?")
        out = into / prefix.rstrip("-")
        subprocess.run(["debugfs", "-R", f"dump /boot/{name} {out}", device], check=True,
                       capture_output=True)
        found.append(out)
    return found[0], found[1]


def read_environment(boot: str, work: Path) -> dict[str, str]:
    """U-Boot's environment as the card holds it on its boot partition (``boot``: mtools'
    DISK@@OFFSET), read with fw_printenv, as on the kiosk."""
    saved = work / "saved.env"
    subprocess.run(["mcopy", "-o", "-i", boot, f"::{UBOOT_ENV_FILE}", str(saved)],
                   check=True, capture_output=True)
    config = work / "fw_env.config"
    config.write_text(f"{saved}\t0x0\t{hex(UBOOT_ENV_SIZE)}\n")
    printed = subprocess.run(["fw_printenv", "-c", str(config)], check=True,
                             capture_output=True, text=True).stdout
    pairs = (line.partition("=") for line in printed.splitlines())
    return {name: value for name, equals, value in pairs if equals}


def write_environment(boot: str, text: str, work: Path) -> None:
    """U-Boot's environment made from ``text`` (NAME=value lines, as fw_printenv prints
    them), written to the card's boot partition (``boot``: mtools' DISK@@OFFSET)."""
    environment = work / "environment.txt"
    environment.write_text(text)
    subprocess.run(["mkenvimage", "-s", hex(UBOOT_ENV_SIZE), "-o", str(work / UBOOT_ENV_FILE),
                    str(environment)], check=True)
    subprocess.run(["mcopy", "-o", "-i", boot, str(work / UBOOT_ENV_FILE), "::"], check=True)


def slot_b_environment(saved: dict[str, str]) -> str:
    """What U-Boot's script leaves when it picks slot B: the first slot of BOOT_ORDER with
    attempts left, one attempt spent, the rest (the machine ID) kept. Only a card whose
    RAUC installed an update to B (and so put B first) boots B; any other is refused rather
    than booted against its environment."""
    order = saved.get("BOOT_ORDER", "").split()
    try:
        left = int(saved.get("BOOT_B_LEFT", "0") or 0)
    except ValueError:
        raise BootError(f"the card's U-Boot environment is corrupt: BOOT_B_LEFT="
                        f"{saved['BOOT_B_LEFT']!r} is not a number") from None
    if not order or order[0] != "B" or left <= 0:
        raise BootError(f"the card's U-Boot environment does not boot slot B (BOOT_ORDER="
                        f"{saved.get('BOOT_ORDER', '')!r}, BOOT_B_LEFT={left}): install an "
                        "update on it first (rauc install), and boot the card it left "
                        "(--keep-disk)")
    left_now = {**saved, "BOOT_B_LEFT": str(left - 1)}
    return "".join(f"{name}={value}\n" for name, value in left_now.items())


@dataclass(frozen=True)
class Card:
    """The copy qemu boots, the slot's kernel and initrd, and its command line."""

    disk: Path
    kernel: Path
    initrd: Path
    command_line: str


def prepare(image: Path, work: Path, kiosk_toml: Path | None,
            card_bytes: int | None = None, slot: str = "A") -> Card:
    """A sparse copy of the image, as large as a card of ``card_bytes`` (a card is larger
    than the image: first boot grows the data partition to its end), with U-Boot's
    environment (and the provisioning file if given) on its boot partition, and the slot's
    kernel and initrd. Slot A is booted as from a new card; slot B as U-Boot boots it on a
    card where an update was installed (``image`` is then a card kept from a boot)."""
    disk = work / "disk.img"
    subprocess.run(["cp", "--sparse=always", str(image), str(disk)], check=True)
    if card_bytes is not None:
        if card_bytes < disk.stat().st_size:
            raise BootError(f"a card of {card_bytes} bytes cannot hold {image} "
                            f"({disk.stat().st_size} bytes)")
        os.truncate(disk, card_bytes)
    starts = partition_starts(disk)
    boot = f"{disk}@@{starts[BOOT_PARTITION]}"
    machine_id = None
    if slot == "A":
        write_environment(boot, UBOOT_ENVIRONMENT, work)
    else:
        saved = read_environment(boot, work)
        write_environment(boot, slot_b_environment(saved), work)
        machine_id = saved.get("machine_id")
    if kiosk_toml is not None:
        subprocess.run(["mcopy", "-o", "-i", boot, str(kiosk_toml), "::kiosk.toml"],
                       check=True)
    kernel, initrd = kernel_and_initrd(disk, starts[SLOT_PARTITIONS[slot]], work)
    return Card(disk, kernel, initrd, kernel_command_line(slot, machine_id))


def qemu_command(card: Card, monitor: Path, args: argparse.Namespace) -> list[str]:
    width, height = args.size
    return [
        "qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a72",
        "-smp", str(args.cpus), "-m", str(args.memory),
        "-kernel", str(card.kernel), "-initrd", str(card.initrd),
        "-append", " ".join([card.command_line, *args.append]),
        "-drive", f"if=none,id=card,format=raw,file={card.disk}",
        "-device", "virtio-blk-pci,drive=card",
        "-device", f"bochs-display,romfile=,xres={width},yres={height}",
        "-device", "virtio-keyboard-pci", "-device", "virtio-tablet-pci",
        # the contactless reader, as far as qemu has one: a USB CCID reader with no card
        # in it, which the image's pcscd and libccid drive as they drive a real one
        *([] if args.no_reader else ["-device", "qemu-xhci", "-device", "usb-ccid"]),
        "-netdev", "user,id=net" + (f",hostfwd=tcp:127.0.0.1:{args.ssh}-:22" if args.ssh else ""),
        "-device", "virtio-net-pci,netdev=net",
        "-display", "none", "-serial", "stdio", "-monitor", "none",
        "-qmp", f"unix:{monitor}",  # qemu connects to this tool, which listens first
    ]


def drawn_share(ppm: Path) -> float:
    """The share of the dump's pixels that are not black."""
    import pygame  # noqa: PLC0415 - only this measure needs it

    surface = pygame.image.load(str(ppm))
    black = pygame.mask.from_threshold(surface, (0, 0, 0, 255), (24, 24, 24, 255))
    width, height = surface.get_size()
    return 1 - black.count() / (width * height)


def save_png(ppm: Path, png: Path) -> None:
    import pygame  # noqa: PLC0415

    pygame.image.save(pygame.image.load(str(ppm)), str(png))


async def read_console(stream: asyncio.StreamReader, started: float, log: Path,
                       boot: Boot) -> None:
    with log.open("w", encoding="utf-8", errors="replace") as out:
        while line := await stream.readline():
            elapsed = time.monotonic() - started
            text = COLOUR.sub("", line.decode(errors="replace")).rstrip()
            out.write(f"[{elapsed:8.2f}] {text}\n")
            out.flush()
            for name, pattern in MILESTONES.items():
                if name not in boot.milestones and pattern.search(text):
                    boot.milestones[name] = round(elapsed, 1)


async def run(args: argparse.Namespace, work: Path) -> Boot:
    card = prepare(args.image, work, args.kiosk_toml, args.card * GIB, args.slot)
    monitor = work / "qmp.sock"
    boot = Boot()
    client = QMPClient("kiosk-boot")
    await client.start_server(str(monitor))
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        *qemu_command(card, monitor, args),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    assert process.stdout is not None
    console = asyncio.create_task(read_console(process.stdout, started, args.out / "serial.log",
                                               boot))
    try:
        try:
            await asyncio.wait_for(client.accept(), timeout=60)
        except (TimeoutError, ConnectError) as exc:
            raise BootError("qemu did not connect to its monitor (its message is above)"
                            ) from exc
        dump = work / "screen.ppm"
        while time.monotonic() - started < args.timeout:
            if process.returncode is not None:
                raise BootError(f"the guest stopped (qemu exit {process.returncode}); see "
                                f"{args.out / 'serial.log'}")
            await client.execute("screendump", {"filename": str(dump)})
            if drawn_share(dump) >= DRAWN_SHARE:
                boot.first_frame = round(time.monotonic() - started, 1)
                save_png(dump, args.out / "first-frame.png")
                break
            await asyncio.sleep(POLL_SECONDS)
        if boot.first_frame is None:
            raise BootError(f"nothing drawn within {args.timeout:.0f} s; see "
                            f"{args.out / 'serial.log'}")
        # what the screen settles on (the first frame can be an early one of the screen)
        await asyncio.sleep(args.settle)
        await client.execute("screendump", {"filename": str(dump)})
        save_png(dump, args.out / "settled.png")
        await client.execute("quit")
    finally:
        with contextlib.suppress(EOFError, ConnectionError):  # qemu gone: nothing to close
            await client.disconnect()
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        await console
    return boot


GIB = 1024 ** 3


def _size(value: str) -> tuple[int, int]:
    width, _, height = value.partition("x")
    return int(width), int(height)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m image.qemuboot", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("image", type=Path, help="kiosk.img from image/build.sh")
    parser.add_argument("--kiosk-toml", type=Path, help="provisioning file for the boot "
                        "partition (default: none, as flashed)")
    parser.add_argument("--out", type=Path, default=Path("build/qemuboot"),
                        help="where serial.log, first-frame.png, settled.png, boot.json go")
    parser.add_argument("--size", type=_size, default=(800, 480), metavar="WxH",
                        help="the screen (default 800x480, the Pi's 7-inch touchscreen)")
    parser.add_argument("--cpus", type=int, default=min(4, os.cpu_count() or 1),
                        help="virtual CPUs (a Pi 4 has 4; default up to this machine's)")
    parser.add_argument("--memory", type=int, default=2048, help="MiB (default 2048)")
    parser.add_argument("--card", type=int, default=16, metavar="GIB",
                        help="the card's size in GiB (default 16; the copy is sparse)")
    parser.add_argument("--slot", choices=SLOT_PARTITIONS, default="A",
                        help="the root slot to boot (default A; B: a card kept with "
                        "--keep-disk after `rauc install`, as U-Boot boots it next)")
    parser.add_argument("--no-reader", action="store_true",
                        help="boot without qemu's USB CCID reader (kiosk doctor then fails "
                        "the reader, and so would the health check of an update)")
    parser.add_argument("--ssh", type=int, metavar="PORT",
                        help="forward this machine's 127.0.0.1:PORT to the kiosk's SSH "
                        "(the technician's key in the provisioning file lets you in)")
    parser.add_argument("--keep-disk", action="store_true",
                        help="keep the booted copy as OUT/disk.img (to read what first boot "
                        "left on it: mtype -i disk.img@@4194304 ::kiosk.toml)")
    parser.add_argument("--append", action="append", default=[], metavar="ARGUMENT",
                        help="one more kernel argument, e.g. "
                        "systemd.journald.forward_to_console=1 to see the journal")
    parser.add_argument("--timeout", type=float, default=1800.0,
                        help="seconds to wait for the first frame (default 1800)")
    parser.add_argument("--settle", type=float, default=20.0,
                        help="seconds after the first frame for settled.png (default 20)")
    args = parser.parse_args(argv)
    for tool in ("qemu-system-aarch64", "sfdisk", "debugfs", "mcopy", "mkenvimage"):
        if shutil.which(tool) is None:
            parser.error(f"{tool} is missing: apt-get install qemu-system-arm fdisk "
                         "e2fsprogs mtools u-boot-tools")
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    with tempfile.TemporaryDirectory(prefix="kiosk-qemuboot.", dir=args.out) as work:
        try:
            boot = asyncio.run(run(args, Path(work)))
        except BootError as exc:
            print(f"image.qemuboot: {exc}", file=sys.stderr)
            return 1
        finally:
            if args.keep_disk and (Path(work) / "disk.img").exists():
                shutil.move(Path(work) / "disk.img", args.out / "disk.img")
    report = {"image": str(args.image), "cpus": args.cpus, "memory_mib": args.memory,
              "size": "x".join(map(str, args.size)), "card_gib": args.card,
              "provisioned": args.kiosk_toml is not None, "slot": args.slot,
              "first_frame_seconds": boot.first_frame, "milestones": boot.milestones,
              "date": time.strftime("%Y-%m-%d", time.gmtime())}
    (args.out / "boot.json").write_text(json.dumps(report, indent=2) + "\n")
    for name, seconds in sorted(boot.milestones.items(), key=lambda item: item[1]):
        print(f"{seconds:8.1f} s  {name}")
    print(f"{boot.first_frame:8.1f} s  first frame ({args.out / 'first-frame.png'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
