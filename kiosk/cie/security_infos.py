"""SecurityInfos: the SET OF SecurityInfo in EF.CardAccess and DG14 (ICAO 9303-11 §9.2).

Each SecurityInfo is ``SEQUENCE { protocol OBJECT IDENTIFIER, requiredData ANY, optionalData ANY
OPTIONAL }``; what the two data fields hold depends on the protocol, so they are parsed here as
raw ASN.1 and interpreted by :mod:`kiosk.cie.card_access` (PACEInfo) and
:mod:`kiosk.cie.chip_auth` (the DG14 entries). asn1crypto does the DER work; it has no types for
these ICAO structures, so the few needed are declared here with its core classes.

The protocol names cover every PACE and Chip Authentication variant ICAO defines, so that a
card offering only, say, ECDH-GM with AES can be reported as such by name, not as an unknown OID.
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import core

from kiosk.cie.errors import SecurityInfosMalformed

_BSI = "0.4.0.127.0.7.2.2"  # bsi-de protocols smartcard (BSI TR-03110, ICAO 9303-11 §9.2)
ID_PK_DH = f"{_BSI}.1.1"
ID_PK_ECDH = f"{_BSI}.1.2"
ID_TA = f"{_BSI}.2"
ID_CA = f"{_BSI}.3"
ID_PACE = f"{_BSI}.4"

_CIPHERS = {1: "3DES-CBC-CBC", 2: "AES-CBC-CMAC-128", 3: "AES-CBC-CMAC-192", 4: "AES-CBC-CMAC-256"}
_PACE_MAPPINGS = {1: "DH-GM", 2: "ECDH-GM", 3: "DH-IM", 4: "ECDH-IM", 6: "ECDH-CAM"}
_CA_AGREEMENTS = {1: "DH", 2: "ECDH"}

PROTOCOL_NAMES = {
    **{
        f"{ID_PACE}.{m}.{c}": f"id-PACE-{mapping}-{cipher}"
        for m, mapping in _PACE_MAPPINGS.items()
        for c, cipher in _CIPHERS.items()
        if not (mapping == "ECDH-CAM" and c == 1)  # CAM is defined with AES only
    },
    **{
        f"{ID_CA}.{a}.{c}": f"id-CA-{agreement}-{cipher}"
        for a, agreement in _CA_AGREEMENTS.items()
        for c, cipher in _CIPHERS.items()
    },
    ID_PK_DH: "id-PK-DH",
    ID_PK_ECDH: "id-PK-ECDH",
    ID_TA: "id-TA",
}


def protocol_name(oid: str) -> str:
    """The ICAO name of a protocol OID, or the dotted OID itself when ICAO defines no name."""
    return PROTOCOL_NAMES.get(oid, oid)


# asn1crypto has no type information, so mypy sees its base classes as Any (hence the ignores),
# and declares fields as mutable class attributes (hence the noqa).
class _SecurityInfo(core.Sequence):  # type: ignore[misc]
    _fields = [  # noqa: RUF012
        ("protocol", core.ObjectIdentifier),
        ("required_data", core.Any),
        ("optional_data", core.Any, {"optional": True}),
    ]


class _SecurityInfos(core.SetOf):  # type: ignore[misc]
    _child_spec = _SecurityInfo


@dataclass(frozen=True, slots=True)
class SecurityInfo:
    """One entry: its protocol OID and the DER of its data fields (``optional`` may be None)."""

    protocol: str
    required: bytes
    optional: bytes | None


def parse_security_infos(der: bytes) -> list[SecurityInfo]:
    """Every SecurityInfo in ``der``, in order; anything but a DER SET OF them is malformed.

    Trailing bytes are tolerated (files can be allocated larger than their content), but not
    inside the SET.
    """
    try:
        infos = _SecurityInfos.load(bytes(der), strict=False)
        return [
            SecurityInfo(
                protocol=info["protocol"].dotted,
                required=bytes(info["required_data"].dump()),
                optional=None
                if isinstance(info["optional_data"], core.Void)
                else bytes(info["optional_data"].dump()),
            )
            for info in infos
        ]
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise SecurityInfosMalformed(f"SecurityInfos do not parse: {exc}") from None


def der_integer(der: bytes, what: str) -> int:
    """The value of a DER INTEGER field of a SecurityInfo."""
    try:
        value = core.Integer.load(der, strict=True).native
    except (ValueError, TypeError, OverflowError):
        raise SecurityInfosMalformed(f"{what} is not an INTEGER") from None
    if not isinstance(value, int):
        raise SecurityInfosMalformed(f"{what} is not an INTEGER")
    return value
