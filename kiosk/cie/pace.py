"""PACE with the CAN, terminal side: DH generic mapping with 3DES (PROTOCOL.md §4.2).

The only variant a CIE offers (id-PACE-DH-GM-3DES-CBC-CBC, parameterId 2, see
:mod:`kiosk.cie.card_access`), in ICAO 9303-11 §4.4 order: MSE SET AT names the variant and the
CAN; GENERAL AUTHENTICATE 1 brings the nonce s encrypted under K_π; GA2 maps the generator
(g' = g^s · H with H the DH value of a first key pair, the "generic mapping"); GA3 agrees an
ephemeral key on g'; GA4 exchanges the authentication tokens. The result is a
:class:`SecureChannel` with SSC 0.

A wrong CAN cannot be told apart from a broken card before GA4: the card only learns it when
our token does not match, and answers ``6300``/``63Cx``; our check of its token fails the same
way. Both are :class:`WrongCan`, so the citizen is asked to type the CAN again instead of being
told the card is broken.

GA2 and GA3 carry 256-byte public values, so they are extended-length APDUs; a reader that
cannot send them typically makes the card (or itself) answer ``67xx`` to GA2, which becomes
:class:`ReaderNoExtendedApdu` so the kiosk can say which part is lacking.

Exponentiations use ``pow`` for the reasons given in :mod:`kiosk.cie.dh` (``cryptography``
is dropping finite-field DH); private exponents are drawn as that module draws them. The CAN
is read from its :class:`Secret` buffer straight into SHA-1: K_π is the only value derived from
it, and Python cannot wipe the bytes objects that hold K_π and the session keys.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable

from asn1crypto import core

from kiosk.cie import kdf, tlv
from kiosk.cie.apdu import EXTENDED_MAX_LE, SHORT_MAX_LE, Command, Response
from kiosk.cie.bignum import powmod
from kiosk.cie.card_access import PaceInfo
from kiosk.cie.des import decrypt_3des, retail_mac
from kiosk.cie.dh import private_exponent
from kiosk.cie.errors import (
    InvalidCanFormat,
    PaceRefused,
    PaceUnsupported,
    ProtocolError,
    ReaderNoExtendedApdu,
    WrongCan,
)
from kiosk.cie.flow import Flow
from kiosk.cie.modp import STANDARD_GROUPS, ModpGroup
from kiosk.cie.secret import Secret
from kiosk.cie.sm import SSC_SIZE, SecureChannel

CAN_LENGTH = 6
PASSWORD_CAN = 0x02
INS_MSE = 0x22
INS_GENERAL_AUTHENTICATE = 0x86
CLA_CHAINING = 0x10
TAG_DYNAMIC = 0x7C
# Answers to MSE SET AT after which opencie retries with the parameterId in DO 84.
_RETRY_WITH_PARAMETER_ID = {0x6A80, 0x6A86, 0x6A88, 0x6B00}


def password_key(can: Secret) -> bytes:
    """K_π = SHA-1(CAN ‖ 00000003)[0:16], hashed straight from the secret's buffer."""
    view = can.reveal()
    try:
        return kdf.derive(view, kdf.PASSWORD)
    finally:
        view.release()


def public_key_object(protocol: str, public: bytes) -> bytes:
    """The ``7F49`` public key data object {06 OID, 84 public value} that a token MACs."""
    oid = core.ObjectIdentifier(protocol).contents
    return tlv.encode(0x7F49, tlv.encode(0x06, oid) + tlv.encode(0x84, public))


def token(ks_mac: bytes, protocol: str, public: bytes) -> bytes:
    """The authentication token: the retail MAC over the other side's public key object."""
    return retail_mac(ks_mac, public_key_object(protocol, public))


def mse_set_at(info: PaceInfo, with_parameter_id: bool) -> Command:
    data = tlv.encode(0x80, core.ObjectIdentifier(info.protocol).contents)
    data += tlv.encode(0x83, bytes((PASSWORD_CAN,)))
    if with_parameter_id and info.parameter_id is not None:
        data += tlv.encode(0x84, bytes((info.parameter_id,)))
    return Command(0x00, INS_MSE, 0xC1, 0xA4, data)


def general_authenticate(tag: int | None, value: bytes, last: bool = False) -> Command:
    """GA with ``7C { tag value }`` (``7C 00`` when ``tag`` is None), chained unless ``last``."""
    inner = b"" if tag is None else tlv.encode(tag, value)
    data = tlv.encode(TAG_DYNAMIC, inner)
    le = EXTENDED_MAX_LE if len(data) > 0xFF else SHORT_MAX_LE
    cla = 0x00 if last else CLA_CHAINING
    return Command(cla, INS_GENERAL_AUTHENTICATE, 0x00, 0x00, data, le=le)


def establish(
    info: PaceInfo,
    can: Secret,
    random_bytes: Callable[[int], bytes] = secrets.token_bytes,
) -> Flow[SecureChannel]:
    """Run PACE with ``can`` on the variant ``info`` and return the new secure channel."""
    if len(can) != CAN_LENGTH:
        raise InvalidCanFormat(f"the CAN is {CAN_LENGTH} digits")
    if not info.supported or info.parameter_id is None:
        raise PaceUnsupported(info.name)
    group = STANDARD_GROUPS[info.parameter_id]
    yield from _set_at(info)
    nonce = yield from _nonce(password_key(can))
    mapped = yield from _map_generator(group, nonce, random_bytes)
    ours, theirs, shared = yield from _agree(group, mapped, random_bytes)
    ks_enc, ks_mac = kdf.derive(shared, kdf.ENC), kdf.derive(shared, kdf.MAC)
    yield from _exchange_tokens(info.protocol, ks_mac, ours, theirs)
    return SecureChannel(ks_enc, ks_mac, bytes(SSC_SIZE))


def _set_at(info: PaceInfo) -> Flow[None]:
    answer = yield mse_set_at(info, with_parameter_id=False)
    if answer.sw in _RETRY_WITH_PARAMETER_ID:
        answer = yield mse_set_at(info, with_parameter_id=True)
    if not answer.ok:
        raise PaceRefused("MSE SET AT for PACE refused", answer.sw)


def _nonce(k_pi: bytes) -> Flow[int]:
    answer = yield general_authenticate(None, b"")
    if not answer.ok:
        raise PaceRefused("GENERAL AUTHENTICATE (nonce) refused", answer.sw)
    encrypted = _dynamic(answer, 0x80, "encrypted nonce")
    if len(encrypted) != 8:
        raise ProtocolError("the encrypted PACE nonce is not one 3DES block")
    return int.from_bytes(decrypt_3des(k_pi, encrypted), "big")


def _map_generator(group: ModpGroup, nonce: int, random_bytes: Callable[[int], bytes]) -> Flow[int]:
    """Generic mapping: g' = g^s · PK_map,IC^x mod p (ICAO 9303-11 §4.4, generic mapping)."""
    assert group.q is not None  # standardised groups name their order
    x = private_exponent(group.q, random_bytes)
    answer = yield general_authenticate(0x81, group.encode(powmod(group.g, x, group.p)))
    if answer.sw >> 8 == 0x67:
        raise ReaderNoExtendedApdu("extended-length GENERAL AUTHENTICATE refused", answer.sw)
    if not answer.ok:
        raise ProtocolError("GENERAL AUTHENTICATE (mapping) refused", answer.sw)
    card = group.checked_public(_dynamic(answer, 0x82, "mapping key"), "the card's mapping key")
    mapped = powmod(group.g, nonce, group.p) * powmod(card, x, group.p) % group.p
    if mapped == 1:
        raise ProtocolError("the mapped generator is 1")
    return mapped


def _agree(
    group: ModpGroup, generator: int, random_bytes: Callable[[int], bytes]
) -> Flow[tuple[bytes, bytes, bytes]]:
    """Ephemeral DH on the mapped generator: our public value, the card's, and Z."""
    assert group.q is not None
    x = private_exponent(group.q, random_bytes)
    ours = group.encode(powmod(generator, x, group.p))
    answer = yield general_authenticate(0x83, ours)
    if not answer.ok:
        raise ProtocolError("GENERAL AUTHENTICATE (key agreement) refused", answer.sw)
    theirs = group.encode(
        group.checked_public(_dynamic(answer, 0x84, "ephemeral key"), "the card's ephemeral key")
    )
    if theirs == ours:  # a chip that echoes our key agrees with itself
        raise ProtocolError("the card's ephemeral key equals ours")
    return ours, theirs, group.encode(powmod(int.from_bytes(theirs, "big"), x, group.p))


def _exchange_tokens(protocol: str, ks_mac: bytes, ours: bytes, theirs: bytes) -> Flow[None]:
    answer = yield general_authenticate(0x85, token(ks_mac, protocol, theirs), last=True)
    if answer.sw == 0x6300 or answer.sw & 0xFFF0 == 0x63C0:
        raise WrongCan("the card refused our PACE token")
    if not answer.ok:
        raise ProtocolError("GENERAL AUTHENTICATE (tokens) refused", answer.sw)
    card_token = _dynamic(answer, 0x86, "token")
    if not hmac.compare_digest(card_token, token(ks_mac, protocol, ours)):
        raise WrongCan("the card's PACE token does not match")


def _dynamic(answer: Response, tag: int, what: str) -> bytes:
    value = tlv.find(answer.data, TAG_DYNAMIC, tag)
    if not value:
        raise ProtocolError(f"GENERAL AUTHENTICATE answer lacks the {what}")
    return value
