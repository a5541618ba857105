"""The Stage: the loop's three calls, focus dropped on a new screen, accessibility kept in the
UI, the reading animation stepping with time."""

from __future__ import annotations

import pygame
import pytest

from kiosk.journeys import Choice, Chosen, Language, PadView, Screen, View
from kiosk.ui.stage import FRAME_SECONDS, Stage
from kiosk.ui.theme import Settings
from tests.ui.drawing import Ids, init

MENU = View(Screen.MENU, (Choice.CHECK_CARD, Choice.TEST_PIN))


class Catalogs:
    """A catalogue factory that remembers which languages it was asked for."""

    def __init__(self) -> None:
        self.made: list[Language] = []

    def __call__(self, language: Language) -> Ids:
        self.made.append(language)
        return Ids()


@pytest.fixture
def catalogs() -> Catalogs:
    return Catalogs()


@pytest.fixture
def stage(catalogs: Catalogs) -> Stage:
    init()
    return Stage(catalogs, Settings(), MENU)


def tap(stage: Stage, name: str) -> object:
    assert stage.layout is not None
    x, y = stage.layout.named(name).rect.center
    return stage.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, y), button=1))


def test_a_tap_becomes_the_journey_event(stage: Stage) -> None:
    surface = pygame.Surface((800, 480))
    assert stage.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_DOWN)) is None
    stage.draw(surface)
    assert tap(stage, "choice.test_pin") == Chosen(Choice.TEST_PIN)


def test_the_accessibility_button_stays_in_the_ui(stage: Stage) -> None:
    surface = pygame.Surface((800, 480))
    stage.draw(surface)
    assert not stage.dirty
    assert tap(stage, "ui.accessibility") is None
    assert stage.settings.large_text and stage.dirty


def test_a_new_screen_drops_the_focus_and_the_same_view_changes_nothing(stage: Stage) -> None:
    surface = pygame.Surface((800, 480))
    stage.draw(surface)
    stage.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RIGHT))
    assert stage.mapper.focus is not None and stage.dirty
    stage.draw(surface)
    stage.enter(MENU)
    assert not stage.dirty and stage.mapper.focus is not None
    stage.enter(View(Screen.ENTER_PIN, pad=PadView(0)))
    assert stage.mapper.focus is None and stage.dirty


def test_the_reading_screen_animates_and_others_do_not(stage: Stage) -> None:
    surface = pygame.Surface((800, 480))
    stage.draw(surface)
    assert not stage.update(FRAME_SECONDS * 3)
    stage.enter(View(Screen.WORKING, can_cancel=False))
    stage.draw(surface)
    assert stage.update(FRAME_SECONDS * 2.5)
    assert stage.frame == 2


def test_one_catalogue_per_language(stage: Stage, catalogs: Catalogs) -> None:
    surface = pygame.Surface((800, 480))
    stage.draw(surface)
    stage.draw(surface)
    stage.enter(View(Screen.MENU, MENU.options, language=Language.SL))
    stage.draw(surface)
    assert catalogs.made == [Language.IT, Language.SL]
