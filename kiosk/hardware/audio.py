"""Speech output: a :class:`Speaker` says a phrase in a language, the way a screen reader does.

What to say is decided in :mod:`kiosk.ui.speech`; this room only turns text into sound. A new
phrase interrupts the one being spoken (the citizen has moved on, the old phrase is stale), and
nothing blocks the caller: the UI loop keeps drawing while the kiosk talks.

| capability                        | ``EspeakSpeaker``                  | ``RecordingSpeaker``  |
|-----------------------------------|------------------------------------|-----------------------|
| it, en, de, fr, sl                | yes: voices ``it``, ``en-gb``,     | yes (records the      |
|                                   | ``de``, ``fr-fr``, ``sl``, checked | language code)        |
|                                   | when the speaker is built          |                       |
| plays on the sound card           | yes: ALSA (the Pi's jack or HDMI)  | no                    |
| writes WAV files instead          | yes: ``wav_dir=``, or ``write_wav``| no                    |
| a new phrase interrupts the old   | yes: the old process is ended      | yes: ``interrupted``  |
| rate, volume gain                 | ``rate=`` (words per minute),      | n/a                   |
|                                   | ``amplitude=`` (0 to 200)          |                       |
| knows when a phrase has ended     | yes: the process has exited        | when a test calls     |
|                                   |                                    | ``finish()``          |
| binary or a voice missing         | ``SPEECH_UNAVAILABLE`` when built  | n/a                   |
| another output (:meth:`route`)    | yes: an ALSA device, through aplay | yes: ``heard_on``     |

The text goes to espeak-ng on its standard input, never on the command line, so it cannot be
read in the process list (``ps``, ``/proc/<pid>/cmdline``) by anyone else on the machine.

**What may be spoken** (:func:`check_speakable`, enforced by every backend in :meth:`Speaker.say`).
A kiosk in a town hall talks in a public room, so a phrase must not carry anything that
identifies a person or opens a card:

1. *No number of four digits or more.* Digits count as one number when only spaces, dots,
   commas, hyphens, slashes or underscores stand between them, because that is how a code is
   grouped or spelled aloud (``7391``, ``7 3 9 1``, ``739-146``, ``12.345``). This refuses a PIN
   or a half of one (4 digits, the Comune's receipt), a PUK, a CAN (6), a NIS (12), a card
   number, a telephone number, and also a year: a year cannot be told apart from a PIN half.
   Allowed are what the kiosk legitimately says: tries left ("2"), seconds ("20"), hours ("48"),
   positions ("cifra 3 di 8"), option numbers ("1: …, 2: …") and support codes (``E-PIN-02``).
   ``allow_long_numbers=True`` lifts this rule for one phrase, for a caller that knows the number
   is public (a technician's prompt reading a kiosk number).
2. *No codice fiscale*, whatever its digits: 16 characters shaped as one (including omocodia,
   where digits are replaced by letters), written plainly or spelled with separators. Its digit
   runs are short ("85", "10", "562"), so rule 1 alone would let it through. No flag lifts it.

A refused phrase raises :class:`SpeechRefused`, whose message says which rule, never the text.
"""

from __future__ import annotations

import abc
import logging
import re
import shutil
import subprocess
import threading
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from kiosk.errors import KioskError

log = logging.getLogger(__name__)

# espeak-ng's default is 175 words per minute; 140 is what guidance for older listeners
# suggests (a calm newsreader pace) and still quick enough not to bore anyone.
DEFAULT_RATE = 140
DEFAULT_AMPLITUDE = 100
# The kiosk's languages (those a CIE is printed in) and the espeak-ng voice for each.
VOICES = {"it": "it", "en": "en-gb", "de": "de", "fr": "fr-fr", "sl": "sl"}
STOP_SECONDS = 1.0

_JOIN = r"[ \t.,\-/_]"  # on one line: a line break ends a number
_LONG_NUMBER = re.compile(rf"\d(?:{_JOIN}*\d){{3,}}")
# A separator between two single characters: how a code is spelled ("R S S", "7-3-9").
_SPELLED = re.compile(r"(?<=\b\w)[\s.\-_,/]+(?=\w\b)")
_OMOCODIA = "0-9LMNPQRSTUV"
_CODICE_FISCALE = re.compile(
    rf"(?<![A-Z0-9])[A-Z]{{6}}[{_OMOCODIA}]{{2}}[ABCDEHLMPRST][{_OMOCODIA}]{{2}}"
    rf"[A-Z][{_OMOCODIA}]{{3}}[A-Z](?![A-Z0-9])",
    re.IGNORECASE,
)


class SpeechError(KioskError):
    """Speech output failed or was used wrongly."""

    code = "SPEECH_ERROR"


class SpeechUnavailable(SpeechError, FileNotFoundError):
    """The speech engine, or a voice the kiosk needs, is not installed."""

    code = "SPEECH_UNAVAILABLE"


class SpeechRefused(SpeechError, ValueError):
    """A phrase broke the rule of what may be spoken in a public place (see the module)."""

    code = "SPEECH_REFUSED"


class SpeechClosed(SpeechError):
    """The speaker was asked to talk after :meth:`Speaker.close`."""

    code = "SPEECH_CLOSED"


def speakable_problem(text: str, *, allow_long_numbers: bool = False) -> str | None:
    """Why ``text`` may not be spoken aloud (a reason without the text), or None if it may."""
    if not allow_long_numbers and _LONG_NUMBER.search(text):
        return "a number of four digits or more"
    joined = _SPELLED.sub("", text)
    if _CODICE_FISCALE.search(text) or _CODICE_FISCALE.search(joined):
        return "a codice fiscale"
    return None


def check_speakable(text: str, *, allow_long_numbers: bool = False) -> None:
    """Raise :class:`SpeechRefused` if ``text`` breaks the rule of the module docstring."""
    problem = speakable_problem(text, allow_long_numbers=allow_long_numbers)
    if problem is not None:
        raise SpeechRefused(f"not spoken: the phrase contains {problem}")


class Speaker(abc.ABC):
    """A speech output device: says one phrase at a time, a new one cutting the old one short.

    Backends must override :meth:`_speak` and :meth:`_stop`, and may override :meth:`_close`
    and :attr:`speaking`. The checks (the speakable rule, a closed speaker) live here, so every
    backend refuses the same phrases. Use it as a context manager, or call :meth:`close`.

    >>> with RecordingSpeaker() as speaker:
    ...     speaker.say("Appoggia la carta sul lettore", "it")
    ...     speaker.said
    [('it', 'Appoggia la carta sul lettore')]
    """

    def __init__(self) -> None:
        self._closed = False
        self._lock = threading.Lock()
        self.device: str | None = None

    def say(self, text: str, language: str, *, allow_long_numbers: bool = False) -> None:
        """Start saying ``text`` in ``language`` (``"it"``…) and return at once.

        Raises :class:`SpeechRefused` (nothing is said, the current phrase goes on) when the text
        breaks the speakable rule, :class:`SpeechError` for a language the kiosk does not speak,
        :class:`SpeechClosed` after :meth:`close`.
        """
        check_speakable(text, allow_long_numbers=allow_long_numbers)
        if language not in VOICES:
            raise SpeechError(f"no voice for language {language!r}",
                              code="SPEECH_LANGUAGE_UNSUPPORTED")
        with self._lock:
            if self._closed:
                raise SpeechClosed("the speaker is closed")
            self._stop()
            self._speak(text, language)

    def stop(self) -> None:
        """Silence the phrase being spoken, if any."""
        with self._lock:
            self._stop()

    def route(self, device: str | None) -> None:
        """Say the next phrases on the ALSA ``device`` (the headphones, private), or on the
        default output (None: the loudspeaker). The phrase under way stops: it was meant for
        the other ears."""
        with self._lock:
            self._stop()
            self.device = device

    def close(self) -> None:
        """Stop talking and release the device; idempotent."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._stop()
                self._close()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def speaking(self) -> bool:
        """Whether a phrase is being spoken now."""
        return False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @abc.abstractmethod
    def _speak(self, text: str, language: str) -> None:
        """Start the phrase; the checks are done and nothing else is being spoken."""

    @abc.abstractmethod
    def _stop(self) -> None:
        """End the current phrase at once; nothing if there is none."""

    def _close(self) -> None:  # noqa: B027 (optional for backends, as the docstring says)
        """Release what the backend holds (called once, after :meth:`_stop`)."""


class RecordingSpeaker(Speaker):
    """The virtual speaker: records what it was asked to say, for tests and the sim profile.

    Like gpiozero's ``MockPin``, it keeps the history (``said``: every phrase as
    ``(language, text)``; ``interrupted``: the phrases cut short by a newer one or by
    :meth:`stop`), and lets a test play the outside world: :meth:`finish` is the phrase reaching
    its end, as the loudspeaker would.
    """

    def __init__(self) -> None:
        super().__init__()
        self.said: list[tuple[str, str]] = []
        self.heard_on: list[str | None] = []  # the output of each phrase in ``said``
        self.interrupted: list[tuple[str, str]] = []
        self._current: tuple[str, str] | None = None

    @property
    def speaking(self) -> bool:
        return self._current is not None

    @property
    def last(self) -> tuple[str, str] | None:
        """The last phrase asked for, or None."""
        return self.said[-1] if self.said else None

    def finish(self) -> None:
        """The current phrase has been spoken to its end."""
        self._current = None

    def clear(self) -> None:
        """Forget the history (a test's new chapter)."""
        self.said.clear()
        self.heard_on.clear()
        self.interrupted.clear()

    def _speak(self, text: str, language: str) -> None:
        self._current = (language, text)
        self.said.append(self._current)
        self.heard_on.append(self.device)

    def _stop(self) -> None:
        if self._current is not None:
            self.interrupted.append(self._current)
            self._current = None


def espeak_voices(binary: str) -> set[str]:
    """The voice names espeak-ng knows (``it``, ``en-gb``…)."""
    try:
        done = subprocess.run([binary, "--voices"], capture_output=True, text=True,
                              timeout=10, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        raise SpeechUnavailable(f"espeak-ng did not list its voices: {exc}") from exc
    names = set()
    for line in done.stdout.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 2:
            names.add(fields[1])
    return names


class EspeakSpeaker(Speaker):
    """Speech through espeak-ng, played on the sound card or written to WAV files.

    :param binary: the espeak-ng command (a name on ``PATH`` or a path).
    :param rate: words per minute; see :data:`DEFAULT_RATE`.
    :param amplitude: volume gain, 0 to 200 (espeak-ng's 100 is normal).
    :param wav_dir: when set, each phrase goes to ``<wav_dir>/NNNN.wav`` instead of the sound
        card (a headless machine, tests).
    :param player: the command that plays a phrase on a device chosen by :meth:`route`
        (espeak-ng itself only plays on the default one): aplay, from alsa-utils.
    :raises SpeechUnavailable: espeak-ng or one of the kiosk's voices is not installed.
    """

    def __init__(self, *, binary: str = "espeak-ng", rate: int = DEFAULT_RATE,
                 amplitude: int = DEFAULT_AMPLITUDE, wav_dir: Path | None = None,
                 player: str = "aplay") -> None:
        super().__init__()
        found = shutil.which(binary)
        if found is None:
            raise SpeechUnavailable(
                f"{binary!r} is not installed (Debian package espeak-ng): no speech output")
        missing = sorted(set(VOICES.values()) - espeak_voices(found))
        if missing:
            raise SpeechUnavailable(f"espeak-ng has no voice for {', '.join(missing)}")
        if not 80 <= rate <= 450 or not 0 <= amplitude <= 200:
            raise SpeechError(f"rate {rate} or amplitude {amplitude} out of range",
                              code="SPEECH_BAD_SETTING")
        self.binary, self.rate, self.amplitude, self.wav_dir = found, rate, amplitude, wav_dir
        self.player = player
        self.phrases = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._playing: subprocess.Popen[bytes] | None = None  # the player on a routed device

    def command(self, language: str, wav: Path | None = None, *,
                to_stdout: bool = False) -> list[str]:
        """The espeak-ng command line for a phrase in ``language``: no text in it."""
        argv = [self.binary, "-v", VOICES[language], "-s", str(self.rate),
                "-a", str(self.amplitude), "-b", "1", "--stdin"]
        if wav is not None:
            return [*argv, "-w", str(wav)]
        return [*argv, "--stdout"] if to_stdout else argv

    def playback(self, device: str) -> list[str]:
        """The command that plays espeak-ng's WAV stream (its standard input) on ``device``."""
        return [self.player, "-q", "-D", device]

    def write_wav(self, text: str, language: str, path: Path, *,
                  allow_long_numbers: bool = False) -> None:
        """Say ``text`` into the WAV file ``path`` and return when it is written (blocking)."""
        check_speakable(text, allow_long_numbers=allow_long_numbers)
        if language not in VOICES:
            raise SpeechError(f"no voice for language {language!r}",
                              code="SPEECH_LANGUAGE_UNSUPPORTED")
        done = subprocess.run(self.command(language, path), input=text.encode(),
                              capture_output=True, timeout=60, check=False)
        if done.returncode != 0:
            raise SpeechError(f"espeak-ng failed ({done.returncode})", code="SPEECH_FAILED")

    @property
    def speaking(self) -> bool:
        return any(process is not None and process.poll() is None
                   for process in (self._process, self._playing))

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the current phrase has been spoken; False if ``timeout`` ran out first."""
        for process in (self._process, self._playing):
            try:
                if process is not None:
                    process.wait(timeout)
            except subprocess.TimeoutExpired:
                return False
        return True

    def _speak(self, text: str, language: str) -> None:
        wav = None
        if self.wav_dir is not None:
            wav = self.wav_dir / f"{self.phrases:04d}.wav"
        self.phrases += 1
        pipe: IO[bytes] | None = None
        if wav is None and self.device is not None:  # routed: espeak-ng's WAV into aplay
            self._playing = subprocess.Popen(self.playback(self.device), stdin=subprocess.PIPE,
                                             stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL)
            pipe = self._playing.stdin
        process = subprocess.Popen(
            self.command(language, wav, to_stdout=pipe is not None), stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL if pipe is None else pipe, stderr=subprocess.DEVNULL)
        if pipe is not None:
            pipe.close()  # espeak-ng holds the pipe now; aplay ends when it does
        assert process.stdin is not None
        try:
            process.stdin.write(text.encode())
            process.stdin.close()
        except BrokenPipeError:
            log.warning("espeak-ng exited before reading the phrase")
        self._process = process

    def _stop(self) -> None:
        (process, self._process), (playing, self._playing) = (self._process, None), \
            (self._playing, None)
        for running in (process, playing):
            if running is None:
                continue
            if running.poll() is None:
                running.terminate()
                try:
                    running.wait(STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    running.kill()
                    running.wait()
            elif running.returncode != 0:
                log.warning("%s ended with status %s", "espeak-ng" if running is process
                            else self.player, running.returncode)
