"""The kiosk's lights, buzzer and sensors on the sim profile's mock pins: ``kiosk run``'s loop
(pygame's dummy driver, the virtual card laid with F2) drives gpiozero's devices, and the
sim keys F3 to F5 act on the pins as a case's door, a passer-by and a headphone plug would.
What the lights did is read from each pin's own history, as gpiozero's MockPin records it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pygame
import pytest
from gpiozero.pins.mock import MockFactory

from kiosk import config
from kiosk.app import Kiosk
from kiosk.hardware.audio import RecordingSpeaker
from kiosk.hardware.indicators import Light
from kiosk.hardware.reader import ReaderAttached, ReaderDetached
from kiosk.journeys import Lock, Screen, Unlock
from kiosk.lights import Lights
from kiosk.sim import issuing
from tests.conftest import run_kiosk
from tests.ui.conftest import sim_config
from tests.ui.test_kiosk import press, pump_until, until_test_pin_asks_for_the_card

GUIDANCE, STATUS, BUZZER, TAMPER, PRESENCE, HEADPHONES = 18, 23, 24, 17, 27, 22
PIN_MAP = (f'gpio = {{ factory = "mock", guidance_light = {GUIDANCE}, status_led = {STATUS}, '
           f"buzzer = {BUZZER}, tamper = {TAMPER}, presence = {PRESENCE}, "
           f"headphones = {HEADPHONES} }}\n")
HEADPHONES_DEVICE = "plughw:CARD=Headphones"
# As slow as a real CIE, so the reading screen stays long enough to see the light blink.
EXTRA = f'card_timing = "cie"\nspeech_headphones = "{HEADPHONES_DEVICE}"\n{PIN_MAP}'


@pytest.fixture
def speaker() -> RecordingSpeaker:
    return RecordingSpeaker()


@pytest.fixture(scope="module")
def demo_card(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo card and its PKI for the module (issuing one takes seconds)."""
    return issuing.write_card(tmp_path_factory.mktemp("card") / "card.json").parent


@pytest.fixture
def state(tmp_path: Path, demo_card: Path) -> Path:
    """A state directory with a fresh copy of the demo card."""
    shutil.copy(demo_card / "card.json", tmp_path / "card.json")
    shutil.copytree(demo_card / "card.pki", tmp_path / "card.pki")
    return tmp_path


@pytest.fixture
def kiosk(state: Path, speaker: RecordingSpeaker) -> Iterator[Kiosk]:
    running = Kiosk(config.parse(sim_config(state, EXTRA), "test"), speaker=speaker)
    running.start()
    yield running
    running.stop()


def pin_states(kiosk: Kiosk, pin: int) -> list[bool]:
    assert isinstance(kiosk.pins, MockFactory)
    return [change.state for change in kiosk.pins.pin(pin).states]


def pin_is_on(kiosk: Kiosk, pin: int) -> bool:
    return pin_states(kiosk, pin)[-1]


def blinked(states: list[bool]) -> bool:
    """On, off, on again: a light that only went out does not count."""
    return any(a and not b and c for a, b, c in zip(states, states[1:], states[2:],
                                                    strict=False))


def while_reading(kiosk: Kiosk, pin: int, seen: Callable[[list[bool]], bool]) -> bool:
    """Pump the loop while the card is read; whether ``seen`` held for the pin's changes made
    in that time before the reading ended."""
    pump_until(kiosk, lambda: kiosk.session.view.screen is Screen.WORKING)
    start = len(pin_states(kiosk, pin)) - 1
    while kiosk.session.view.screen is Screen.WORKING:
        if seen(pin_states(kiosk, pin)[start:]):
            return True
        kiosk.pump(0.02)
    return False


def test_the_guidance_light_shows_where_to_lay_the_card_and_blinks_while_it_is_read(
        kiosk: Kiosk) -> None:
    assert not pin_is_on(kiosk, GUIDANCE)  # the attract screen
    assert pin_is_on(kiosk, STATUS)  # serving
    until_test_pin_asks_for_the_card(kiosk)
    assert pin_is_on(kiosk, GUIDANCE)
    press(pygame.K_F2)  # the virtual card on the reader
    assert while_reading(kiosk, GUIDANCE, blinked)
    pump_until(kiosk, lambda: kiosk.session.view.screen is Screen.ENTER_PIN)
    assert not pin_is_on(kiosk, GUIDANCE)
    assert pin_states(kiosk, STATUS) == [False, True]  # on all along
    assert pin_states(kiosk, BUZZER) == [False]  # not in the blind-user mode: silent


def test_the_status_led_blinks_while_the_back_office_locks_the_kiosk(kiosk: Kiosk) -> None:
    kiosk.session.post(Lock("Manutenzione"))
    pump_until(kiosk, lambda: kiosk.session.view.screen is Screen.OUT_OF_ORDER)
    pump_until(kiosk, lambda: blinked(pin_states(kiosk, STATUS)))
    kiosk.session.post(Unlock())
    pump_until(kiosk, lambda: kiosk.session.view.screen is Screen.ATTRACT)
    assert pin_is_on(kiosk, STATUS)


def test_the_status_led_blinks_while_the_reader_is_gone(kiosk: Kiosk) -> None:
    """The virtual reader unplugged and plugged back, as its driver reports it to the monitor
    (in order behind the attachment it reported at start)."""
    driver = kiosk.sim_driver
    assert driver is not None
    driver._events.put(ReaderDetached(driver.READER))
    pump_until(kiosk, lambda: blinked(pin_states(kiosk, STATUS)))
    assert kiosk.lights == Lights(Light.OFF, Light.BLINK)
    driver._events.put(ReaderAttached(driver.READER))
    pump_until(kiosk, lambda: kiosk.lights == Lights(Light.OFF, Light.ON))
    assert pin_is_on(kiosk, STATUS)  # gpiozero stopped the blinking thread before "on"


def test_headphones_make_speech_private_and_the_buzzer_mark_the_card(
        kiosk: Kiosk, speaker: RecordingSpeaker) -> None:
    until_test_pin_asks_for_the_card(kiosk)
    speaker.clear()
    press(pygame.K_F5)  # a plug in the jack
    pump_until(kiosk, lambda: kiosk.blind_mode)
    assert not pin_is_on(kiosk, HEADPHONES)
    # the screen is read again, into the headphones
    assert speaker.heard_on == [HEADPHONES_DEVICE]
    assert "carta" in speaker.said[-1][1].lower()
    press(pygame.K_F2)
    pump_until(kiosk, lambda: kiosk.session.view.screen is Screen.ENTER_PIN)
    # a beep when the card was detected, another when its reading ended
    pump_until(kiosk, lambda: pin_states(kiosk, BUZZER) == [False, True, False, True, False])
    assert set(speaker.heard_on) == {HEADPHONES_DEVICE}
    press(pygame.K_F5)  # pulled out: silence now, then the loudspeaker again
    pump_until(kiosk, lambda: not kiosk.blind_mode)
    assert not speaker.speaking and speaker.device is None


def test_someone_passing_is_noticed_and_the_case_switch_is_driven(kiosk: Kiosk) -> None:
    assert kiosk.presence_at is None
    press(pygame.K_F4)
    pump_until(kiosk, lambda: kiosk.presence_at is not None)
    assert pin_states(kiosk, PRESENCE)[-2:] == [True, False]
    assert not pin_is_on(kiosk, TAMPER)  # the case is shut: the switch holds it low
    press(pygame.K_F3)
    kiosk.pump(0.05)
    assert pin_is_on(kiosk, TAMPER)


def test_the_pins_are_released_and_the_lights_off_when_the_kiosk_stops(state: Path) -> None:
    running = Kiosk(config.parse(sim_config(state, EXTRA), "test"),
                    speaker=RecordingSpeaker())
    running.start()
    pins = running.pins
    running.stop()
    assert isinstance(pins, MockFactory)
    assert not pins.pin(STATUS).state and not pins.pin(GUIDANCE).state
    assert not any(pins._reservations.values())  # every device gave its pin back


def test_a_kiosk_without_a_gpio_section_has_no_pins(state: Path) -> None:
    running = Kiosk(config.parse(sim_config(state), "test"), speaker=RecordingSpeaker())
    running.start()
    try:
        assert running.pins is None and running.surroundings is None
        press(pygame.K_F3)
        running.pump(0.05)  # a sim key with nothing behind it does nothing
        assert running.session.view.screen is Screen.ATTRACT
    finally:
        running.stop()


@pytest.mark.slow
@pytest.mark.skipif(Path("/dev/gpiochip0").exists(), reason="this machine has GPIO")
def test_kiosk_run_off_a_pi_says_why_the_pins_cannot_be_driven(state: Path) -> None:
    conf = state / "kiosk.toml"
    conf.write_text(sim_config(state, 'gpio = { factory = "auto", status_led = 23 }\n'))
    done = run_kiosk("run", "--headless", "--config", str(conf))
    assert done.returncode != 0
    assert "GPIO_UNAVAILABLE" in done.stderr and "rpi-lgpio" in done.stderr
    assert "Traceback" not in done.stderr

