"""Screens of text and buttons: attract, menu, outcomes, the PUK confirmation, the error with
its remedy and support code, and the language choice."""

from __future__ import annotations

from kiosk.journeys.events import LanguageChosen
from kiosk.journeys.views import Language
from kiosk.ui import messages
from kiosk.ui.screens import (
    Item,
    Scene,
    above_buttons,
    option_items,
    paging_for,
    place_buttons,
    screen_texts,
    text_column,
)
from kiosk.ui.widgets import Look


def draw(scene: Scene) -> None:
    """Buttons at the bottom, the texts above them."""
    text_and_buttons(scene, option_items(scene))


def draw_language(scene: Scene) -> None:
    """One button per language in its own name (the current one primary), then continue."""
    current = scene.view.language
    items = [Item(scene.text(messages.LANGUAGE_NAMES[language.value]),
                  LanguageChosen(language), f"language.{language.value}",
                  Look.PRIMARY if language is current else Look.SECONDARY)
             for language in Language]
    options = option_items(scene)
    for item in options:
        items.append(Item(item.label, item.action, item.name, Look.SECONDARY))
    text_and_buttons(scene, items)


def text_and_buttons(scene: Scene, items: list[Item]) -> None:
    box = above_buttons(scene, scene.content, items)
    paging = paging_for(scene, scene.content, items)
    pages = text_column(scene, box, screen_texts(scene), paging=paging)
    place_buttons(scene, scene.content, items, pages=pages)
