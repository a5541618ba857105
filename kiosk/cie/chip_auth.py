"""Chip Authentication v1 with DH and 3DES: is this chip the one the issuer made? (PROTOCOL.md §4.6)

Passive authentication proves the files are the issuer's, not that the chip is: a copy would
carry the same files. DG14 holds a static DH public key whose private half never leaves the
genuine chip. We send an ephemeral public key with MSE SET KAT (ICAO 9303-11 §6.2, under the
current secure messaging), both sides derive new 3DES keys from the shared secret
(SHA-1(K ‖ counter)[0:16], SSC 0), and the chip proves it holds the key by answering under them:
we re-read EF.COM with the new keys and compare it with what was read before. A chip that
answers with a wrong MAC, or not at all, has **failed**; a card whose DG14 offers no variant we
implement is **not supported**, never "failed".

DG14 is parsed with asn1crypto: its SecurityInfos through :mod:`kiosk.cie.security_infos`, the
key's SubjectPublicKeyInfo through the small declarations below, which accept both DH parameter
forms seen on documents: X9.42 DomainParameters (dhpublicnumber, with the order q) and PKCS #3
DHParameter (dhKeyAgreement, without it). When q is unknown the key cannot be checked for the
subgroup, only for its range. A DG14 without ChipAuthenticationInfo implies
id-CA-DH-3DES-CBC-CBC for a DH key, as JMRTD infers it for early documents.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from asn1crypto import core, keys

from kiosk.cie import kdf, tlv
from kiosk.cie.apdu import Command
from kiosk.cie.bignum import powmod
from kiosk.cie.datagroups import TAG_DG14, outer_value
from kiosk.cie.dh import private_exponent
from kiosk.cie.errors import DataGroupMalformed, ProtocolError
from kiosk.cie.flow import Flow
from kiosk.cie.lds import EF_COM, SM_CHUNK, read_file
from kiosk.cie.modp import ModpGroup
from kiosk.cie.secured import protected, secure
from kiosk.cie.security_infos import (
    ID_CA,
    ID_PK_DH,
    SecurityInfo,
    der_integer,
    parse_security_infos,
    protocol_name,
)
from kiosk.cie.sm import SSC_SIZE, SecureChannel

CA_DH_3DES = f"{ID_CA}.1.1"
CA_VERSION = 1
DH_PUBLIC_NUMBER = "1.2.840.10046.2.1"  # ANSI X9.42
DH_KEY_AGREEMENT = "1.2.840.113549.1.3.1"  # PKCS #3
MIN_P_BITS = 1024


class Result(enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_SUPPORTED = "not-supported"


@dataclass(frozen=True, slots=True)
class ChipAuthentication:
    """The outcome; ``channel`` is the new secure channel when it passed, else None."""

    result: Result
    reason: str
    channel: SecureChannel | None = None


@dataclass(frozen=True, slots=True)
class ChipKey:
    """The chip's static key from DG14 and the protocol to run with it."""

    protocol: str
    group: ModpGroup
    public: int
    key_id: int | None


class _AlgorithmIdentifier(core.Sequence):  # type: ignore[misc]
    _fields = [  # noqa: RUF012
        ("algorithm", core.ObjectIdentifier),
        ("parameters", core.Any, {"optional": True}),
    ]


class _SubjectPublicKeyInfo(core.Sequence):  # type: ignore[misc]
    _fields = [  # noqa: RUF012
        ("algorithm", _AlgorithmIdentifier),
        ("public_key", core.OctetBitString),
    ]


class _DhParameter(core.Sequence):  # type: ignore[misc]
    """PKCS #3 §9: DHParameter ::= SEQUENCE { prime, base, privateValueLength OPTIONAL }."""

    _fields = [  # noqa: RUF012
        ("p", core.Integer),
        ("g", core.Integer),
        ("private_value_length", core.Integer, {"optional": True}),
    ]


def chip_key(dg14: bytes) -> ChipKey | str:
    """The DH key and protocol to authenticate with, or why DG14 offers nothing we can run."""
    infos = parse_security_infos(outer_value(dg14, TAG_DG14, "DG14"))
    offered = {info.protocol: info for info in infos if info.protocol.startswith(f"{ID_CA}.")}
    dh_keys = [info for info in infos if info.protocol == ID_PK_DH]
    if offered and CA_DH_3DES not in offered:
        return "DG14 offers only " + ", ".join(protocol_name(oid) for oid in offered)
    if not dh_keys:
        return "DG14 holds no DH chip authentication key"
    key_id = None
    if CA_DH_3DES in offered:
        info = offered[CA_DH_3DES]
        if der_integer(info.required, "ChipAuthenticationInfo version") != CA_VERSION:
            return "DG14 offers id-CA-DH-3DES-CBC-CBC in a version other than 1"
        key_id = _optional_int(info, "ChipAuthenticationInfo keyId")
    key = next((info for info in dh_keys if key_id in (None, _optional_int(info, "keyId"))), None)
    if key is None:
        return "DG14 holds no DH key with the keyId its ChipAuthenticationInfo names"
    group, public = _dh_public_key(key.required)
    return ChipKey(CA_DH_3DES, group, public, key_id)


def _optional_int(info: SecurityInfo, what: str) -> int | None:
    return None if info.optional is None else der_integer(info.optional, what)


def _dh_public_key(der: bytes) -> tuple[ModpGroup, int]:
    try:
        info = _SubjectPublicKeyInfo.load(der, strict=True)
        algorithm = info["algorithm"]["algorithm"].dotted
        parameters = info["algorithm"]["parameters"].dump()
        if algorithm == DH_PUBLIC_NUMBER:
            domain = keys.DomainParameters.load(parameters, strict=True)
            group = ModpGroup(domain["p"].native, domain["g"].native, domain["q"].native)
        elif algorithm == DH_KEY_AGREEMENT:
            pkcs3 = _DhParameter.load(parameters, strict=True)
            group = ModpGroup(pkcs3["p"].native, pkcs3["g"].native, None)
        else:
            raise DataGroupMalformed(f"DG14's DH key has algorithm {algorithm}")
        public = core.Integer.load(info["public_key"].native, strict=True).native
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise DataGroupMalformed(f"DG14's DH key does not parse: {exc}") from None
    _check_group(group)
    try:
        group.checked_public(group.encode(public), "DG14's chip key")
    except (ProtocolError, OverflowError):
        raise DataGroupMalformed("DG14's chip key is not a valid public value") from None
    return group, public


def _check_group(group: ModpGroup) -> None:
    if group.p.bit_length() < MIN_P_BITS or not group.p & 1 or not 1 < group.g < group.p - 1:
        raise DataGroupMalformed("DG14's DH parameters are not a plausible group")
    q = group.q
    if q is not None and (not 1 < q < group.p or powmod(group.g, q, group.p) != 1):
        raise DataGroupMalformed("DG14's DH generator does not have order q")


def mse_set_kat(public: bytes, key_id: int | None) -> Command:
    """MSE SET KAT: our ephemeral key in DO 91, the key reference in DO 84 when DG14 names one."""
    data = tlv.encode(0x91, public)
    if key_id is not None:
        data += tlv.encode(0x84, key_id.to_bytes(max(1, (key_id.bit_length() + 7) // 8), "big"))
    return Command(0x00, 0x22, 0x41, 0xA6, data)


def authenticate(
    channel: SecureChannel,
    dg14: bytes,
    ef_com: bytes,
    random_bytes: Callable[[int], bytes] = secrets.token_bytes,
) -> Flow[ChipAuthentication]:
    """Run Chip Authentication under ``channel``; prove it by re-reading EF.COM (``ef_com``).

    The eMRTD application must be selected. After a failure neither channel can be used.
    """
    key = chip_key(dg14)
    if isinstance(key, str):
        return ChipAuthentication(Result.NOT_SUPPORTED, key)
    group = key.group
    x = private_exponent(group.q if group.q is not None else group.p - 1, random_bytes)
    answer = yield from protected(
        channel, mse_set_kat(group.encode(powmod(group.g, x, group.p)), key.key_id)
    )
    if not answer.ok:
        return ChipAuthentication(Result.FAILED, f"MSE SET KAT refused (SW {answer.sw:04X})")
    shared = group.encode(powmod(key.public, x, group.p))
    fresh = SecureChannel(kdf.derive(shared, kdf.ENC), kdf.derive(shared, kdf.MAC), bytes(SSC_SIZE))
    try:
        again = yield from secure(fresh, read_file(EF_COM, SM_CHUNK))
    except ProtocolError as exc:  # SmError among them: the chip lacks the key
        return ChipAuthentication(Result.FAILED, f"no valid answer under the new keys: {exc}")
    if again != ef_com:
        return ChipAuthentication(Result.FAILED, "EF.COM differs under the new keys")
    return ChipAuthentication(Result.PASSED, "EF.COM read again under the new keys", fresh)
