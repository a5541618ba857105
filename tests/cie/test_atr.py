from __future__ import annotations

import pytest

from kiosk.cie.atr import (
    ChipFamily,
    IasSelect,
    family_from_atr,
    family_from_ef_atr,
    historical_bytes,
    traits,
)
from kiosk.sim import families


@pytest.mark.parametrize("family", families.FAMILIES)
def test_every_family_is_recognised_from_its_atr(family: str) -> None:
    assert family_from_atr(families.atr_for(family)) is ChipFamily(family)


@pytest.mark.parametrize(
    ("atr", "family"),
    [
        # OpenSC #2486, a real Gemalto CIE.
        ("3B8F800180318065B085040011120FFF8290008A", ChipFamily.GEMALTO),
        # opencie's NXP example, truncated as published: the signature still matches.
        ("3B 8E 80 01 80 31 80 65 49 54 4E 58 50 12 0F FF 82 90 F0", ChipFamily.NXP),
        # An ITJ4 applet letter nobody has listed yet is treated like Actalis.
        ("3B 8F 80 01 80 31 80 65 49 54 4A 34 5A 12 0F FF 82 90 00 99", ChipFamily.ACTALIS),
        ("3B8880014B494F534B3030316D", None),  # "KIOSK001": not a CIE ATR
        ("3B80800100", None),  # no history, but not STM2's exact ATR
        ("3B", None),
        ("", None),
        ("3B8F8001", None),  # announces 15 historical bytes, has none
    ],
)
def test_atr_table(atr: str, family: ChipFamily | None) -> None:
    assert family_from_atr(bytes.fromhex(atr)) is family


def test_historical_bytes_walk_the_interface_bytes() -> None:
    # T0=F5: TA1 TB1 TC1 TD1 present, 5 historical bytes; TD1=81: TD2 only; TD2=31: TA3 TB3.
    atr = bytes.fromhex("3B F5 11 00 00 81 31 FE 45 0102030405 AA")
    assert historical_bytes(atr) == bytes.fromhex("0102030405")
    assert historical_bytes(bytes.fromhex("3B F5 11 00")) is None


@pytest.mark.parametrize("family", families.FAMILIES)
def test_ef_atr_fingerprint_picks_a_family_with_the_same_select_form(family: str) -> None:
    found = family_from_ef_atr(families.ef_atr_for(family))
    assert found is not None
    assert traits(found).ias_select is traits(ChipFamily(family)).ias_select


def test_select_forms() -> None:
    assert traits(ChipFamily.NXP).ias_select is IasSelect.BY_MF
    assert traits(ChipFamily.BIT4ID_B9547).ias_select is IasSelect.BY_MF
    assert traits(ChipFamily.GEMALTO).ias_select is IasSelect.BY_AID
    assert traits(None).ias_select is IasSelect.BY_AID
    assert family_from_ef_atr(b"nothing known") is None
