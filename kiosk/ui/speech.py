"""What the kiosk says: the spoken form of a journey :class:`~kiosk.journeys.views.View`.

A kiosk is closed functionality (EN 301 549 §5.1.2.2): a blind citizen cannot bring a screen
reader, so the kiosk is its own. Everything the screen shows is spoken through the same
translation catalogue and the same message ids the renderer uses (:mod:`kiosk.ui.messages`),
so the ear and the eye get the same words. The engine that makes the sound is in
:mod:`kiosk.hardware.audio`; this module only decides the words and when to say them.

**When** (:class:`Narrator`), like a screen reader, only on a change:

- a new screen, language, journey, error, options or facts: the full text, in the renderer's
  order (title; error message, tries left, remedy; body; notice; the facts' lines; support
  code), then the PIN pad's count if digits are already in it, the options read out as
  "1: …, 2: …", and the warning if one is shown;
- one more or one less digit in the PIN pad: a short phrase ("Cifra 3 di 8 inserita.",
  "Ultima cifra cancellata."), and "Tutte le cifre sono inserite…" with the last digit;
- the inactivity warning: when it appears and when it passes 10 seconds; when it goes away
  (the citizen asked for more time), the screen's full text again;
- nothing for a view equal to the last one (every clock tick makes one).

**Never**: a PIN, PUK or CAN digit (the pad view carries only the count, and the phrases built
from it depend on nothing else); a line whose value identifies the person or holds a long
number (the codice fiscale, a date, the recovery URL; :func:`speakable_line`): the screen shows
it, the voice leaves it out. A clerk's words (the out-of-order screen's message, a notice) are
a value too: read as typed, unless they hold a long number. The speaker's own rule
(:func:`kiosk.hardware.audio.check_speakable`) is the last line behind this one: if it still
refuses a phrase, the narrator says the screen without its body and facts, and logs the
refusal's code, never the text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

from kiosk.errors import KioskError
from kiosk.journeys.views import PadView, View, WarningView
from kiosk.ui import i18n, messages
from kiosk.ui.messages import Line

log = logging.getLogger(__name__)

# Message ids of the spoken-only phrases (the catalogue has them; positions, never digits).
DIGIT_ENTERED = i18n.SPEECH_DIGIT_ENTERED  # {n}, {total}
DIGIT_DELETED = i18n.SPEECH_DIGIT_DELETED
PAD_COMPLETE = i18n.SPEECH_PIN_COMPLETE

# Values never read aloud, whatever they hold, and the digit count above which any other value
# is not read aloud either (a PIN half has 4 digits; so has a year; a codice fiscale has 7).
UNSPOKEN_VALUES = frozenset({"codice_fiscale", "qr_url", "date", "nis", "serial", "can"})
MAX_VALUE_DIGITS = 3
# The warning is said when it appears, and again when it passes this many seconds.
WARNING_REMINDER_SECONDS = 10
_END = (".", "!", "?", ":", ";", "…")


class Translator(Protocol):
    """What speech needs of the translation catalogue (:class:`kiosk.ui.i18n.Catalog`)."""

    def text(self, message_id: str, **values: object) -> str: ...


class SpeechOutput(Protocol):
    """What the narrator needs of a speaker (:class:`kiosk.hardware.audio.Speaker`)."""

    def say(self, text: str, language: str) -> None: ...

    def stop(self) -> None: ...


def speakable_line(line: Line) -> bool:
    """Whether a line the screen shows may also be read aloud (see the module docstring)."""
    _, values = line
    return not any(key in UNSPOKEN_VALUES or sum(c.isdigit() for c in str(value)) > MAX_VALUE_DIGITS
                   for key, value in values.items())


def _sentence(text: str) -> str:
    """``text`` as a sentence of its own: a pause after it, and no number run into the next."""
    text = text.strip()
    return text if not text or text.endswith(_END) else text + "."


def _join(parts: Iterable[str]) -> str:
    # One part per line: the speaker's number rule does not join digits across lines, so
    # "tentativi: 2" and "1: Riprova" never read as one number.
    return "\n".join(_sentence(part) for part in parts if part.strip())


def _unique(lines: Iterable[Line]) -> Iterator[Line]:
    """Each line once (the tries left come both with the error and as a fact)."""
    seen: list[Line] = []
    for line in lines:
        if line not in seen:
            seen.append(line)
            yield line


def options_text(view: View, tr: Translator) -> str:
    """The buttons, the way back last, numbered as the keypad's digits press them
    ("1: Riprova, 2: Torna al menu"), then the help button, on 0; on a PIN pad the digits
    type, so there the buttons are only named."""
    labels = [tr.text(choice.value) for choice in view.options]
    if view.can_cancel:
        labels.append(tr.text(view.back.value))
    help_label = tr.text(messages.HELP)
    if view.pad is not None:
        return ", ".join([*labels, help_label])
    numbered = [f"{number}: {label}" for number, label in enumerate(labels, start=1)]
    return ", ".join([*numbered, f"0: {help_label}"])


def help_text(view: View, tr: Translator) -> str:
    """The help overlay: what the desk knows of the call, and its one button, on 1."""
    assert view.help is not None
    desk = view.help.desk.value
    return _join([tr.text(f"{desk}.title"), tr.text(f"{desk}.body"),
                  f"1: {tr.text(messages.HELP_CLOSE)}"])


def warning_text(warning: WarningView, tr: Translator) -> str:
    """The inactivity warning with the seconds left, and how to get more time."""
    parts = [tr.text(messages.WARNING_TITLE),
             tr.text(messages.WARNING_BODY, seconds_left=warning.seconds_left,
                     extensions_left=warning.extensions_left)]
    if warning.can_extend:
        parts.append(tr.text(messages.WARNING_EXTEND))
    return _join(parts)


def pad_text(before: PadView | None, now: PadView, tr: Translator) -> str | None:
    """The short phrase for a change of the pad's count; None if the count did not change.

    Only the count and the length go in: the digits are not in the view, and must not be.
    """
    entered = 0 if before is None else before.entered
    if now.entered > entered:
        parts = [tr.text(DIGIT_ENTERED, n=now.entered, total=now.length)]
        if now.complete:
            parts.append(tr.text(PAD_COMPLETE))
        return _join(parts)
    if now.entered < entered:
        return _join([tr.text(DIGIT_DELETED)])
    return None


def screen_lines(view: View, *, with_facts: bool = True) -> Iterator[Line]:
    """The lines of the screen in the renderer's order, less those not to be read aloud:
    title, error (message, tries left, remedy), body, notice, facts, support code.
    ``with_facts=False`` leaves out the body, the notice and the facts."""
    lines: list[Line] = [(messages.title_id(view.screen), {})]
    if view.error is not None:
        lines.extend(messages.error_lines(view.error))
    if with_facts:
        lines.append((messages.body_id(view.screen), {}))
        notice = view.facts.get("notice")
        if isinstance(notice, str) and messages.is_message_id(notice):
            lines.append((notice, {}))
        lines.extend(messages.fact_lines(view.facts))
        lines.extend(_language_lines(view))
    if view.error is not None:
        lines.append((messages.SUPPORT_CODE, {"support_code": view.error.support_code}))
    return _unique(line for line in lines if speakable_line(line))


def _language_lines(view: View) -> Iterator[Line]:
    """The language screen's buttons, each language in its own name ("Italiano", "English")."""
    codes = view.facts.get("languages")
    if isinstance(codes, tuple):
        yield from ((i18n.LANGUAGE_NAMES[code], {}) for code in codes
                    if code in i18n.LANGUAGE_NAMES)


def screen_text(view: View, tr: Translator, *, with_facts: bool = True) -> str:
    """Everything the screen shows that may be heard, as one phrase: its lines, the pad's
    count if digits are in it, the options, the warning if one is shown; or, while the help
    overlay covers the screen, the overlay's."""
    if view.help is not None:
        parts = [help_text(view, tr)]
        if view.warning is not None:
            parts.append(warning_text(view.warning, tr))
        return _join(parts)
    parts = [tr.text(message_id, **values)
             for message_id, values in screen_lines(view, with_facts=with_facts)]
    if view.pad is not None and view.pad.entered:
        parts.append(tr.text(DIGIT_ENTERED, n=view.pad.entered, total=view.pad.length))
    parts.append(options_text(view, tr))
    if view.warning is not None:
        parts.append(warning_text(view.warning, tr))
    return _join(parts)


# The working screen's fact that names what the card is doing (kiosk.journeys.states.DOING).
PROGRESS = "doing"


def _page(view: View) -> tuple[object, ...]:
    """What makes a view a new page to read out (all but the pad's count, the warning, and
    what the card is doing, which is said alone as it changes)."""
    pad_length = None if view.pad is None else view.pad.length
    facts = {key: value for key, value in view.facts.items() if key != PROGRESS}
    return (view.screen, view.language, view.journey, view.options, facts,
            view.error, view.can_cancel, view.back, view.help, pad_length)


class Narrator:
    """Speaks the views the session emits, the way a screen reader follows a screen.

    :param speaker: where the phrases go (a :class:`kiosk.hardware.audio.Speaker`).
    :param catalog: the translator for a language code; ``kiosk.ui.i18n.Catalog`` fits.

    >>> from kiosk.hardware.audio import RecordingSpeaker
    >>> from kiosk.journeys.views import PadView, Screen, View
    >>> class Ids:
    ...     def text(self, message_id, **values): return message_id
    >>> speaker = RecordingSpeaker()
    >>> narrator = Narrator(speaker, lambda language: Ids())
    >>> narrator.show(View(Screen.ENTER_PIN, pad=PadView(0)))
    'pin.enter.title.\\npin.enter.body.\\nui.cancel, help.button.'
    >>> narrator.show(View(Screen.ENTER_PIN, pad=PadView(1)))
    'speech.pin.digit_entered.'
    >>> narrator.show(View(Screen.ENTER_PIN, pad=PadView(1))) is None
    True
    """

    def __init__(self, speaker: SpeechOutput, catalog: Callable[[str], Translator]) -> None:
        self.speaker = speaker
        self._catalog = catalog
        self._translators: dict[str, Translator] = {}
        self._last: View | None = None

    def translator(self, language: str) -> Translator:
        if language not in self._translators:
            self._translators[language] = self._catalog(language)
        return self._translators[language]

    def show(self, view: View) -> str | None:
        """Take the view now on screen; say what changed. Returns the phrase said, or None."""
        before, self._last = self._last, view
        text = self._phrase(before, view)
        return None if text is None else self._say(view, text)

    def repeat(self) -> str | None:
        """Say the current screen again in full (the "repeat" key of an audio keypad)."""
        return None if self._last is None else self._say(self._last, self._full(self._last))

    def silence(self) -> None:
        """Stop talking now (headphones unplugged, the session wiped)."""
        self.speaker.stop()

    def forget(self) -> None:
        """Forget the last view, so the next one is read in full (a new session)."""
        self._last = None

    def _phrase(self, before: View | None, view: View) -> str | None:
        if before is None or _page(before) != _page(view):
            return self._full(view)
        tr = self.translator(view.language.value)
        if before.warning != view.warning:
            return self._warning_change(before.warning, view)
        if view.pad is not None and before.pad != view.pad:
            return pad_text(before.pad, view.pad, tr)
        doing = view.facts.get(PROGRESS)
        if doing != before.facts.get(PROGRESS) and isinstance(doing, str):
            return _sentence(tr.text(doing))
        return None

    def _warning_change(self, before: WarningView | None, view: View) -> str | None:
        now = view.warning
        if now is None:
            return self._full(view)
        if before is None or (before.seconds_left > WARNING_REMINDER_SECONDS >= now.seconds_left):
            return warning_text(now, self.translator(view.language.value))
        return None

    def _full(self, view: View) -> str:
        return screen_text(view, self.translator(view.language.value))

    def _say(self, view: View, text: str) -> str | None:
        language = view.language.value
        try:
            self.speaker.say(text, language)
            return text
        except KioskError as exc:
            if exc.code != "SPEECH_REFUSED":
                raise
            log.warning("speech refused on %s (%s); saying the screen without its facts",
                        view.screen.name, exc.code)
        short = screen_text(view, self.translator(language), with_facts=False)
        try:
            self.speaker.say(short, language)
        except KioskError as exc:
            if exc.code != "SPEECH_REFUSED":
                raise
            log.warning("speech refused on %s again (%s); nothing said", view.screen.name,
                        exc.code)
            return None
        return short
