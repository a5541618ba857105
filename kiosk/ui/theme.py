"""The kiosk's look: palette and sizes read from ``data/theme.toml``, in pixels for one panel.

A :class:`Settings` value says what the citizen chose (large text, high contrast) and how
dense the panel is (DPI); :func:`theme_for` turns it into a :class:`Theme` of colours and pixel
sizes. Sizes are millimetres in the data file, so a touch target is at least 12 mm on every
panel (field-references.md D). Example::

    theme = theme_for(Settings(dpi=160, large_text=True))
    theme.target  # 76 px: 12 mm at 160 DPI
"""

from __future__ import annotations

import functools
import importlib.resources
import math
import tomllib
from dataclasses import dataclass, fields, replace
from typing import Any

Colour = tuple[int, int, int]

MM_PER_INCH = 25.4
# A 7" 800x480 panel is about 6.3 px/mm; the configuration gives the real panel's density.
DEFAULT_DPI = 160.0


@dataclass(frozen=True, slots=True)
class Settings:
    """How to draw: the panel's density and the citizen's accessibility choices."""

    dpi: float = DEFAULT_DPI
    large_text: bool = False
    high_contrast: bool = False

    def __post_init__(self) -> None:
        if not 50 <= self.dpi <= 600:
            raise ValueError("a touchscreen's DPI lies between 50 and 600")

    def next_accessibility(self) -> Settings:
        """The accessibility button's cycle: normal → large text → large + high contrast."""
        if not self.large_text:
            return replace(self, large_text=True, high_contrast=False)
        if not self.high_contrast:
            return replace(self, high_contrast=True)
        return replace(self, large_text=False, high_contrast=False)


@dataclass(frozen=True, slots=True)
class Palette:
    background: Colour
    text: Colour
    muted: Colour
    primary: Colour
    on_primary: Colour
    secondary: Colour
    on_secondary: Colour
    disabled: Colour
    on_disabled: Colour
    bar: Colour
    on_bar: Colour
    error: Colour
    success: Colour
    focus: Colour
    overlay: Colour
    help: Colour  # the help button, which must stand out on the top bar
    on_help: Colour
    qr_dark: Colour
    qr_light: Colour


@dataclass(frozen=True, slots=True)
class Theme:
    """Colours and pixel sizes for one panel and one set of accessibility choices."""

    palette: Palette
    px_per_mm: float
    target: int
    gap: int
    margin: int
    text: int
    title: int
    large_text: bool
    body: int  # the body text's size without large text: no label is ever smaller

    def mm(self, millimetres: float) -> int:
        return math.ceil(millimetres * self.px_per_mm)


def min_target_px(dpi: float, target_mm: float = 12.0) -> int:
    """The smallest touch target in pixels on a panel of ``dpi``."""
    return math.ceil(target_mm * dpi / MM_PER_INCH)


def _colour(value: str) -> Colour:
    text = value.removeprefix("#")
    if len(text) != 6:
        raise ValueError(f"theme colour {value!r} is not #RRGGBB")
    return (int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16))


@functools.cache
def _data() -> dict[str, Any]:
    raw = importlib.resources.files("kiosk.ui").joinpath("data/theme.toml").read_text("utf-8")
    return tomllib.loads(raw)


def _palette(name: str) -> Palette:
    table = _data()["palette"][name]
    return Palette(**{f.name: _colour(table[f.name]) for f in fields(Palette)})


@functools.cache
def theme_for(settings: Settings, size: tuple[int, int] = (0, 0)) -> Theme:
    """The theme for ``settings`` on a surface of ``size``: millimetres are the floor, and a
    large panel grows text and targets with its short side, so 1080p is not a postage stamp."""
    sizes = _data()["sizes"]
    px_per_mm = settings.dpi / MM_PER_INCH
    short = min(size)
    scale = float(sizes["large_text_scale"]) if settings.large_text else 1.0

    def text_size(scale: float) -> int:
        return max(int(sizes["min_text_px"]), round(float(sizes["text_mm"]) * px_per_mm * scale),
                   round(short * float(sizes["text_per_short_side"]) * scale))

    text = text_size(scale)
    target = max(min_target_px(settings.dpi, float(sizes["target_mm"])),
                 round(short * float(sizes["target_per_short_side"])))
    return Theme(
        palette=_palette("high_contrast" if settings.high_contrast else "normal"),
        px_per_mm=px_per_mm,
        target=target,
        gap=math.ceil(sizes["gap_mm"] * px_per_mm),
        margin=math.ceil(sizes["margin_mm"] * px_per_mm),
        text=text,
        title=round(text * float(sizes["title_scale"])),
        large_text=settings.large_text,
        body=text_size(1.0),
    )
