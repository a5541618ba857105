"""image.qemuboot up to the point where qemu starts, and its test of a frame: the copy it
boots carries U-Boot's environment (as the boot script leaves it after choosing slot A) and
the technician's file on its boot partition; the kernel and initrd are slot A's; the
flashable file is left as it was. Booting itself takes minutes under emulation: its figures
are in docs/image.md."""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from image.assemble import assemble
from image.layout import Layout, kernel_arguments
from image.qemuboot import (
    DRAWN_SHARE,
    BootError,
    Card,
    drawn_share,
    kernel_command_line,
    prepare,
    qemu_command,
    read_environment,
    slot_b_environment,
    write_environment,
)
from tests.image.trees import EPOCH, INITRD, KERNEL, LAYOUT, small_trees

pytestmark = pytest.mark.slow

PROVISIONING = '[site]\ncomune = "Comune di Prova"\n'


CARD = 64 * 1024 ** 2  # a card larger than the image (44 MiB), sparse
MACHINE_ID = "7b4f1052bcc5470b9badc266b4714ae5"


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("qemuboot")
    boot, root = small_trees(base)
    out = base / "kiosk.img"
    assemble(out, LAYOUT, boot=boot, root=root, epoch=EPOCH, work=base / "fs")
    return out


@pytest.fixture(scope="module")
def prepared(image: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("work")
    provisioning = work / "technician.toml"
    provisioning.write_text(PROVISIONING)
    before = hashlib.sha256(image.read_bytes()).hexdigest()
    card = prepare(image, work, provisioning, CARD)
    assert hashlib.sha256(image.read_bytes()).hexdigest() == before
    return {"disk": card.disk, "kernel": card.kernel, "initrd": card.initrd, "work": work}


def test_the_copy_is_as_large_as_the_card_and_its_partitions_the_image_s(
        image: Path, prepared: dict[str, Path]) -> None:
    assert prepared["disk"].stat().st_size == CARD
    table = ["sfdisk", "--dump"]
    image_table = subprocess.run([*table, str(image)], capture_output=True, text=True,
                                 check=True).stdout.replace(str(image), "card")
    assert subprocess.run([*table, str(prepared["disk"])], capture_output=True, text=True,
                          check=True).stdout.replace(str(prepared["disk"]), "card") == image_table


def test_a_card_smaller_than_the_image_is_refused(image: Path, tmp_path: Path) -> None:
    with pytest.raises(BootError, match="cannot hold"):
        prepare(image, tmp_path, None, image.stat().st_size - 512)


def boot_file(disk: Path, name: str) -> bytes:
    where = f"{disk}@@{LAYOUT.partition('boot').offset}"
    return subprocess.run(["mtype", "-i", where, f"::{name}"], capture_output=True,
                          check=True).stdout


def test_qemu_gets_slot_as_kernel_and_initrd(prepared: dict[str, Path]) -> None:
    assert prepared["kernel"].read_bytes() == KERNEL
    assert prepared["initrd"].read_bytes() == INITRD


def test_the_copy_has_the_technicians_file_on_its_boot_partition(
        prepared: dict[str, Path]) -> None:
    assert boot_file(prepared["disk"], "kiosk.toml").decode() == PROVISIONING


def test_the_copy_has_the_environment_u_boot_leaves_after_choosing_slot_a(
        prepared: dict[str, Path], tmp_path: Path) -> None:
    boot = f"{prepared['disk']}@@{LAYOUT.partition('boot').offset}"
    saved = read_environment(boot, tmp_path)
    assert {"BOOT_ORDER": "A", "BOOT_A_LEFT": "2", "BOOT_B_LEFT": "3"}.items() <= saved.items()


def ppm(tmp_path: Path, lit_rows: int, height: int = 100) -> Path:
    """A 100-pixel-wide screen dump whose first ``lit_rows`` rows are white."""
    pixels = b"\xff\xff\xff" * 100 * lit_rows + b"\x00\x00\x00" * 100 * (height - lit_rows)
    path = tmp_path / f"dump-{lit_rows}.ppm"
    path.write_bytes(b"P6\n100 %d\n255\n" % height + pixels)
    return path


def test_a_black_or_console_screen_is_not_a_frame_and_a_drawn_one_is(tmp_path: Path) -> None:
    assert drawn_share(ppm(tmp_path, 0)) == 0
    assert drawn_share(ppm(tmp_path, 5)) < DRAWN_SHARE  # a few lines of console text
    assert drawn_share(ppm(tmp_path, 60)) >= DRAWN_SHARE


def test_qemu_boots_slot_a_as_u_boot_does_with_its_console_on_the_serial_port() -> None:
    pi = kernel_arguments(Layout(), "A").split()
    qemu = kernel_command_line().split()
    assert [a for a in pi if a not in ("quiet", "console=ttyS1,115200")] == \
        [a for a in qemu if a not in ("console=ttyAMA0", "systemd.show_status=true")]
    assert qemu[-2:] == ["console=ttyAMA0", "systemd.show_status=true"]  # /dev/console


def test_slot_b_boots_with_its_own_root_and_rauc_told_which_slot_runs() -> None:
    pi = kernel_arguments(Layout(), "B").split()
    qemu = kernel_command_line("B").split()
    assert f"root=PARTUUID={Layout().partuuid(3)}" in qemu and "rauc.slot=B" in qemu
    assert [a for a in pi if a not in ("quiet", "console=ttyS1,115200")] == \
        [a for a in qemu if a not in ("console=ttyAMA0", "systemd.show_status=true")]


def test_after_an_update_to_b_u_boot_spends_one_of_b_s_attempts() -> None:
    installed = {"BOOT_ORDER": "B A", "BOOT_A_LEFT": "3", "BOOT_B_LEFT": "3",
                 "machine_id": MACHINE_ID}
    assert slot_b_environment(installed) == \
        f"BOOT_ORDER=B A\nBOOT_A_LEFT=3\nBOOT_B_LEFT=2\nmachine_id={MACHINE_ID}\n"


def test_slot_b_boots_with_the_machine_id_the_card_keeps(
        prepared: dict[str, Path], tmp_path: Path) -> None:
    """As the boot script passes it: booted without it, the kiosk stored a new machine ID
    at the first boot of B under qemu (its journal in a new directory, a new DHCP client
    ID), which a Pi never does."""
    updated = tmp_path / "updated.img"
    shutil.copy(prepared["disk"], updated)
    slot_a, slot_b = LAYOUT.partition("rootfs.0"), LAYOUT.partition("rootfs.1")
    with updated.open("r+b") as card_file:  # the update: A's root written into B
        card_file.seek(slot_a.offset)
        root = card_file.read(slot_a.size_mib * 1024 ** 2)
        card_file.seek(slot_b.offset)
        card_file.write(root)
    write_environment(f"{updated}@@{LAYOUT.partition('boot').offset}",
                      f"BOOT_ORDER=B A\nBOOT_A_LEFT=3\nBOOT_B_LEFT=3\nmachine_id={MACHINE_ID}\n",
                      tmp_path)
    (tmp_path / "work").mkdir()
    card = prepare(updated, tmp_path / "work", None, slot="B")
    assert card.command_line.split()[-3:] == [f"systemd.machine_id={MACHINE_ID}",
                                              "console=ttyAMA0", "systemd.show_status=true"]
    saved = read_environment(f"{card.disk}@@{LAYOUT.partition('boot').offset}", tmp_path)
    assert (saved["BOOT_B_LEFT"], saved["machine_id"]) == ("2", MACHINE_ID)


@pytest.mark.parametrize("saved", [
    {"BOOT_ORDER": "A B", "BOOT_A_LEFT": "3", "BOOT_B_LEFT": "3"},  # no update installed
    {"BOOT_ORDER": "B A", "BOOT_A_LEFT": "3", "BOOT_B_LEFT": "0"},  # B's attempts spent
    {},
])
def test_slot_b_is_not_booted_where_u_boot_would_not_boot_it(saved: dict[str, str]) -> None:
    with pytest.raises(BootError, match="does not boot slot B"):
        slot_b_environment(saved)


def test_a_corrupt_count_of_attempts_is_named() -> None:
    with pytest.raises(BootError, match="corrupt: BOOT_B_LEFT='3x'"):
        slot_b_environment({"BOOT_ORDER": "B A", "BOOT_A_LEFT": "3", "BOOT_B_LEFT": "3x"})


def test_a_card_that_boots_slot_a_is_refused_for_slot_b(
        prepared: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(BootError, match="BOOT_ORDER='A'"):
        prepare(prepared["disk"], tmp_path, None, slot="B")


def test_the_technician_reaches_the_guest_s_ssh_on_this_machine_s_loopback_only(
        tmp_path: Path) -> None:
    command = qemu_command(card(tmp_path), tmp_path / "qmp.sock", arguments(ssh=2222))
    assert command[command.index("-netdev") + 1] == \
        "user,id=net,hostfwd=tcp:127.0.0.1:2222-:22"
    assert "hostfwd" not in " ".join(qemu_command(card(tmp_path), tmp_path / "qmp.sock",
                                                  arguments()))


def test_the_guest_has_a_usb_ccid_reader_unless_told_not_to(tmp_path: Path) -> None:
    monitor = tmp_path / "qmp.sock"
    assert "usb-ccid" in qemu_command(card(tmp_path), monitor, arguments())
    assert "usb-ccid" not in qemu_command(card(tmp_path), monitor, arguments(no_reader=True))


def card(base: Path) -> Card:
    return Card(base / "disk.img", base / "kernel", base / "initrd", kernel_command_line())


def arguments(**given: object) -> argparse.Namespace:
    return argparse.Namespace(**{"size": (800, 480), "cpus": 2, "memory": 2048, "slot": "A",
                                 "append": [], "ssh": None, "no_reader": False, **given})
