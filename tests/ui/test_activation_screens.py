"""The activation helper's own drawings, as a real session reaches them: the QR codes read
back by zxing-cpp as the shipped addresses, the card's number large beside the steps, the
receipt drawn where the PUK's first half is; the renewal line's date as each language
writes it, and the line with its offer on the other journeys' end screens."""

from __future__ import annotations

import datetime as dt

import pygame
import pytest
import zxingcpp
from PIL import Image

from kiosk.cli.ui import SCENARIOS, drive
from kiosk.journeys.guidance import ACTIVATION_URL, BOOKING_URL, CIEID_APP_URL
from kiosk.ui import render
from kiosk.ui.i18n import CARD_EXPIRED_ON, CARD_EXPIRES_ON, LANGUAGES, Catalog
from kiosk.ui.theme import Settings
from tests.ui.drawing import SIZES, init, session_views
from tests.ui.test_paging import read_every_page


@pytest.fixture(autouse=True)
def _pygame() -> None:
    init()


def codes(surface: pygame.Surface) -> list[str]:
    raw = pygame.image.tostring(surface, "RGB")
    image = Image.frombytes("RGB", surface.get_size(), raw).convert("L")
    return [found.text for found in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize(("state", "url"), [
    ("activation-levels", ACTIVATION_URL), ("activation-cieid-app", CIEID_APP_URL),
    ("renewal-offer", BOOKING_URL), ("activation-new-card-only", BOOKING_URL),
])
def test_the_qr_codes_are_the_configured_pages(state: str, url: str) -> None:
    surface = pygame.Surface((800, 480))
    render.draw(surface, session_views()[state], Catalog("it"), Settings())
    assert codes(surface) == [url]


def test_the_card_number_stands_large_beside_the_steps_at_every_size() -> None:
    view = session_views()["activation-levels"]
    for size in SIZES:
        layout = render.draw(pygame.Surface(size), view, Catalog("it"), Settings())
        number = layout.marks["card_number"]
        assert pygame.Rect((0, 0), size).contains(number)
        assert not number.colliderect(layout.marks["qr"])


def test_the_receipt_shows_where_the_puks_first_half_is() -> None:
    layout = render.draw(pygame.Surface((800, 480)), session_views()["activation-puk-where"],
                         Catalog("it"), Settings())
    half = layout.marks["puk_half"]
    assert half.width > half.height > 0
    assert all(not half.colliderect(area.rect) for area in layout.areas)


@pytest.mark.parametrize(("language", "expires", "expired"), [
    ("it", "La sua carta scade il 12 marzo 2027.", "La sua carta è scaduta il 12 marzo 2027."),
    ("en", "Your card expires on 12 March 2027.", "Your card expired on 12 March 2027."),
    ("de", "Ihre Karte läuft am 12. März 2027 ab.", "Ihre Karte ist am 12. März 2027 abgelaufen."),
    ("fr", "Votre carte expire le 12 mars 2027.", "Votre carte a expiré le 12 mars 2027."),
    ("sl", "Vaša izkaznica poteče 12. marec 2027.", "Vaša izkaznica je potekla 12. marec 2027."),
])
def test_the_expiry_date_is_written_as_the_language_writes_it(
        language: str, expires: str, expired: str) -> None:
    catalog = Catalog(language, strict=True)
    day = dt.date(2027, 3, 12)
    assert catalog.text(CARD_EXPIRES_ON, date=day) == expires
    assert catalog.text(CARD_EXPIRED_ON, date=day) == expired


@pytest.mark.parametrize("state", ["pin-works-expiring", "pin-changed-expiring",
                                   "pin-unblocked-expiring", "ticket-filed-expiring"])
def test_the_end_screens_say_when_the_card_expires_and_offer_how_to_renew(state: str) -> None:
    """The reminder on the other journeys' end screens, as a real session reaches them: the
    line on one of the pages at 800x480 in large text, in every language, and the offer's
    button with it."""
    for language in LANGUAGES:
        view = drive(SCENARIOS[state], language)
        expires = view.facts["expires_on"]
        assert isinstance(expires, str)
        words = Catalog(language)
        line = words.text(CARD_EXPIRES_ON, date=dt.date.fromisoformat(expires))
        layouts, shown = read_every_page(view, words, (800, 480), Settings(large_text=True))
        assert line in " ".join(text.removeprefix("• ") for text in shown), (state, language)
        assert any(area.name == "choice.how_to_renew" for area in layouts[0].areas)
