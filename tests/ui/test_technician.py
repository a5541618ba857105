"""The technician's screen of first boot, drawn on SDL's dummy driver: the code, the sentence
naming the file and the key, and what to do in Italian and in English, on every panel size;
every first-boot code has its own remedy in every language."""

from __future__ import annotations

from pathlib import Path

import pygame
import pytest

from kiosk.ui import i18n, technician
from kiosk.ui.theme import Settings
from tests.ui.drawing import SIZES, init

ROOT = Path(__file__).resolve().parents[2]
DETAIL = ("/boot/firmware/kiosk.toml: site.time_zone: Value error, not a time zone of the tz "
          "database, e.g. Europe/Rome")


def catalogs() -> list[i18n.Catalog]:
    return [i18n.Catalog(language, strict=True) for language in ("it", "en")]


@pytest.mark.parametrize("size", SIZES)
def test_the_screen_says_the_code_the_key_and_what_to_do(size: tuple[int, int]) -> None:
    init()
    surface = pygame.Surface(size)
    problem = technician.Problem("PROVISION_INVALID", DETAIL)
    lines = technician.draw(surface, problem, catalogs(), Settings(), seconds_left=12)
    text = " ".join(lines)
    assert "Questo chiosco non è ancora configurato" in lines
    assert "This kiosk is not set up yet" in lines
    assert "Codice di errore: PROVISION_INVALID" in text
    assert "site.time_zone" in text
    assert "Correggere in kiosk.toml la voce indicata qui sopra, poi riavviare." in text
    assert "Correct the key named above in kiosk.toml, then restart." in text
    assert "Nuovo tentativo tra 12 s / Trying again in 12 s" in text
    # Everything drawn lies on the panel: the last line is not pushed off the bottom.
    assert surface.get_at((size[0] // 2, 2)) != surface.get_at((size[0] // 2, size[1] - 2))


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_first_boot_code_has_a_remedy(language: str) -> None:
    catalog = i18n.Catalog(language, strict=True)
    remedies = {catalog.text(remedy) for remedy in technician.REMEDIES.values()}
    assert len(remedies) == len(technician.REMEDIES)
    assert catalog.text(technician.OTHER) not in remedies


def test_the_screenshot_in_the_docs() -> None:
    """docs/screenshots/provision-unreachable.png, redrawn as the kiosk draws it."""
    init()
    surface = pygame.Surface((800, 480))
    problem = technician.Problem(
        "ENROLL_UNREACHABLE", "GET https://backoffice.comune.example:8444/enroll/ca.pem: "
        "unreachable (ConnectTimeout: timed out)")
    technician.draw(surface, problem, catalogs(), Settings(), seconds_left=24)
    pygame.image.save(surface, str(ROOT / "docs" / "screenshots" / "provision-unreachable.png"))
