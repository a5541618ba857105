"""Which chip family a CIE belongs to, from its ATR or from EF.ATR.

The family decides a few commands (PROTOCOL.md §1.1, §2.2): NXP, Actalis and Bit4id chips are
entered by selecting the MF, Gemalto and ST chips by the IAS AID. The ATR table follows
opencie-pkcs11's exact match on historical bytes, with its fallback for the
``ITJ4x`` (Actalis/Bit4id) applets; the official middleware's multiset match is too loose to
copy. Phones report no ATR, so EF.ATR (``2F01``) is fingerprinted by ordered byte patterns, as
the PagoPA SDK does.

The ATR parser is written by hand: pyscard has one, but this package must not import pyscard,
and the structure (ISO/IEC 7816-3 §8.2) takes a dozen lines.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ChipFamily(enum.Enum):
    """The chip and applet families named by the official middleware."""

    NXP = "NXP"
    GEMALTO = "Gemalto"
    GEMALTO2 = "Gemalto2"
    STM = "STM"
    STM2 = "STM2"
    STM3 = "STM3"
    ACTALIS = "Actalis"
    ACTALIS_2023 = "Actalis 2023"
    ACTALIS_B946 = "Actalis B946"
    BIT4ID = "Bit4id"
    BIT4ID_2023 = "Bit4id 2023"
    BIT4ID_B9547 = "Bit4id B9547"


class IasSelect(enum.Enum):
    """How a family's IAS application is entered (PROTOCOL.md §2.2 step 1)."""

    BY_AID = "aid"
    BY_MF = "mf"


@dataclass(frozen=True, slots=True)
class FamilyTraits:
    ias_select: IasSelect
    # Gemalto answers the DH parameters to one GET DATA; the others want g, p, q one by one.
    dh_in_one_request: bool


_MF_FAMILIES = {
    ChipFamily.NXP, ChipFamily.ACTALIS, ChipFamily.ACTALIS_2023, ChipFamily.ACTALIS_B946,
    ChipFamily.BIT4ID, ChipFamily.BIT4ID_2023, ChipFamily.BIT4ID_B9547,
}


def traits(family: ChipFamily | None) -> FamilyTraits:
    """The family's command variants; an unknown family gets the AID form and the three GET
    DATA requests, as PagoPA sends them to every card."""
    return FamilyTraits(
        ias_select=IasSelect.BY_MF if family in _MF_FAMILIES else IasSelect.BY_AID,
        dh_in_one_request=family is ChipFamily.GEMALTO,
    )


# Historical-byte signatures (PROTOCOL.md §1.1). A signature is matched as a prefix: the
# published example ATRs are partly truncated, and what follows the signature (the
# "12 0F FF 82 90 00" capability bytes) is the same across families.
_SIGNATURES: tuple[tuple[bytes, ChipFamily], ...] = (
    (bytes.fromhex("80 31 80 65 49 54 4E 58 50"), ChipFamily.NXP),
    (bytes.fromhex("80 31 80 65 B0 85 04 00 11"), ChipFamily.GEMALTO),
    (bytes.fromhex("80 31 80 65 B0 85 03 00 EF"), ChipFamily.GEMALTO2),
    (bytes.fromhex("80 66 47 50 00 B8 00 7F"), ChipFamily.STM),
    (bytes.fromhex("80 66 47 50 00 B8 00 94"), ChipFamily.STM3),
)
# STM2 presents no historical bytes at all, so only its whole ATR identifies it.
_STM2_ATR = bytes.fromhex("3B 80 80 01 01")
# "ITJ4" + one letter: the Actalis and Bit4id applets. opencie treats an unknown letter as
# Actalis-like, and so do we: they share the MF select form.
_ITJ4 = bytes.fromhex("80 31 80 65 49 54 4A 34")
_ITJ4_VARIANT: dict[int, ChipFamily] = {
    0x41: ChipFamily.ACTALIS,
    0x43: ChipFamily.ACTALIS_2023,
    0x4C: ChipFamily.ACTALIS_B946,
    0x42: ChipFamily.BIT4ID,
    0x44: ChipFamily.BIT4ID_2023,
    0x49: ChipFamily.BIT4ID_B9547,
}


def historical_bytes(atr: bytes) -> bytes | None:
    """The historical bytes of an ATR, or None when the ATR is malformed."""
    if len(atr) < 2 or atr[0] not in (0x3B, 0x3F):
        return None
    count = atr[1] & 0x0F
    pos, indicator = 2, atr[1]
    while True:
        pos += bin(indicator & 0xF0).count("1")
        if not indicator & 0x80:
            break
        if pos > len(atr):
            return None
        indicator = atr[pos - 1]
    if pos + count > len(atr):
        return None
    return atr[pos : pos + count]


def family_from_atr(atr: bytes) -> ChipFamily | None:
    if atr == _STM2_ATR:
        return ChipFamily.STM2
    hist = historical_bytes(atr)
    if not hist:
        return None
    if hist.startswith(_ITJ4) and len(hist) > len(_ITJ4):
        return _ITJ4_VARIANT.get(hist[len(_ITJ4)], ChipFamily.ACTALIS)
    for signature, family in _SIGNATURES:
        if hist.startswith(signature):
            return family
    return None


# EF.ATR fingerprints (PagoPA's CieType), tried in this order.
_EF_ATR_PATTERNS: tuple[tuple[bytes, ChipFamily], ...] = (
    (bytes.fromhex("80 00 43 01 B8 46 04 10 10 10 10 47 03 94 01 80"), ChipFamily.NXP),
    (b"IasEccRoot", ChipFamily.GEMALTO),
    (bytes.fromhex("47 03 94 41 C0"), ChipFamily.GEMALTO2),
    (bytes.fromhex("80 00 43 01 B9 46 04 00 00 00 10 47 03 94 01 81"), ChipFamily.STM),
    (bytes.fromhex("47 03 94 01 E0 7F 66 08"), ChipFamily.ACTALIS),
)


def family_from_ef_atr(ef_atr: bytes) -> ChipFamily | None:
    for pattern, family in _EF_ATR_PATTERNS:
        if pattern in ef_atr:
            return family
    return None
