"""Issuing the ICAO side: MRZ and DG11 like the Ministry test card's, dates from the codice
fiscale, and ``kiosk sim card new`` with a CAN that never reaches the file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.sim import codice_fiscale, lds, mrz
from kiosk.sim.profile import CardProfile

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
TODAY = dt.date(2026, 11, 22)


def test_dg1_and_dg11_come_out_byte_for_byte_like_the_test_cards() -> None:
    zone = mrz.td1(
        "CA76853YX",
        dt.date(1995, 1, 18),
        "F",
        dt.date(2031, 1, 18),
        surname="ROSSI",
        given_name="MARIA",
    )
    assert lds.dg1(zone) == (VECTORS / "test-card-dg1.bin").read_bytes()
    dg11 = lds.dg11(
        "ROSSI<<MARIA",
        "RSSMRA95A58H501Z",
        dt.date(1995, 1, 18),
        "ROMA<RM",
        "VIA SALARIA, N. 712<ROMA<RM",
    )
    assert dg11 == (VECTORS / "test-card-dg11.bin").read_bytes()


@pytest.mark.parametrize(
    ("code", "birth", "sex"),
    [
        ("RSSMRA95A58H501Z", dt.date(1995, 1, 18), "F"),
        ("BNCGNN12T10F205X", dt.date(2012, 12, 10), "M"),
        ("VRDLGU30E05L219T", dt.date(1930, 5, 5), "M"),
        ("RSSMRA9RA58H501Z", dt.date(1995, 1, 18), "F"),  # omocodia: R stands for 5
    ],
)
def test_the_codice_fiscale_gives_birth_date_and_sex(code: str, birth: dt.date, sex: str) -> None:
    assert codice_fiscale.birth_and_sex(code, TODAY) == (birth, sex)


def test_a_codice_fiscale_without_a_date_is_refused() -> None:
    with pytest.raises(ValueError, match="date of birth"):
        codice_fiscale.birth_and_sex("RSSMRA95Z58H501Z", TODAY)


def test_kiosk_sim_card_new_writes_the_icao_side(tmp_path: Path) -> None:
    out = tmp_path / "card.json"
    assert main(["sim", "card", "new", "--out", str(out), "--can", "314159"]) == 0
    text = out.read_text()
    assert "314159" not in text and b"314159".hex() not in text.lower()
    profile = CardProfile.load(out)
    assert profile.icao is not None
    assert {"mf:011C", "icao:011E", "icao:011D", "icao:0101", "icao:0102"} <= set(profile.files)
    birth = dt.date.fromisoformat(profile.identity["date_of_birth"])
    expiry = dt.date.fromisoformat(profile.identity["expiry"])
    assert birth == dt.date(1995, 1, 18)
    assert (expiry.month, expiry.day) == (1, 18) and expiry.year - dt.date.today().year in (10, 11)


def test_kiosk_sim_card_new_refuses_a_can_that_is_not_6_digits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sim", "card", "new", "--out", str(tmp_path / "c.json"), "--can", "12345"]) != 0
    assert "6 digits" in capsys.readouterr().err
    assert not (tmp_path / "c.json").exists()
