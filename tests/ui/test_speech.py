"""What the kiosk says, and when: the narrator over hand-built views and over the real session
driven against the in-process virtual CIE. The test PIN and PUK are never said, in any form."""

from __future__ import annotations

import doctest
import logging
import wave
from collections.abc import Callable, Iterable
from dataclasses import fields, replace
from pathlib import Path

import pytest

from kiosk.hardware.audio import EspeakSpeaker, RecordingSpeaker, check_speakable
from kiosk.journeys import (
    Choice,
    Confirmed,
    DigitDeleted,
    DigitTyped,
    Event,
    ExtendSession,
    LanguageChosen,
    Screen,
    Timing,
    View,
)
from kiosk.journeys.catalogue import error_view
from kiosk.journeys.views import (
    Desk,
    ErrorView,
    HelpView,
    Language,
    PadView,
    WarningView,
    facts,
)
from kiosk.ui.i18n import Catalog
from kiosk.ui.speech import (
    DIGIT_DELETED,
    DIGIT_ENTERED,
    PAD_COMPLETE,
    Narrator,
    pad_text,
    screen_text,
)
from tests.conftest import TEST_NEW_PIN, TEST_PIN, TEST_PUK
from tests.journeys.harness import Kiosk, ScriptedWorker, set_tries

Card = Callable[..., Path]
CODICE_FISCALE = "RSSMRA95A58H501Z"  # the virtual card's holder
DIGIT_WORDS = {
    "it": "zero uno due tre quattro cinque sei sette otto nove",
    "en": "zero one two three four five six seven eight nine",
    "de": "null eins zwei drei vier fünf sechs sieben acht neun",
    "fr": "zéro un deux trois quatre cinq six sept huit neuf",
    "sl": "nič ena dve tri štiri pet šest sedem osem devet",
}


class Ids:
    """A translator that shows the id and its values, so a test sees exactly what was asked."""

    def __init__(self, language: str = "it") -> None:
        self.language = language

    def text(self, message_id: str, **values: object) -> str:
        shown = ",".join(f"{key}={value}" for key, value in sorted(values.items()))
        return f"{self.language}:{message_id}" + (f"[{shown}]" if shown else "")


def narrator() -> tuple[Narrator, RecordingSpeaker]:
    speaker = RecordingSpeaker()
    return Narrator(speaker, Ids), speaker


def secret_forms(secret: str) -> list[str]:
    """The ways a code could leak into a phrase: whole, halves, spaced, hyphenated, in words."""
    forms = [secret, secret[:4], secret[4:], " ".join(secret), "-".join(secret),
             ", ".join(secret)]
    for words in DIGIT_WORDS.values():
        names = words.split()
        forms.append(" ".join(names[int(digit)] for digit in secret[:3]))
    return forms


def assert_never_said(said: Iterable[tuple[str, str]], *secrets: str) -> None:
    for _, text in said:
        folded = text.casefold()
        for secret in secrets:
            for form in secret_forms(secret):
                assert form.casefold() not in folded, f"a form of a secret was said: {form!r}"
        assert CODICE_FISCALE.casefold() not in folded
        check_speakable(text)  # and the speaker's own rule holds for every phrase


# -- when: the narrator over hand-built views -------------------------------------------------

def test_a_new_screen_is_read_in_full_and_an_equal_view_says_nothing() -> None:
    teller, speaker = narrator()
    menu = View(Screen.MENU, (Choice.CHECK_CARD, Choice.TEST_PIN, Choice.LOST_CODES))
    said = teller.show(menu)
    assert said == ("it:session.menu.title.\nit:session.menu.body.\n"
                    "1: it:choice.check_card, 2: it:choice.test_pin, 3: it:choice.lost_codes, "
                    "4: it:ui.cancel, 0: it:help.button.")
    assert teller.show(View(Screen.MENU, (Choice.CHECK_CARD, Choice.TEST_PIN,
                                          Choice.LOST_CODES))) is None
    assert speaker.said == [("it", said)]


def test_the_pad_says_positions_never_digits() -> None:
    teller, speaker = narrator()
    teller.show(View(Screen.ENTER_PIN, pad=PadView(0)))
    speaker.clear()
    for entered in [1, 2, 3, 2, 3, 4, 5, 6, 7, 8]:
        teller.show(View(Screen.ENTER_PIN, pad=PadView(entered)))
    assert [text for _, text in speaker.said] == [
        "it:speech.pin.digit_entered[n=1,total=8].",
        "it:speech.pin.digit_entered[n=2,total=8].",
        "it:speech.pin.digit_entered[n=3,total=8].",
        "it:speech.pin.digit_deleted.",
        "it:speech.pin.digit_entered[n=3,total=8].",
        *(f"it:speech.pin.digit_entered[n={n},total=8]." for n in range(4, 8)),
        "it:speech.pin.digit_entered[n=8,total=8].\nit:speech.pin.complete.",
    ]
    # every phrase cut the previous one short, as a screen reader does
    assert speaker.speaking and speaker.interrupted[1:] == speaker.said[:-1]


def test_the_pad_view_holds_a_count_and_nothing_else() -> None:
    assert [field.name for field in fields(PadView)] == ["entered", "length"]
    assert pad_text(PadView(2), PadView(2), Ids()) is None
    assert pad_text(None, PadView(1, 6), Ids()) == f"it:{DIGIT_ENTERED}[n=1,total=6]."
    assert pad_text(PadView(1), PadView(0), Ids()) == f"it:{DIGIT_DELETED}."
    assert PAD_COMPLETE in (pad_text(PadView(7), PadView(8), Ids()) or "")


def test_an_error_is_said_with_its_remedy_tries_and_support_code() -> None:
    teller, _ = narrator()
    view = View(Screen.WRONG_PIN, (Choice.RETRY, Choice.LOST_CODES, Choice.DONE),
                facts(pin_tries_left=2), error=error_view("WRONG_PIN", tries_left=2))
    said = teller.show(view)
    assert said is not None
    assert said.split("\n") == [
        "it:pin.wrong.title.",
        "it:error.wrong_pin.",
        "it:pin.tries_left[tries_left=2].",  # once, though both the error and a fact carry it
        "it:remedy.retype_pin.",
        "it:pin.wrong.body.",
        "it:error.support_code[support_code=E-PIN-01].",
        "1: it:choice.retry, 2: it:choice.lost_codes, 3: it:choice.done, 4: it:ui.cancel, "
        "0: it:help.button.",
    ]


def test_the_holder_is_named_but_the_codice_fiscale_and_dates_are_left_to_the_screen() -> None:
    teller, _ = narrator()
    view = View(Screen.PIN_WORKS, (Choice.DONE,), facts(
        given_name="MARIA", surname="ROSSI", codice_fiscale=CODICE_FISCALE,
        certificate="certificate.valid", certificate_expires="2031-05-14",
        works_for_entra_con_cie=True))
    said = teller.show(view) or ""
    assert "identity.name[given_name=MARIA,surname=ROSSI]" in said
    assert "certificate.valid" in said and "identity.entra_con_cie.yes" in said
    assert CODICE_FISCALE not in said and "codice_fiscale" not in said
    assert "2031" not in said and "certificate.expires" not in said


def test_the_timeout_warning_is_said_when_it_comes_at_ten_seconds_and_when_it_goes() -> None:
    teller, speaker = narrator()
    menu = View(Screen.LOST_WHAT, (Choice.LOST_PUK, Choice.LOST_BOTH))
    teller.show(menu)
    speaker.clear()
    for seconds in [30, 29, 20, 11, 10, 9]:
        teller.show(View(Screen.LOST_WHAT, (Choice.LOST_PUK, Choice.LOST_BOTH),
                         warning=WarningView(seconds, 10)))
    assert [text for _, text in speaker.said] == [
        "it:overlay.timeout.title.\n"
        "it:overlay.timeout.body[extensions_left=10,seconds_left=30].\n"
        "it:overlay.timeout.extend.",
        "it:overlay.timeout.title.\n"
        "it:overlay.timeout.body[extensions_left=10,seconds_left=10].\n"
        "it:overlay.timeout.extend.",
    ]
    teller.show(menu)  # extended: the citizen is told where they are again
    assert speaker.last == ("it", screen_text(menu, Ids()))


def test_the_last_extension_is_not_offered() -> None:
    said = screen_text(View(Screen.MENU, warning=WarningView(25, 0)), Ids())
    assert "overlay.timeout.body" in said and "overlay.timeout.extend" not in said


def test_a_new_language_rereads_the_screen_in_it() -> None:
    teller, speaker = narrator()
    teller.show(View(Screen.LAY_CARD))
    teller.show(View(Screen.LAY_CARD, language=Language.DE))
    assert speaker.said[-1] == ("de", "de:card.lay.title.\nde:card.lay.body.\n"
                                      "1: de:ui.cancel, 0: de:help.button.")


def test_repeat_silence_and_forget() -> None:
    teller, speaker = narrator()
    assert teller.repeat() is None
    view = View(Screen.LAY_CARD)
    first = teller.show(view)
    assert teller.repeat() == first and speaker.said[-1] == speaker.said[-2]
    teller.silence()
    assert not speaker.speaking
    teller.forget()
    assert teller.show(view) == first  # a new session reads the same screen again


class Careless(Ids):
    """A catalogue whose body text holds a year (say, a badly translated screen)."""

    def text(self, message_id: str, **values: object) -> str:
        return "Valido fino al 2031" if message_id.endswith(".body") else message_id


def test_a_phrase_the_speaker_refuses_falls_back_to_the_screen_without_facts(
        caplog: pytest.LogCaptureFixture) -> None:
    speaker = RecordingSpeaker()
    teller = Narrator(speaker, Careless)
    with caplog.at_level(logging.WARNING):
        said = teller.show(View(Screen.CHECK_RESULT, (Choice.DONE,),
                                error=ErrorView("X", "error.x", "remedy.y", "E-GEN-00")))
    assert said == ("check.result.title.\nerror.x.\nremedy.y.\n"
                    "error.support_code.\n1: choice.done, 2: ui.cancel, 0: help.button.")
    assert speaker.said == [("it", said)]
    assert "SPEECH_REFUSED" in caplog.text and "2031" not in caplog.text


# -- never: the narrator over the real session and the virtual card --------------------------

class SpokenKiosk(Kiosk):
    """The test kiosk with a narrator watching every view, as the UI loop will."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.speaker = RecordingSpeaker()
        self.narrator = Narrator(self.speaker, Ids)
        self.narrator.show(self.view)

    def send(self, event: Event) -> View:
        view = super().send(event)
        self.narrator.show(view)
        return view


def test_testing_the_pin_says_positions_and_the_result_never_the_pin(
        issued_card: Card, test_pki: Path) -> None:
    kiosk = SpokenKiosk(issued_card(), test_pki)
    try:
        kiosk.open(Choice.TEST_PIN)
        kiosk.insert()
        assert kiosk.screen is Screen.ENTER_PIN
        start = len(kiosk.speaker.said)
        assert kiosk.type(TEST_PIN).screen is Screen.PIN_WORKS
        said = [text for _, text in kiosk.speaker.said[start:]]
        assert said[:8] == [f"it:speech.pin.digit_entered[n={n},total=8]."
                            for n in range(1, 8)] + [
            "it:speech.pin.digit_entered[n=8,total=8].\nit:speech.pin.complete."]
        assert any("pin.works.title" in text and "given_name=MARIA" in text for text in said)
        assert_never_said(kiosk.speaker.said, TEST_PIN)
    finally:
        kiosk.close()


def pad_phrases(issued_card: Card, test_pki: Path, pin: str) -> list[tuple[str, str]]:
    kiosk = SpokenKiosk(issued_card(), test_pki)
    try:
        kiosk.open(Choice.TEST_PIN)
        kiosk.insert()
        start = len(kiosk.speaker.said)
        for index, char in enumerate(pin):
            kiosk.send(DigitTyped(ord(char)))
            if index == 4:
                kiosk.send(DigitDeleted())
                kiosk.send(DigitTyped(ord(char)))
        return kiosk.speaker.said[start:]
    finally:
        kiosk.close()


def test_what_is_said_on_the_pad_does_not_depend_on_the_digits(issued_card: Card,
                                                               test_pki: Path) -> None:
    mine = pad_phrases(issued_card, test_pki, TEST_PIN)
    assert mine == pad_phrases(issued_card, test_pki, "00000000")
    assert mine == pad_phrases(issued_card, test_pki, TEST_PUK)
    assert len(mine) == 10


def test_unblocking_never_says_the_puk_or_the_new_pin(issued_card: Card,
                                                      test_pki: Path) -> None:
    profile = issued_card()
    set_tries(profile, pin=0, puk=10)
    kiosk = SpokenKiosk(profile, test_pki)
    try:
        kiosk.open(Choice.UNBLOCK_PIN)
        kiosk.insert()
        assert kiosk.screen is Screen.PUK_TRIES
        kiosk.choose(Choice.CONTINUE)
        kiosk.type(TEST_PUK)
        kiosk.choose(Choice.CONTINUE)  # the new PIN's rules
        kiosk.type(TEST_NEW_PIN)
        assert kiosk.type(TEST_NEW_PIN).screen is Screen.PIN_UNBLOCKED
        said = " ".join(text for _, text in kiosk.speaker.said)
        assert "puk.enter.title" in said and "pin.repeat_new.title" in said
        assert "puk.pin_unblocked.title" in said
        assert_never_said(kiosk.speaker.said, TEST_PUK, TEST_NEW_PIN, TEST_PIN)
    finally:
        kiosk.close()


def test_the_session_warning_is_spoken_with_the_seconds_left() -> None:
    kiosk = SpokenKiosk(None, worker=ScriptedWorker([]),
                        timing=Timing(idle_seconds=60, warning_seconds=30))
    kiosk.open(Choice.LOST_CODES)
    kiosk.wait(59)
    start = len(kiosk.speaker.said)
    kiosk.wait(1)
    kiosk.wait(1)
    kiosk.wait(18)  # 11 s left: nothing new
    kiosk.wait(1)  # 10 s left: said once more
    assert [text.split("\n")[1] for _, text in kiosk.speaker.said[start:]] == [
        "it:overlay.timeout.body[extensions_left=10,seconds_left=30].",
        "it:overlay.timeout.body[extensions_left=10,seconds_left=10].",
    ]
    kiosk.send(ExtendSession())
    assert kiosk.speaker.last is not None
    assert kiosk.speaker.last[1].startswith("it:lost.what.title.")
    kiosk.send(Confirmed())  # a key that changes nothing says nothing
    assert kiosk.speaker.last[1].startswith("it:lost.what.title.")


# -- the real catalogue, in every language, and on to espeak-ng -------------------------------

def strict(language: str) -> Catalog:
    return Catalog(language, strict=True)  # a missing id or value fails the test


@pytest.mark.parametrize("language", list(Language), ids=lambda language: language.value)
def test_a_pin_test_in_every_language_with_the_real_catalogue(
        issued_card: Card, test_pki: Path, language: Language) -> None:
    kiosk = SpokenKiosk(issued_card(), test_pki)
    kiosk.narrator = Narrator(kiosk.speaker, strict)
    try:
        kiosk.choose(Choice.START)
        languages = kiosk.speaker.last
        assert languages is not None and all(name in languages[1] for name in (
            "Italiano", "English", "Deutsch"))  # the language screen names every language
        assert kiosk.send(LanguageChosen(language)).screen is Screen.MENU
        kiosk.choose(Choice.TEST_PIN)
        kiosk.insert()
        kiosk.type(TEST_PIN[:3], confirm=False)
        assert kiosk.speaker.last == (language.value, strict(language.value).text(
            DIGIT_ENTERED, n=3, total=8))
        kiosk.send(DigitDeleted())
        assert kiosk.type(TEST_PIN[2:]).screen is Screen.PIN_WORKS
        assert kiosk.speaker.last is not None and "MARIA" in kiosk.speaker.last[1]
        assert {spoken for spoken, _ in kiosk.speaker.said[2:]} == {language.value}
        assert_never_said(kiosk.speaker.said, TEST_PIN)
    finally:
        kiosk.close()


def test_a_wrong_pin_heard_in_italian(issued_card: Card, test_pki: Path) -> None:
    kiosk = SpokenKiosk(issued_card(), test_pki)
    kiosk.narrator = Narrator(kiosk.speaker, strict)
    try:
        kiosk.open(Choice.TEST_PIN)
        kiosk.insert()
        assert kiosk.type("00000000").screen is Screen.WRONG_PIN
        said = kiosk.speaker.last
        assert said is not None
        assert "E-PIN-01" not in said[1]  # a result, not an error: its own words, once
        assert "1: Riprova, 2: Torna al menu, 0: Aiuto" in said[1]
        assert said[1].split("\n")[:3] == [  # the title, one sentence, the tries left
            "PIN sbagliato.",
            "Controlli il PIN e riprovi: dopo 3 PIN sbagliati di seguito il PIN si blocca.",
            "Tentativi rimasti per il PIN: 2 su 3."]
        assert_never_said(kiosk.speaker.said, TEST_PIN)
    finally:
        kiosk.close()


def test_what_the_narrator_says_is_really_spoken(tmp_path: Path) -> None:
    speaker = EspeakSpeaker(wav_dir=tmp_path)
    teller = Narrator(speaker, strict)
    teller.show(View(Screen.ENTER_PIN, pad=PadView(0), facts=facts(pin_tries_left=3)))
    teller.show(View(Screen.ENTER_PIN, pad=PadView(1), facts=facts(pin_tries_left=3)))
    assert speaker.wait(30)
    speaker.close()
    with wave.open(str(tmp_path / "0001.wav")) as wav:
        seconds = wav.getnframes() / wav.getframerate()
    assert 1.0 < seconds < 6.0  # "Cifra 1 di 8 inserita."


def test_the_docstring_example_holds() -> None:
    import kiosk.ui.speech

    assert doctest.testmod(kiosk.ui.speech).failed == 0


def test_what_the_card_is_doing_is_said_alone_as_it_changes() -> None:
    speaker = RecordingSpeaker()
    narrator = Narrator(speaker, lambda language: Catalog(language, strict=True))
    working = View(Screen.WORKING, can_cancel=False)
    assert narrator.show(working) is not None
    said = narrator.show(replace(working, facts=facts(doing="card.doing.securing")))
    assert said == "Apertura di un canale sicuro con la carta…"
    assert narrator.show(replace(working, facts=facts(doing="card.doing.securing"))) is None


def test_the_help_overlay_is_heard_and_closing_it_rereads_the_screen() -> None:
    teller, speaker = narrator()
    pad = View(Screen.ENTER_PIN, pad=PadView(3))
    teller.show(pad)
    said = teller.show(replace(pad, help=HelpView(Desk.WHEN_BACK)))
    assert said == "it:help.when_back.title.\nit:help.when_back.body.\n1: it:help.close."
    assert teller.show(pad) == screen_text(pad, Ids())  # back where the citizen was
    assert "it:help.button" in speaker.said[-1][1]  # and the help button is named with it
