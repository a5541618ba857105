"""The pin map in kiosk.toml: what the configuration refuses, and the packaged profiles' maps
(the sim profile's, and the pi profile's commented one, which a technician uncomments)."""

from __future__ import annotations

import pytest

from kiosk import config

PIN_MAP = {"guidance_light": 18, "status_led": 23, "buzzer": 24, "tamper": 17, "presence": 27,
           "headphones": 22}


@pytest.mark.parametrize(("pin_map", "complaint"), [
    ("guidance_light = 18, status_led = 18", "pin 18 is given to both"),
    ("tamper = 28", "tamper"),
    ("presence = 1", "presence"),
    ("factory = \"pigpio\"", "factory"),
    ("buzzer = \"24\"", "buzzer"),
    ("doorbell = 5", "doorbell: unknown key"),
])
def test_a_wrong_pin_map_is_config_invalid(pin_map: str, complaint: str) -> None:
    text = ('[profiles.sim]\nreader = "sim:card.json"\nstate_dir = "/tmp/x"\n'
            f"gpio = {{ {pin_map} }}\n")
    with pytest.raises(config.ConfigError) as raised:
        config.parse(text, "kiosk.toml")
    assert raised.value.code == "CONFIG_INVALID"
    assert complaint in str(raised.value)


def test_the_sim_profile_drives_every_device_on_mock_pins() -> None:
    gpio = config.parse(config.default_config_text(), "kiosk.toml", "sim").profile.gpio
    assert gpio is not None and gpio.factory == "mock"
    assert gpio.model_dump(exclude={"factory"}) == PIN_MAP


def test_the_pi_profiles_commented_pin_map_is_valid_once_uncommented() -> None:
    text = config.default_config_text()
    for key in ("gpio", "speech_headphones"):
        assert f"\n# {key} = " in text
        text = text.replace(f"\n# {key} = ", f"\n{key} = ")
    profile = config.parse(text, "kiosk.toml", "pi").profile
    assert profile.gpio is not None and profile.gpio.factory == "auto"
    assert profile.gpio.model_dump(exclude={"factory"}) == PIN_MAP
    assert profile.speech_headphones == "plughw:CARD=Headphones"
