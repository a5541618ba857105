"""The hand-off's "is this you?" screen: what the chip says (name, document number) beside the
chip's own photo, so the citizen sees what the clerk will see.

DG2's photo is JPEG 2000 on a CIE, which SDL cannot read: Pillow (whose wheels carry OpenJPEG)
decodes it once per photo, and the picture is left out, never the screen, when it cannot.
"""

from __future__ import annotations

import functools
import io

import pygame
from PIL import Image, UnidentifiedImageError

from kiosk.ui.screens import (
    Scene,
    above_buttons,
    option_items,
    paging_for,
    place_buttons,
    screen_texts,
    split,
    text_column,
)


@functools.lru_cache(maxsize=2)
def decoded(photo: bytes) -> pygame.Surface | None:
    try:
        with Image.open(io.BytesIO(photo)) as image:
            rgb = image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    # fromstring, not frombytes: the image runs Debian bookworm's pygame 2.1.2 (its SDL has
    # the kmsdrm display), which has only the older name
    return pygame.image.fromstring(rgb.tobytes(), rgb.size, "RGB")


def draw(scene: Scene) -> None:
    items = option_items(scene)
    box = above_buttons(scene, scene.content, items)
    photo = scene.view.photo
    picture = decoded(photo) if photo is not None else None
    text = box
    if picture is not None:
        text, frame = split(scene, box, 0.62)
        width, height = picture.get_size()
        scale = min(frame.width / width, frame.height / height)
        shown = pygame.transform.smoothscale(
            picture, (max(1, round(width * scale)), max(1, round(height * scale))))
        where = shown.get_rect(center=frame.center)
        scene.canvas.surface.blit(shown, where)
        scene.canvas.marks["photo"] = where
    paging = paging_for(scene, scene.content, items)
    pages = text_column(scene, text, screen_texts(scene), paging=paging)
    place_buttons(scene, scene.content, items, pages=pages)
