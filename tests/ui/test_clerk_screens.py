"""What the back-office puts on the screen: the out-of-order screen with the clerk's message, a
notice on the attract screen and the menu, and who checked a level-3 authentication; drawn and
spoken in the five languages, the clerk's words as typed."""

from __future__ import annotations

import dataclasses

import pygame
import pytest

from kiosk.hardware.audio import RecordingSpeaker
from kiosk.journeys import (
    Choice,
    Language,
    LanguageChosen,
    Lock,
    Screen,
    ShowNotice,
    Unlock,
    View,
)
from kiosk.journeys.jobs import CheckedBy
from kiosk.journeys.views import facts
from kiosk.ui import i18n, render
from kiosk.ui.i18n import Catalog
from kiosk.ui.speech import Narrator
from kiosk.ui.theme import Settings
from tests.journeys.harness import Kiosk, ScriptedWorker
from tests.ui.drawing import Ids, init, session_views

MESSAGE = "Il lettore è in manutenzione: torniamo alle 14."
SIZE = (800, 480)
BAR = {"ui.accessibility", "help.button",
       *(f"language.{language.value}" for language in Language)}


@pytest.fixture(autouse=True)
def _pygame() -> None:
    init()


def locked(message: str | None = MESSAGE, language: Language = Language.IT) -> View:
    """The view a real session shows once locked, in ``language``."""
    kiosk = Kiosk(None, worker=ScriptedWorker([]))
    kiosk.send(LanguageChosen(language))
    return kiosk.send(Lock(message))


def shown(view: View, catalog: Catalog | Ids) -> list[str]:
    layout = render.draw(pygame.Surface(SIZE), view, catalog, Settings())
    return [text for text, _ in layout.shown]


@pytest.mark.parametrize("language", list(Language), ids=[lang.value for lang in Language])
def test_the_out_of_order_screen_says_what_happened_and_where_help_is(language: Language) -> None:
    view = locked(language=language)
    catalog = Catalog(language.value, strict=True)
    text = " ".join(shown(view, catalog))
    for part in (catalog.title(Screen.OUT_OF_ORDER), catalog.body(Screen.OUT_OF_ORDER),
                 catalog.text(i18n.LOCK_MESSAGE, message=MESSAGE)):
        assert " ".join(part.split()) in text
    assert MESSAGE in text  # the clerk's words, as typed, in any language
    assert "anagrafe" in catalog.body(Screen.OUT_OF_ORDER).lower()  # where help is


def test_the_out_of_order_screen_offers_only_the_top_bar() -> None:
    layout = render.draw(pygame.Surface(SIZE), locked(), Catalog("it"), Settings())
    assert {area.name for area in layout.areas} == BAR
    german = layout.named("language.de")
    assert german.action == LanguageChosen(Language.DE)


def test_without_a_message_the_screen_still_explains() -> None:
    texts = shown(locked(None), Ids())
    assert texts[:2] == ["kiosk.out_of_order.title", "kiosk.out_of_order.body"]
    assert not [text for text in texts if i18n.LOCK_MESSAGE in text]


def test_a_message_shaped_like_a_message_id_is_shown_as_typed() -> None:
    ids = Ids()
    shown(locked("pin.enter"), ids)
    assert (i18n.LOCK_MESSAGE, {"message": "pin.enter"}) in ids.asked
    assert ("pin.enter.title", {}) not in ids.asked


def test_a_notice_is_shown_on_the_attract_screen_and_the_menu() -> None:
    kiosk = Kiosk(None, worker=ScriptedWorker([]))
    notice = "Martedì l'anagrafe chiude alle 12."
    catalog = Catalog("it", strict=True)
    line = catalog.text(i18n.CLERK_NOTICE, message=notice)
    assert any(line in text for text in shown(kiosk.send(ShowNotice(notice)), catalog))
    kiosk.choose(Choice.START)
    assert any(line in text for text in shown(kiosk.choose(Choice.CONTINUE), catalog))
    assert not any(line in text for text in shown(kiosk.send(ShowNotice("")), catalog))


@pytest.mark.parametrize("language", list(Language), ids=[lang.value for lang in Language])
def test_the_pin_works_screen_says_who_checked(language: Language) -> None:
    catalog = Catalog(language.value, strict=True)
    for state, checker in (("pin-works-back-office", CheckedBy.BACK_OFFICE),
                           ("pin-works-kiosk-only", CheckedBy.KIOSK_ONLY)):
        view = dataclasses.replace(session_views()[state], language=language)
        layout = render.draw(pygame.Surface((1280, 800)), view, catalog, Settings())
        text = " ".join(text for text, _ in layout.shown)
        assert catalog.text(checker.value) in text
        other = next(other for other in CheckedBy if other is not checker)
        assert catalog.text(other.value) not in text
    assert not [text for text, _ in render.draw(
        pygame.Surface((1280, 800)), session_views()["pin-works"], catalog, Settings()).shown
        if any(catalog.text(checker.value) in text for checker in CheckedBy)]


# -- spoken ------------------------------------------------------------------------------------


def narrator() -> tuple[Narrator, RecordingSpeaker]:
    speaker = RecordingSpeaker()
    return Narrator(speaker, lambda language: Catalog(language, strict=True)), speaker


def test_the_out_of_order_screen_is_spoken_with_the_clerks_words_in_each_language() -> None:
    teller, speaker = narrator()
    for language in Language:
        said = teller.show(locked(language=language))
        assert said is not None
        catalog = Catalog(language.value)
        assert catalog.title(Screen.OUT_OF_ORDER) in said
        assert catalog.body(Screen.OUT_OF_ORDER) in said
        assert MESSAGE in said
    assert [language for language, _ in speaker.said] == [lang.value for lang in Language]


def test_a_clerks_number_is_shown_but_not_spoken() -> None:
    message = "Chiami lo 0481 123456."
    teller, _ = narrator()
    said = teller.show(locked(message))
    assert said is not None and "0481" not in said
    assert Catalog("it").body(Screen.OUT_OF_ORDER) in said
    assert any("0481 123456" in text for text in shown(locked(message), Catalog("it")))


def test_the_unlocked_kiosk_speaks_the_attract_screen_again() -> None:
    teller, _ = narrator()
    kiosk = Kiosk(None, worker=ScriptedWorker([]))
    teller.show(kiosk.send(Lock(MESSAGE)))
    said = teller.show(kiosk.send(Unlock()))
    assert said is not None and said.startswith(Catalog("it").title(Screen.ATTRACT))


def test_who_checked_is_spoken() -> None:
    teller, _ = narrator()
    view = View(Screen.PIN_WORKS, (Choice.DONE,),
                facts(works_for_entra_con_cie=True, checked_by=CheckedBy.KIOSK_ONLY.value))
    said = teller.show(view)
    assert said is not None and Catalog("it").text(CheckedBy.KIOSK_ONLY.value) in said
