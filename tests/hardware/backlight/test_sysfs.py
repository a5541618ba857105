"""The backlight's sysfs files: levels in per cent of max_brightness, off as powered down, a
virtual device that is the same files in a folder, and a coded error for each way it fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.hardware.backlight import BacklightError, SysfsBacklight, open_backlight


def panel(root: Path, name: str, max_brightness: str = "255") -> Path:
    """A device folder as the kernel's backlight class shows it."""
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "max_brightness").write_text(f"{max_brightness}\n")
    (folder / "brightness").write_text("0\n")
    (folder / "bl_power").write_text("4\n")
    return folder


def read(folder: Path) -> tuple[int, int]:
    return (int((folder / "brightness").read_text()), int((folder / "bl_power").read_text()))


def test_levels_are_per_cent_of_the_panels_maximum_and_zero_powers_it_down(
        tmp_path: Path) -> None:
    folder = panel(tmp_path, "rpi_backlight", "31")
    light = SysfsBacklight(folder)
    light.set(100)
    assert read(folder) == (31, 0)
    light.set(30)
    assert read(folder) == (10, 0)  # rounded up: 9.3 steps of 31
    light.set(1)
    assert read(folder) == (1, 0)  # dimmed is never dark
    light.set(0)
    assert read(folder) == (0, 4)
    with pytest.raises(ValueError, match="0 to 100"):
        light.set(101)


def test_auto_takes_the_first_device_by_name(tmp_path: Path) -> None:
    panel(tmp_path, "rpi_backlight")
    panel(tmp_path, "10-0045")
    assert open_backlight("auto", tmp_path / "state", sysfs=tmp_path).name == "10-0045"
    assert open_backlight("rpi_backlight", tmp_path, sysfs=tmp_path).name == "rpi_backlight"


def test_a_virtual_backlight_is_made_on_first_use_in_the_state_directory(
        tmp_path: Path) -> None:
    light = open_backlight("virtual:backlight", tmp_path, sysfs=tmp_path / "none")
    folder = tmp_path / "backlight"
    assert light.directory == folder and read(folder) == (255, 0)
    light.set(50)
    again = open_backlight("virtual:backlight", tmp_path)  # a restart keeps what was written
    assert again.max_brightness == 255 and read(folder) == (128, 0)


@pytest.mark.parametrize(("device", "code"), [
    ("auto", "BACKLIGHT_NOT_FOUND"),  # no device at all
    ("lcd", "BACKLIGHT_NOT_FOUND"),  # not that one
    ("broken", "BACKLIGHT_INVALID"),  # max_brightness says nothing usable
    ("dark", "BACKLIGHT_INVALID"),  # a maximum of 0
])
def test_a_missing_or_broken_device_is_a_coded_error(tmp_path: Path, device: str,
                                                     code: str) -> None:
    sysfs = tmp_path / "sys"
    if device != "auto":
        panel(sysfs, "broken", "n/a")
        panel(sysfs, "dark", "0")
    with pytest.raises(BacklightError) as raised:
        open_backlight(device, tmp_path, sysfs=sysfs)
    assert raised.value.code == code


def test_a_write_the_kernel_refuses_is_a_coded_error(tmp_path: Path) -> None:
    folder = panel(tmp_path, "gone")
    light = SysfsBacklight(folder)
    (folder / "bl_power").unlink()
    (folder / "bl_power").mkdir()  # a write now fails, as on a device that went away
    with pytest.raises(BacklightError) as raised:
        light.set(100)
    assert raised.value.code == "BACKLIGHT_WRITE_FAILED"
