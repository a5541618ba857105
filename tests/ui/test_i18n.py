"""The translation catalogues: every message id the journeys can produce has a text in all five
languages with the Italian's placeholders; the template, the .po and the .mo files agree with
the code and with each other; a missing text falls back to Italian at run time."""

from __future__ import annotations

import gettext
import logging
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.catalog import Catalog as BabelCatalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from kiosk.cie.tasks import DigitalIdentity
from kiosk.journeys import catalogue, check_card, common, hand_off, lost_codes, unblock_pin
from kiosk.journeys.certificates import CertificateState
from kiosk.journeys.context import Notice
from kiosk.journeys.jobs import CheckedBy
from kiosk.journeys.pin_rules import PinRule
from kiosk.journeys.views import Choice, Language, Screen
from kiosk.ui import i18n
from kiosk.ui.i18n_extract import ids_in_source, is_message_id
from tests.conftest import ROOT

LOCALES = ROOT / "kiosk" / "ui" / "locales"
POT = LOCALES / "kiosk.pot"


# -- the ids, collected from the journeys' data (not from the extractor) ---------------------


def _fact_ids(facts: object) -> set[str]:
    found: set[str] = set()
    for value in dict(facts).values():  # type: ignore[call-overload]
        items = value if isinstance(value, tuple) else (value,)
        found |= {item for item in items if is_message_id(item)}
    return found


def _check_advice() -> set[str]:
    """Every "what next" of Check my card: one context per branch of its decision."""
    def ctx(identity: DigitalIdentity, certificate: str, pin_left: int) -> SimpleNamespace:
        status = SimpleNamespace(digital_identity=identity, pin=SimpleNamespace(left=pin_left))
        cert = SimpleNamespace(state=SimpleNamespace(name=certificate))
        return SimpleNamespace(result=SimpleNamespace(status=status, certificate=cert))

    cases = [(identity, state.name, left) for identity in DigitalIdentity
             for state in CertificateState for left in (1, 3)]
    return {check_card._advice(ctx(*case)) for case in cases}  # type: ignore[arg-type]


def _journey_fact_ids() -> set[str]:
    tries = SimpleNamespace(tries=lambda puk=False: 2)
    services = SimpleNamespace(puk_recovery_url="https://example.invalid/puk")
    found = _fact_ids(common.counter_facts(tries, services))  # type: ignore[arg-type]
    found |= _fact_ids(common.new_pin_rules(tries, services))  # type: ignore[arg-type]
    found |= _fact_ids(unblock_pin._confirmation_facts(tries, services))  # type: ignore[arg-type]
    for lost in (Choice.LOST_PUK, Choice.LOST_BOTH):
        found |= _fact_ids(lost_codes._app_facts(SimpleNamespace(lost=lost), services))  # type: ignore[arg-type]
        found |= _fact_ids(lost_codes._lost_facts(SimpleNamespace(lost=lost), services))  # type: ignore[arg-type]
    found |= {*hand_off.ASKED.values(), *hand_off.PASSIVE.values(), *hand_off.CHIP.values(),
              hand_off.IS_IT_YOU, hand_off.DESK_SEES_IT, hand_off.DESK_WHEN_LINK_BACK}
    return found | _check_advice()


def _ui_ids() -> set[str]:
    """The ids only the UI uses: the module constants of kiosk.ui.i18n."""
    constants = [value for name, value in vars(i18n).items() if name.isupper()]
    ids = {value for value in constants if is_message_id(value)}
    return ids | set(i18n.LANGUAGE_NAMES.values())


def journey_ids() -> set[str]:
    ids = {f"{screen.value}.{part}" for screen in Screen for part in ("title", "body")}
    ids |= {choice.value for choice in Choice}
    for entry in (*catalogue.CATALOGUE.values(), catalogue.GENERIC):
        ids |= {entry.message, entry.remedy}
    ids |= {rule.value for rule in PinRule} | {notice.value for notice in Notice}
    ids |= {state.value for state in CertificateState}
    ids |= {checker.value for checker in CheckedBy}
    return ids | _journey_fact_ids()


ALL_IDS = journey_ids() | _ui_ids()
SPEECH_IDS = {"speech.pin.digit_entered", "speech.pin.digit_deleted", "speech.pin.complete"}


def _po(language: str) -> BabelCatalog:
    with i18n.po_path(language).open("rb") as po:
        return read_po(po, locale=language, domain=i18n.DOMAIN)


def _texts(catalog: BabelCatalog) -> dict[str, str]:
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}


def _pot_ids() -> set[str]:
    with POT.open("rb") as pot:
        return {str(m.id) for m in read_po(pot) if m.id}


def _dummy_values(text: str) -> dict[str, object]:
    return dict.fromkeys(i18n.placeholders(text), 7)


# -- every id, every language ----------------------------------------------------------------


def test_the_speech_ids_and_the_screens_are_among_the_ids() -> None:
    assert SPEECH_IDS <= ALL_IDS
    assert "puk.warning.ten_wrong_end_digital_life" in ALL_IDS
    assert {"error.wrong_pin", "remedy.retype_pin", "check.next.all_good"} <= ALL_IDS


def test_languages_are_the_journeys_languages() -> None:
    assert tuple(language.value for language in Language) == i18n.LANGUAGES
    assert i18n.LANGUAGES[0] == i18n.DEFAULT == "it"


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_id_has_a_text(language: str) -> None:
    catalog = i18n.Catalog(language, strict=True)
    italian = _texts(_po("it"))
    missing = sorted(message_id for message_id in ALL_IDS if not catalog.has(message_id))
    assert not missing, f"{language} has no text for {missing}"
    for message_id in sorted(ALL_IDS):
        text = catalog.text(message_id, **_dummy_values(italian[message_id]))
        assert text.strip(), f"{language}: {message_id} is empty"


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_screen_has_a_title_and_a_body(language: str) -> None:
    catalog = i18n.Catalog(language, strict=True)
    for screen in Screen:
        assert catalog.title(screen) and catalog.body(screen)
        assert catalog.title(screen.value) == catalog.title(screen)


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_placeholders_match_the_italian(language: str) -> None:
    italian, texts = _texts(_po("it")), _texts(_po(language))
    wrong = {message_id: sorted(i18n.placeholders(text)) for message_id, text in texts.items()
             if i18n.placeholders(text) != i18n.placeholders(italian[message_id])}
    assert not wrong, f"{language}: placeholders differ from the Italian in {wrong}"


def test_screen_bodies_and_titles_carry_no_placeholders() -> None:
    for language in i18n.LANGUAGES:
        for message_id, text in _texts(_po(language)).items():
            if message_id.endswith((".title", ".body")) and not message_id.startswith("overlay."):
                assert not i18n.placeholders(text), f"{language}: {message_id}"


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_no_text_shows_a_raw_id(language: str) -> None:
    every_id = _pot_ids()
    for message_id, text in _texts(_po(language)).items():
        assert not is_message_id(text), f"{language}: {message_id} is an id: {text!r}"
        shown = [other for other in every_id if other in text]
        assert not shown, f"{language}: {message_id} shows {shown}"


def test_facts_of_the_journeys_are_right() -> None:
    """The numbers the texts state are the card's (DESIGN.md §1)."""
    italian = i18n.Catalog("it", strict=True)
    assert "8 cifre" in italian.body(Screen.ENTER_PIN)
    assert "su 3" in italian.text(i18n.PIN_TRIES_LEFT, tries_left=2)
    assert "su 10" in italian.text(i18n.PUK_TRIES_LEFT, tries_left=9)
    assert "10" in italian.text("puk.warning.ten_wrong_end_digital_life")
    assert "48" in italian.text(i18n.APP_WAIT_HOURS, hours=48)
    for language in i18n.LANGUAGES:
        catalog = i18n.Catalog(language, strict=True)
        assert "CieID" in catalog.title(Screen.PUK_RECOVERY_APP)
        assert "Entra con CIE" in catalog.text(i18n.ENTRA_CON_CIE_YES)
        assert catalog.text(i18n.SPEECH_DIGIT_ENTERED, n=3, total=8).count("3") == 1


def test_slovene_is_written_with_its_letters() -> None:
    slovene = " ".join(_texts(_po("sl")).values())
    assert {"č", "š", "ž"} <= set(slovene)


# -- template, .po and .mo agree with the code -----------------------------------------------


def _extracted() -> Iterator[str]:
    with (LOCALES / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)  # type: ignore[no-untyped-call]
    for _, _, message, _, _ in extract_from_dir(ROOT, method_map, options_map):
        yield str(message)


def test_the_template_is_up_to_date_with_the_code() -> None:
    extracted, pot = set(_extracted()), _pot_ids()
    assert extracted == pot, (
        f"re-run pybabel extract (kiosk/ui/locales/babel.cfg): new {sorted(extracted - pot)}, "
        f"gone {sorted(pot - extracted)}"
    )


def test_the_extractor_finds_every_id_of_the_journeys() -> None:
    missing = ALL_IDS - set(_extracted())
    assert not missing, f"the extractor misses {sorted(missing)}"


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_each_po_file_has_exactly_the_templates_ids(language: str) -> None:
    ids = {str(m.id) for m in _po(language) if m.id}
    assert ids == _pot_ids(), f"re-run pybabel update for {language}"


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_each_mo_file_is_compiled_from_its_po_file(language: str) -> None:
    with i18n.mo_path(language).open("rb") as mo:
        compiled = {str(m.id): str(m.string) for m in read_mo(mo) if m.id}
    assert compiled == _texts(_po(language)), f"re-run pybabel compile for {language}"


# -- the Catalog's behaviour -------------------------------------------------------------------


def _compile(locales: Path, language: str, texts: dict[str, str]) -> None:
    catalog = BabelCatalog(locale=language, domain=i18n.DOMAIN)
    for message_id, text in texts.items():
        catalog.add(message_id, text)
    path = i18n.mo_path(language, locales)
    path.parent.mkdir(parents=True)
    with path.open("wb") as mo:
        write_mo(mo, catalog)


@pytest.fixture
def small_locales(tmp_path: Path) -> Path:
    """Italian with two texts, English with one: "only.italian" is missing in English."""
    _compile(tmp_path, "it", {"both.here": "Ciao {name}", "only.italian": "Solo italiano",
                              i18n.TEXT_MISSING: "Testo non disponibile."})
    _compile(tmp_path, "en", {"both.here": "Hello {name}"})
    return tmp_path


def test_a_text_missing_in_one_language_falls_back_to_italian(
    small_locales: Path, caplog: pytest.LogCaptureFixture
) -> None:
    english = i18n.Catalog("en", locales=small_locales)
    with caplog.at_level(logging.WARNING, logger="kiosk.ui.i18n"):
        assert english.text("only.italian") == "Solo italiano"
    assert "only.italian" in caplog.text and "en" in caplog.text
    assert english.text("both.here", name="Maria") == "Hello Maria"
    assert not english.has("only.italian")


def test_a_text_missing_everywhere_is_never_shown_as_its_id(
    small_locales: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="kiosk.ui.i18n"):
        assert i18n.Catalog("en", locales=small_locales).text("no.such") == "Testo non disponibile."
        shown = i18n.Catalog("en").text("no.such")
    assert shown == "Text not available. Please ask the staff for help."
    assert "no.such" in caplog.text


def test_strict_catalogs_raise_on_a_missing_text(small_locales: Path) -> None:
    with pytest.raises(i18n.MissingTranslation) as raised:
        i18n.Catalog("en", strict=True, locales=small_locales).text("only.italian")
    assert raised.value.code == "MISSING_TRANSLATION"
    assert isinstance(raised.value, KeyError)


def test_a_missing_value_is_left_blank_with_a_warning_and_raises_when_strict(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="kiosk.ui.i18n"):
        text = i18n.Catalog("it").text(i18n.PIN_TRIES_LEFT)
    assert text == "Tentativi rimasti per il PIN:  su 3"
    assert "tries_left" in caplog.text
    with pytest.raises(i18n.MissingTranslation):
        i18n.Catalog("it", strict=True).text(i18n.PIN_TRIES_LEFT)


def test_values_are_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="kiosk.ui.i18n"):
        i18n.Catalog("de").text(i18n.HOLDER_NAME, given_name="MARIA")
    assert "MARIA" not in caplog.text and "surname" in caplog.text


def test_values_fill_the_placeholders_after_the_lookup() -> None:
    assert (i18n.Catalog("it").text(i18n.SPEECH_DIGIT_ENTERED, n=3, total=8)
            == "Cifra 3 di 8 inserita.")
    assert (i18n.Catalog("sl").text(i18n.HOLDER_CODICE_FISCALE, codice_fiscale="RSSMRA80A41H501Y")
            == "Davčna številka: RSSMRA80A41H501Y")
    assert i18n.Catalog(Language.FR).text("choice.done") == "J'ai terminé"


def test_an_unknown_language_is_an_error_with_a_code() -> None:
    with pytest.raises(i18n.UnknownLanguage) as raised:
        i18n.Catalog("es")
    assert raised.value.code == "UNKNOWN_LANGUAGE"
    assert isinstance(raised.value, ValueError)


def test_a_missing_compiled_catalog_is_found_at_start(tmp_path: Path) -> None:
    with pytest.raises(i18n.CatalogMissing) as raised:
        i18n.Catalog("it", locales=tmp_path)
    assert raised.value.code == "CATALOG_MISSING"


def test_catalogs_load_with_the_stdlib() -> None:
    with i18n.mo_path("de").open("rb") as mo:
        assert gettext.GNUTranslations(mo).gettext("choice.back") == "Zurück"


# -- the extractor -----------------------------------------------------------------------------


EXTRACTOR_CASES = [
    ('X = "pin.enter"', {}, {"pin.enter"}),
    ('"""A docstring. pin.enter is here."""', {}, set()),
    ('URL = "https://cartaidentita.interno.gov.it/x"', {}, set()),
    ('CODE = "E-PIN-01"; WORD = "wrong_pin"', {}, set()),
    ("class Screen:\n    A = 'pin.enter'\n", {"screens": "Screen"},
     {"pin.enter.title", "pin.enter.body"}),
    ("class Other:\n    A = 'pin.enter'\n", {"screens": "Screen"}, {"pin.enter"}),
    ('E = _e("wrong_pin", "retype_pin", "E-PIN-01")', {"prefixed_calls": "_e:error.,remedy."},
     {"error.wrong_pin", "remedy.retype_pin"}),
    ('def f():\n    return facts(w="puk.warning.x")\n', {}, {"puk.warning.x"}),
]


@pytest.mark.parametrize(("source", "options", "expected"), EXTRACTOR_CASES)
def test_the_extractor(source: str, options: dict[str, str], expected: set[str]) -> None:
    assert {message for _, _, message, _ in ids_in_source(source, options)} == expected
