"""Speech output: espeak-ng really speaking (into WAV files), the virtual speaker, and the rule of
what may be spoken aloud in a public place."""

from __future__ import annotations

import array
import doctest
import os
import stat
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.errors import KioskError
from kiosk.hardware.audio import (
    DEFAULT_RATE,
    VOICES,
    EspeakSpeaker,
    RecordingSpeaker,
    Speaker,
    SpeechClosed,
    SpeechRefused,
    SpeechUnavailable,
    check_speakable,
    speakable_problem,
)

PHRASE = "Appoggia la carta d'identità sul lettore, poi digita il PIN."
LONG = "Questa frase è molto lunga e viene interrotta. " * 400


def duration(path: Path) -> float:
    with wave.open(str(path)) as wav:
        return float(wav.getnframes() / wav.getframerate())


def samples(path: Path) -> array.array[int]:
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        return array.array("h", wav.readframes(wav.getnframes()))


# -- the rule of what may be spoken ---------------------------------------------------------

ALLOWED = [
    "Cifra 3 di 8 inserita.",
    "Ti restano 2 tentativi.",
    "La sessione termina tra 20 secondi.",
    "Codice di assistenza: E-PIN-02.",
    "Codice di assistenza: E-CRD-11.",
    "Il recupero del PUK richiede 48 ore.",
    "1: Verifica il PIN, 2: Cambia il PIN, 3: Sblocca la carta.",
    "Tentativi PUK rimasti: 10.\n1: Conferma",  # a line break ends a number
    "MARIA ROSSI",
    "Premi OK.",
]
REFUSED = [
    ("73914628", "digits"),  # a PIN
    ("Il PIN è 7391", "digits"),  # a PIN half (the Comune's receipt)
    ("7 3 9 1 4 6 2 8", "digits"),  # spelled
    ("7-3-9-1", "digits"),
    ("739 146", "digits"),  # grouped
    ("sette: 7, 3, 9, 1", "digits"),
    ("NIS 910718464654", "digits"),
    ("CAN 123456", "digits"),
    ("scade il 14/05/2031", "digits"),  # a year cannot be told apart from a PIN half
    ("carta CA12345AB", "digits"),
    ("RSSMRA95A58H501Z", "codice fiscale"),
    ("codice fiscale rssmra95a58h501z.", "codice fiscale"),
    ("R S S M R A 9 5 A 5 8 H 5 0 1 Z", "codice fiscale"),  # spelled
    ("RSSMRAVRALUHRMNZ", "codice fiscale"),  # omocodia: every digit replaced by a letter
]


@pytest.mark.parametrize("text", ALLOWED)
def test_what_the_kiosk_legitimately_says_is_allowed(text: str) -> None:
    assert speakable_problem(text) is None
    check_speakable(text)


@pytest.mark.parametrize(("text", "rule"), REFUSED)
def test_long_numbers_and_codici_fiscali_are_refused(text: str, rule: str) -> None:
    with pytest.raises(SpeechRefused) as caught:
        check_speakable(text)
    assert caught.value.code == "SPEECH_REFUSED"
    assert isinstance(caught.value, (KioskError, ValueError))
    assert rule in str(caught.value)
    assert text not in str(caught.value)  # the refusal never repeats what it refused


def test_allowing_long_numbers_lifts_only_the_number_rule() -> None:
    check_speakable("Chiosco numero 1042", allow_long_numbers=True)
    with pytest.raises(SpeechRefused):
        check_speakable("Chiosco numero 1042")
    with pytest.raises(SpeechRefused, match="codice fiscale"):
        check_speakable("RSSMRA95A58H501Z", allow_long_numbers=True)


# -- the virtual speaker ----------------------------------------------------------------------

def test_the_recording_speaker_records_and_lets_the_test_end_a_phrase() -> None:
    with RecordingSpeaker() as speaker:
        speaker.say("Benvenuto", "it")
        assert speaker.speaking and speaker.last == ("it", "Benvenuto")
        speaker.finish()  # the loudspeaker got to the end
        assert not speaker.speaking
        speaker.say("Welcome", "en")
        speaker.say("Willkommen", "de")  # interrupts the English phrase
        speaker.stop()  # and this the German one
        assert speaker.said == [("it", "Benvenuto"), ("en", "Welcome"), ("de", "Willkommen")]
        assert speaker.interrupted == [("en", "Welcome"), ("de", "Willkommen")]
        assert not speaker.speaking


# -- the contract every backend keeps ---------------------------------------------------------

@pytest.fixture(params=["recording", "espeak"])
def speaker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Speaker]:
    made: Speaker = RecordingSpeaker() if request.param == "recording" else \
        EspeakSpeaker(wav_dir=tmp_path)
    yield made
    made.close()


def test_a_refused_phrase_is_not_said_and_does_not_cut_the_current_one(speaker: Speaker) -> None:
    speaker.say(LONG, "it")
    with pytest.raises(SpeechRefused):
        speaker.say("Il tuo PIN è 7 3 9 1 4 6 2 8", "it")
    assert speaker.speaking
    if isinstance(speaker, RecordingSpeaker):
        assert speaker.said == [("it", LONG)] and speaker.interrupted == []


def test_every_language_of_the_kiosk_and_no_other(speaker: Speaker) -> None:
    for language in VOICES:
        speaker.say("OK", language)
    with pytest.raises(KioskError) as caught:
        speaker.say("OK", "xx")
    assert caught.value.code == "SPEECH_LANGUAGE_UNSUPPORTED"


def test_close_is_idempotent_and_final(speaker: Speaker) -> None:
    speaker.say(LONG, "it")
    speaker.close()
    speaker.close()
    assert speaker.closed and not speaker.speaking
    with pytest.raises(SpeechClosed) as caught:
        speaker.say("Arrivederci", "it")
    assert caught.value.code == "SPEECH_CLOSED"


def test_stop_silences_and_may_be_called_when_silent(speaker: Speaker) -> None:
    speaker.stop()
    speaker.say(LONG, "it")
    speaker.stop()
    assert not speaker.speaking


# -- espeak-ng really speaking ----------------------------------------------------------------

def test_an_italian_phrase_becomes_audible_speech_of_plausible_length(tmp_path: Path) -> None:
    speaker = EspeakSpeaker()
    wav = tmp_path / "phrase.wav"
    speaker.write_wav(PHRASE, "it", wav)
    # 10 words at 140 words a minute, plus the pauses at the comma and the full stop
    assert 2.5 < duration(wav) < 9.0
    audio = samples(wav)
    assert max(abs(value) for value in audio) > 3000  # not silence
    loud = sum(1 for value in audio if abs(value) > 500)
    assert loud > len(audio) // 5  # mostly voice, not a click in a quiet file


@pytest.mark.parametrize("language", sorted(VOICES))
def test_each_voice_speaks(tmp_path: Path, language: str) -> None:
    wav = tmp_path / f"{language}.wav"
    EspeakSpeaker().write_wav("PIN, 3, 8, OK.", language, wav)
    assert duration(wav) > 0.8 and max(samples(wav)) > 3000


def test_the_kiosk_speaks_slower_than_espeaks_default(tmp_path: Path) -> None:
    calm, brisk = tmp_path / "calm.wav", tmp_path / "brisk.wav"
    EspeakSpeaker().write_wav(PHRASE, "it", calm)
    EspeakSpeaker(rate=175).write_wav(PHRASE, "it", brisk)
    assert DEFAULT_RATE < 175
    assert duration(calm) > duration(brisk) * 1.1


def test_say_returns_at_once_and_a_new_phrase_interrupts_the_old(tmp_path: Path) -> None:
    speaker = EspeakSpeaker(wav_dir=tmp_path)
    first, second = tmp_path / "0000.wav", tmp_path / "0001.wav"
    speaker.say(LONG, "it")  # minutes of speech
    assert speaker.speaking  # say did not wait for it
    deadline = time.monotonic() + 10
    while not first.exists() and time.monotonic() < deadline:
        time.sleep(0.01)  # until espeak-ng is in the middle of the long phrase
    speaker.say(PHRASE, "it")
    assert speaker.wait(30) and not speaker.speaking
    # The long phrase was cut: at 16-bit 22 kHz its 2800 words would be over 50 MB of audio.
    assert first.stat().st_size < 5_000_000
    assert 2.5 < duration(second) < 9.0
    speaker.close()


def test_the_text_never_appears_on_a_command_line(tmp_path: Path) -> None:
    speaker = EspeakSpeaker(wav_dir=tmp_path)
    marker = "Parolasegretissima"
    speaker.say(f"{marker}. {LONG}", "it")
    try:
        assert speaker.speaking
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    cmdline = (entry / "cmdline").read_bytes()
                except OSError:
                    continue  # the process ended meanwhile
                assert marker.encode() not in cmdline
        assert marker not in " ".join(speaker.command("it"))
    finally:
        speaker.close()


# -- routed to another output (the headphones) ----------------------------------------------

def test_the_contract_routes_and_a_route_cuts_the_phrase_short(speaker: Speaker) -> None:
    speaker.say(LONG, "it")
    speaker.route("plughw:CARD=Headphones")
    assert not speaker.speaking and speaker.device == "plughw:CARD=Headphones"
    speaker.route(None)
    assert speaker.device is None


def test_the_recording_speaker_records_where_each_phrase_was_heard() -> None:
    with RecordingSpeaker() as speaker:
        speaker.say("Benvenuto", "it")
        speaker.route("plughw:CARD=Headphones")
        speaker.say("Appoggia la carta", "it")
        assert speaker.heard_on == [None, "plughw:CARD=Headphones"]
        assert speaker.interrupted == [("it", "Benvenuto")]


def test_a_routed_phrase_is_played_by_aplay_on_that_device(tmp_path: Path) -> None:
    """espeak-ng plays only on the default output: on a chosen device its WAV stream goes to
    aplay (alsa-utils). ALSA's ``file`` device stands for the headphones here: it writes what
    it is played to a WAV file."""
    heard = tmp_path / "headphones.wav"
    with EspeakSpeaker() as speaker:
        speaker.route(f"file:FILE={heard},FORMAT=wav")
        assert speaker.command("it", to_stdout=True)[-1] == "--stdout"
        assert speaker.playback("plughw:CARD=Headphones") == [
            "aplay", "-q", "-D", "plughw:CARD=Headphones"]
        speaker.say(PHRASE, "it")
        assert speaker.wait(30) and not speaker.speaking
    assert 2.5 < duration(heard) < 9.0
    assert max(abs(value) for value in samples(heard)) > 3000


# -- espeak-ng missing ------------------------------------------------------------------------

def test_a_missing_espeak_is_a_coded_error_when_built() -> None:
    with pytest.raises(SpeechUnavailable) as caught:
        EspeakSpeaker(binary="espeak-ng-not-installed")
    assert caught.value.code == "SPEECH_UNAVAILABLE"
    assert isinstance(caught.value, KioskError)
    assert "espeak-ng" in str(caught.value)


def test_a_missing_voice_is_a_coded_error_when_built(tmp_path: Path) -> None:
    fake = tmp_path / "espeak-ng"
    fake.write_text("#!/bin/sh\n"
                    "echo 'Pty Language       Age/Gender VoiceName          File'\n"
                    "echo ' 5  it              --/M      Italian            roa/it'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    with pytest.raises(SpeechUnavailable) as caught:
        EspeakSpeaker(binary=os.fspath(fake))
    assert caught.value.code == "SPEECH_UNAVAILABLE"
    assert "sl" in str(caught.value) and "de" in str(caught.value)


def test_settings_out_of_range_are_refused_when_built() -> None:
    with pytest.raises(KioskError) as caught:
        EspeakSpeaker(amplitude=500)
    assert caught.value.code == "SPEECH_BAD_SETTING"


def test_the_docstring_example_holds() -> None:
    import kiosk.hardware.audio

    assert doctest.testmod(kiosk.hardware.audio).failed == 0
