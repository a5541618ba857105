"""The activation helper's `links` and the renewal reminder's `renewal` in a profile: the
shipped national pages when left out, a Comune's own when given, a wrong address refused with
CONFIG_INVALID; the composition root turns them into the journeys' Guidance."""

from __future__ import annotations

import pytest

from kiosk import config
from kiosk.app import guidance_for
from kiosk.journeys.guidance import ACTIVATION_URL, BOOKING_URL, CIEID_APP_URL

BASE = '[profiles.sim]\nreader = "sim:card.json"\nstate_dir = "/tmp/kiosk"\n'


def test_left_out_the_national_pages_and_180_days() -> None:
    guidance = guidance_for(config.parse(BASE, "test").profile)
    assert (guidance.activation_url, guidance.cieid_app_url, guidance.booking_url) == (
        ACTIVATION_URL, CIEID_APP_URL, BOOKING_URL)
    assert guidance.renewal_window_days == 180 and guidance.comune_text is None


def test_a_comunes_own_pages_and_words() -> None:
    text = BASE + ('links = { activation = "https://c.example.it/a", booking = '
                   '"https://c.example.it/b" }\n'
                   'renewal = { window_days = 90, comune_text = "Sportello 2." }\n')
    guidance = guidance_for(config.parse(text, "test").profile)
    assert guidance.activation_url == "https://c.example.it/a"
    assert guidance.cieid_app_url == CIEID_APP_URL
    assert guidance.booking_url == "https://c.example.it/b"  # links.booking, no renewal's own
    assert (guidance.renewal_window_days, guidance.comune_text) == (90, "Sportello 2.")
    own = text.replace('comune_text', 'booking_url = "https://c.example.it/r", comune_text')
    assert guidance_for(config.parse(own, "test").profile).booking_url == "https://c.example.it/r"


@pytest.mark.parametrize("line", [
    'links = { activation = "http://c.example.it/a" }',  # not https
    'links = { booking = "https://c.example.it/a b" }',
    'links = { elsewhere = "https://c.example.it/" }',
    "renewal = { window_days = -1 }",
    'renewal = { comune_text = "" }',
])
def test_a_wrong_value_is_config_invalid(line: str) -> None:
    with pytest.raises(config.ConfigError) as refused:
        config.parse(BASE + line + "\n", "test")
    assert refused.value.code == "CONFIG_INVALID"
