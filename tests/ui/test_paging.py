"""Text too long for its box: shrunk down to a floor, then shown in pages, never cut off.

The catalogue test walks every screen a real session reaches, in the five real languages, at
the four panel sizes, in normal and large text: every word of the screen's text must be read
on one of its pages, at no less than the floor size.
"""

from __future__ import annotations

import dataclasses

import pygame
import pytest

from kiosk.journeys import Language, Screen, View
from kiosk.ui import render
from kiosk.ui.fonts import font
from kiosk.ui.i18n import Catalog
from kiosk.ui.screens import MIN_SCALE, Scene, _paginate, _Row, screen_texts
from kiosk.ui.stage import Stage
from kiosk.ui.theme import Settings, theme_for
from kiosk.ui.widgets import Canvas, Layout, UiAction
from tests.ui.drawing import SIZES, init, pixel, session_views

SMALL = (800, 480)
LARGE_TEXT = Settings(large_text=True)


@pytest.fixture(autouse=True)
def _pygame() -> None:
    init()


def words(lines: list[str]) -> list[str]:
    return " ".join(lines).split()


def expected_words(view: View, catalog: Catalog, size: tuple[int, int],
                   settings: Settings) -> list[str]:
    if view.help is not None:  # the help overlay covers the screen: its words are read
        desk = view.help.desk.value
        return words([catalog.text(f"{desk}.title"), catalog.text(f"{desk}.body")])
    canvas = Canvas(pygame.Surface(size), theme_for(settings, size))
    scene = Scene(canvas, view, catalog, 0, pygame.Rect(0, 0, *size))
    return words([text for text, _ in screen_texts(scene)])


def read_every_page(view: View, catalog: Catalog, size: tuple[int, int],
                    settings: Settings) -> tuple[list[Layout], list[str]]:
    first = render.draw(pygame.Surface(size), view, catalog, settings)
    layouts = [first] + [render.draw(pygame.Surface(size), view, catalog, settings, page=page)
                         for page in range(1, first.pages)]
    return layouts, [text for layout in layouts for text, _ in layout.shown]


@pytest.mark.slow
@pytest.mark.parametrize("settings", [Settings(), LARGE_TEXT], ids=["normal", "large-text"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_word_of_every_screen_can_be_read(size: tuple[int, int],
                                                settings: Settings) -> None:
    theme = theme_for(settings, size)
    # The smallest role (the support code) is 4/5 of the body, and may shrink to MIN_SCALE.
    floor = round(theme.text * 4 // 5 * MIN_SCALE)
    for name, view in session_views().items():
        if view.warning is not None:
            continue  # the overlay's text is its own, the screen behind it is not to be read
        if view.screen is Screen.ENTER_EMAIL:
            continue  # the keyboard's pages are keys; it shows the title and what is typed
        for language in Language:
            catalog = Catalog(language.value)
            shown_view = dataclasses.replace(view, language=language)
            layouts, shown = read_every_page(shown_view, catalog, size, settings)
            where = f"{name} {language.value} {size} large={settings.large_text}"
            assert words(shown) == expected_words(shown_view, catalog, size, settings), where
            sizes = [px for layout in layouts for _, px in layout.shown]
            assert min(sizes) >= floor, where
            assert all(layout.pages == layouts[0].pages for layout in layouts), where


def long_view() -> View:
    view = session_views()["puk-recovery-app"]
    return dataclasses.replace(view, language=Language.DE)


def test_a_long_text_gets_page_arrows_drawn_where_they_are_touched() -> None:
    surface = pygame.Surface(SMALL)
    layout = render.draw(surface, long_view(), Catalog("de"), LARGE_TEXT)
    assert layout.pages > 1
    theme = theme_for(LARGE_TEXT, SMALL)
    forward, back = layout.named("ui.page.next"), layout.named("ui.page.back")
    assert forward.action is UiAction.PAGE_NEXT and back.action is UiAction.PAGE_BACK
    assert forward.rect.height >= theme.target and back.rect.height >= theme.target
    # "next" is the primary colour; "back" on the first page leads nowhere and is greyed
    assert pixel(surface, (forward.rect.x + 6, forward.rect.centery)) == theme.palette.primary
    assert pixel(surface, (back.rect.x + 6, back.rect.centery)) == theme.palette.disabled
    last = render.draw(surface, long_view(), Catalog("de"), LARGE_TEXT, page=layout.pages - 1)
    assert pixel(surface, (forward.rect.x + 6, forward.rect.centery)) == theme.palette.disabled
    assert last.named("ui.page.next").rect == forward.rect  # fixed places: the focus stays
    assert last.shown != layout.shown


def test_a_short_text_has_no_pages() -> None:
    layout = render.draw(pygame.Surface((1920, 1080)), session_views()["menu"], Catalog("it"),
                         Settings())
    assert layout.pages == 1
    assert not [area for area in layout.areas if isinstance(area.action, UiAction)
                and area.action is not UiAction.ACCESSIBILITY]
    assert "pages" not in layout.marks


def tap(stage: Stage, name: str) -> object:
    assert stage.layout is not None
    x, y = stage.layout.named(name).rect.center
    return stage.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, y), button=1))


def test_the_stage_turns_the_pages_and_forgets_them_on_a_new_screen() -> None:
    stage = Stage(lambda language: Catalog(language.value), LARGE_TEXT, long_view())
    surface = pygame.Surface(SMALL)
    first = stage.draw(surface)
    assert tap(stage, "ui.page.back") is None and stage.page == 0  # nothing before the first
    for page in range(1, first.pages):
        assert tap(stage, "ui.page.next") is None  # the journeys never hear of pages
        assert stage.page == page and stage.dirty
        assert stage.draw(surface).shown != first.shown
    assert tap(stage, "ui.page.next") is None and stage.page == first.pages - 1
    assert tap(stage, "ui.page.back") is None and stage.page == first.pages - 2
    stage.draw(surface)
    stage.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_PAGEUP))
    assert stage.page == max(0, first.pages - 3)
    stage.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_PAGEDOWN))
    assert stage.page == first.pages - 2
    stage.enter(dataclasses.replace(long_view(), screen=Screen.LOST_PATHS))
    assert stage.page == 0


def test_another_text_size_starts_again_from_the_first_page() -> None:
    stage = Stage(lambda language: Catalog(language.value), Settings(), long_view())
    surface = pygame.Surface(SMALL)
    stage.draw(surface)
    tap(stage, "ui.page.next")
    assert stage.page == 1
    stage.draw(surface)
    tap(stage, "ui.accessibility")
    assert stage.page == 0 and stage.settings.large_text


def test_the_page_keys_do_nothing_on_a_screen_of_one_page() -> None:
    stage = Stage(lambda language: Catalog(language.value), Settings(), session_views()["menu"])
    stage.draw(pygame.Surface((1920, 1080)))
    assert stage.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_PAGEDOWN)) is None
    assert stage.page == 0



class Wordy:
    """A translator whose body texts run long (a screen with no buttons to page beside)."""

    def text(self, message_id: str, **values: object) -> str:
        if message_id.endswith(".body"):
            return " ".join(f"parola{n}" for n in range(120))
        return message_id


def test_without_buttons_the_arrows_get_a_row_of_their_own() -> None:
    view = View(Screen.WORKING, can_cancel=False)
    first = render.draw(pygame.Surface(SMALL), view, Wordy(), Settings())
    assert first.pages > 1
    assert [area.name for area in first.areas][-2:] == ["ui.page.back", "ui.page.next"]
    layouts = [first] + [render.draw(pygame.Surface(SMALL), view, Wordy(), Settings(), page=n)
                         for n in range(1, first.pages)]
    read = words([text for layout in layouts for text, _ in layout.shown])
    assert [word for word in read if word.startswith("parola")] == [
        f"parola{n}" for n in range(120)]


def test_the_arrows_beside_the_buttons_come_last_in_the_focus_order() -> None:
    layout = render.draw(pygame.Surface(SMALL), long_view(), Catalog("de"), LARGE_TEXT)
    names = [area.name for area in layout.areas]
    assert names[-2:] == ["ui.page.back", "ui.page.next"]
    assert names[layout.home].startswith("choice.")  # the ring starts on the first choice
    buttons = [area.rect for area in layout.areas if area.name.startswith("choice.")]
    back, forward = layout.named("ui.page.back").rect, layout.named("ui.page.next").rect
    assert all(back.right < rect.left and rect.right < forward.left for rect in buttons)


def paragraphs(*lengths: int) -> list[list[_Row]]:
    line = font(20)
    return [[_Row(line, 20, (0, 0, 0), f"p{part}.{n}", 5 if n == length - 1 else 0)
             for n in range(length)] for part, length in enumerate(lengths)]


def test_a_paragraph_breaks_across_pages_only_with_two_lines_on_each_side() -> None:
    pitch = paragraphs(1)[0][0].pitch
    height = pitch * 5 + 10  # five lines and two paragraph gaps
    pages = [[row.text for row in page] for page in _paginate(paragraphs(2, 2, 3), height)]
    assert pages == [["p0.0", "p0.1", "p1.0", "p1.1"], ["p2.0", "p2.1", "p2.2"]]
    pages = [[row.text for row in page] for page in _paginate(paragraphs(1, 4), height)]
    assert pages == [["p0.0", "p1.0", "p1.1", "p1.2", "p1.3"]]
    pages = [[row.text for row in page] for page in _paginate(paragraphs(2, 5), height)]
    assert pages == [["p0.0", "p0.1", "p1.0", "p1.1", "p1.2"], ["p1.3", "p1.4"]]
    # three lines would fit after the first paragraph, but one would be left alone: it moves
    pages = [[row.text for row in page] for page in _paginate(paragraphs(2, 4), height)]
    assert pages == [["p0.0", "p0.1"], ["p1.0", "p1.1", "p1.2", "p1.3"]]
    # a paragraph taller than a page fills pages line by line
    assert [len(page) for page in _paginate(paragraphs(12), height)] == [5, 5, 2]
