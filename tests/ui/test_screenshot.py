"""``kiosk screenshot``: the real command, in a subprocess, writing PNGs of the asked size."""

from __future__ import annotations

from pathlib import Path

import pygame
import pytest

from kiosk.cli.ui import SCENARIOS
from kiosk.ui import i18n
from kiosk.ui.theme import Settings, theme_for
from tests.conftest import run_kiosk
from tests.ui.drawing import init, pixel


def shoot(tmp_path: Path, state: str, *options: str) -> pygame.Surface:
    out = tmp_path / f"{state}.png"
    done = run_kiosk("screenshot", "--state", state, "--out", str(out), *options)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    init()
    return pygame.image.load(str(out))


def test_list_names_every_state() -> None:
    done = run_kiosk("screenshot", "--state", "list")
    assert done.returncode == 0
    assert done.stdout.split() == list(SCENARIOS)


def test_a_pin_pad_in_portrait(tmp_path: Path) -> None:
    image = shoot(tmp_path, "enter-pin-typing", "--ids", "--size", "720x1280", "--lang", "de")
    assert image.get_size() == (720, 1280)
    assert pixel(image, (360, 3)) == theme_for(Settings()).palette.bar


def test_large_text_and_high_contrast(tmp_path: Path) -> None:
    image = shoot(tmp_path, "puk-recovery-app", "--ids", "--size", "1920x1080",
                  "--large-text", "--high-contrast")
    assert image.get_size() == (1920, 1080)
    assert pixel(image, (960, 1075)) == theme_for(Settings(high_contrast=True)).palette.background


def test_the_default_size_is_the_7_inch_panel(tmp_path: Path) -> None:
    assert shoot(tmp_path, "attract", "--ids").get_size() == (800, 480)


@pytest.mark.skipif(not i18n.mo_path("it").exists(), reason="catalogues not compiled yet")
def test_with_the_real_catalogue(tmp_path: Path) -> None:
    assert shoot(tmp_path, "wrong-pin", "--lang", "it").get_size() == (800, 480)


@pytest.mark.parametrize("arguments", [
    ["--state", "nowhere", "--out", "x.png"],
    ["--state", "menu"],
    ["--state", "menu", "--size", "800", "--out", "x.png"],
    ["--state", "menu", "--lang", "xx", "--out", "x.png"],
])
def test_bad_usage_is_exit_code_2(tmp_path: Path, arguments: list[str]) -> None:
    done = run_kiosk("screenshot", *arguments)
    assert done.returncode == 2
    assert not (tmp_path / "x.png").exists()
