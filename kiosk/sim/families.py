"""What each chip family presents before any command: its ATR and its EF.ATR.

ATRs follow the contactless PC/SC form ``3B 8n 80 01 <historical bytes> TCK`` of
PROTOCOL.md §1.1. The EF.ATR contents are made up around the byte patterns clients look for
(the real files are longer and not published).
"""

from __future__ import annotations

from functools import reduce
from operator import xor

ITJ4 = "80 31 80 65 49 54 4A 34"
CAPS = "12 0F FF 82 90 00"

HISTORICAL_BYTES: dict[str, str] = {
    "NXP": f"80 31 80 65 49 54 4E 58 50 {CAPS}",
    "Gemalto": f"80 31 80 65 B0 85 04 00 11 {CAPS}",
    "Gemalto2": f"80 31 80 65 B0 85 03 00 EF {CAPS}",
    "STM": "80 66 47 50 00 B8 00 7F 82 90 00",
    "STM3": "80 66 47 50 00 B8 00 94 82 90 00",
    "Actalis": f"{ITJ4} 41 {CAPS}",
    "Actalis 2023": f"{ITJ4} 43 {CAPS}",
    "Actalis B946": f"{ITJ4} 4C {CAPS}",
    "Bit4id": f"{ITJ4} 42 {CAPS}",
    "Bit4id 2023": f"{ITJ4} 44 {CAPS}",
    "Bit4id B9547": f"{ITJ4} 49 {CAPS}",
}
STM2_ATR = bytes.fromhex("3B 80 80 01 01")
FAMILIES = (*HISTORICAL_BYTES, "STM2")

# Where each family's ATR comes from (PROTOCOL.md §1.1, §9). The official Linux middleware's
# table (italia/cie-middleware-linux, cie-pkcs11/CSP/ATR.cpp at d8d0b87, 2025-03-21) has
# eleven rows; the Actalis "B946" applet ("ITJ4L") is in opencie-pkcs11's table only
# (M0Rf30/opencie-pkcs11, docs/supported-cards.md, 2026): no row of the official table is a
# sub-multiset of its ATR, so the official middleware calls it an unknown card.
_MIDDLEWARE = "italia/cie-middleware-linux cie-pkcs11/CSP/ATR.cpp @ d8d0b87"
_OPENCIE = "M0Rf30/opencie-pkcs11 docs/supported-cards.md"
SOURCES: dict[str, str] = {
    family: _OPENCIE if family == "Actalis B946" else _MIDDLEWARE for family in FAMILIES
}

# Families whose applet answers the DH parameters to one GET DATA (`A3 80`); the others answer
# three (`97`, `98`, `99`). From the middleware's branches (PROTOCOL.md §2.2 step 6); Gemalto2
# is INFERRED to follow Gemalto, whose applet it shares.
SINGLE_DH_GET_DATA = frozenset({"Gemalto", "Gemalto2"})
# Families that answer a wrong or blocked PIN/PUK under SM with a plain 63Cx/6983 instead of
# one inside DO99. UNCERTAIN (PROTOCOL.md §2.3, §8 question 4): no source says which chip does
# which; PagoPA's parser suggests DO99 on the cards it meets most (NXP, Actalis, Bit4id), so the
# others play the plain variant and a family matrix exercises both.
PLAIN_PIN_ERRORS = frozenset({"Gemalto", "Gemalto2", "STM", "STM2", "STM3"})

_ST_TAIL = "78 08 06 06 2B 81 22 F8 78 02"
_ST_EF_ATR = (
    "80 00 43 01 B9 46 04 00 00 00 10 47 03 94 01 81 4F 0C A0 00 00 00 95 00 00 00 00 "
    f"8A 00 01 {_ST_TAIL}"
)
_ACTALIS_EF_ATR = f"80 00 43 01 B8 46 04 00 00 00 10 47 03 94 01 E0 7F 66 08 02 02 04 00 {_ST_TAIL}"
_EF_ATR: dict[str, bytes] = {
    "NXP": bytes.fromhex("80 00 43 01 B8 46 04 10 10 10 10 47 03 94 01 80 4F 07 A0 00 00 00 30"),
    "Gemalto": bytes.fromhex("80 00 43 01 B8 4F 0A") + b"IasEccRoot",
    "Gemalto2": bytes.fromhex("80 00 43 01 B8 46 04 00 00 00 10 47 03 94 41 C0"),
    "STM": bytes.fromhex(_ST_EF_ATR),
    "STM2": bytes.fromhex(_ST_EF_ATR),
    "STM3": bytes.fromhex(_ST_EF_ATR),
}


def contactless_atr(historical: bytes) -> bytes:
    """``3B``, T0 announcing TD1, TD1 = T0 protocol with TD2, TD2 = T=1, history, TCK."""
    body = bytes((0x80 | len(historical), 0x80, 0x01)) + historical
    return b"\x3b" + body + bytes((reduce(xor, body),))


def atr_for(family: str) -> bytes:
    if family == "STM2":
        return STM2_ATR
    return contactless_atr(bytes.fromhex(HISTORICAL_BYTES[family]))


def ef_atr_for(family: str) -> bytes:
    return _EF_ATR.get(family, bytes.fromhex(_ACTALIS_EF_ATR))
