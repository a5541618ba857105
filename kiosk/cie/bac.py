"""Basic Access Control with the MRZ, terminal side (PROTOCOL.md §4.3, ICAO 9303-11 §4.3).

The fallback for a card without EF.CardAccess, or whose PACE cannot run (a reader without
extended APDUs, an unsupported variant): BAC needs only short APDUs. Whether the newest CIEs
still accept it is uncertain (§4.1), so it is never the first choice.

The card must have the eMRTD application selected (in plain) before :func:`establish`.
K_seed = SHA-1(MRZ_information)[0:16]; K_enc and K_mac derive from it like every 3DES key
(SHA-1(K ‖ counter)[0:16]); one GET CHALLENGE and one MUTUAL AUTHENTICATE exchange the random
numbers and key halves, both encrypted and MACed; the session keys derive from K.IFD ⊕ K.ICC,
and the first SSC is RND.ICC[4:8] ‖ RND.IFD[4:8].
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable

from kiosk.cie import kdf
from kiosk.cie.apdu import Command
from kiosk.cie.des import decrypt_3des, encrypt_3des, retail_mac
from kiosk.cie.errors import ProtocolError, WrongMrz
from kiosk.cie.flow import Flow
from kiosk.cie.mrz import MrzKey
from kiosk.cie.sm import SecureChannel, ssc_from_challenges

CHALLENGE_SIZE = 8
KEY_SIZE = 16
_AUTHENTICATION_SIZE = 2 * CHALLENGE_SIZE + KEY_SIZE  # RND ‖ RND ‖ K, 32 bytes
_MAC_SIZE = 8
# MUTUAL AUTHENTICATE answers of a card that could not check our cryptogram.
_REJECTED = {0x6300, 0x6982}


def key_seed(mrz: MrzKey) -> bytes:
    """K_seed = SHA-1(MRZ_information)[0:16]."""
    return hashlib.sha1(mrz.information()).digest()[:16]  # noqa: S324 - ICAO's derivation


def get_challenge() -> Command:
    return Command(0x00, 0x84, 0x00, 0x00, le=CHALLENGE_SIZE)


def mutual_authenticate(data: bytes) -> Command:
    return Command(0x00, 0x82, 0x00, 0x00, data, le=len(data))


def establish(
    mrz: MrzKey, random_bytes: Callable[[int], bytes] = secrets.token_bytes
) -> Flow[SecureChannel]:
    """Run BAC and return the secure channel, with its first SSC."""
    seed = key_seed(mrz)
    k_enc, k_mac = kdf.derive(seed, kdf.ENC), kdf.derive(seed, kdf.MAC)
    answer = yield get_challenge()
    if not answer.ok or len(answer.data) != CHALLENGE_SIZE:
        raise ProtocolError("GET CHALLENGE for BAC refused", answer.sw)
    rnd_icc = answer.data
    rnd_ifd, k_ifd = random_bytes(CHALLENGE_SIZE), random_bytes(KEY_SIZE)
    e_ifd = encrypt_3des(k_enc, rnd_ifd + rnd_icc + k_ifd)
    answer = yield mutual_authenticate(e_ifd + retail_mac(k_mac, e_ifd))
    if answer.sw in _REJECTED:
        raise WrongMrz("the card refused the BAC cryptogram")
    if not answer.ok or len(answer.data) != _AUTHENTICATION_SIZE + _MAC_SIZE:
        raise ProtocolError("MUTUAL AUTHENTICATE refused", answer.sw)
    e_icc, m_icc = answer.data[:_AUTHENTICATION_SIZE], answer.data[_AUTHENTICATION_SIZE:]
    if not hmac.compare_digest(retail_mac(k_mac, e_icc), m_icc):
        raise ProtocolError("the card's BAC answer fails its MAC")
    plain = decrypt_3des(k_enc, e_icc)
    if plain[:8] != rnd_icc or plain[8:16] != rnd_ifd:
        raise ProtocolError("the card's BAC answer does not return our challenges")
    k_seed = bytes(a ^ b for a, b in zip(k_ifd, plain[16:], strict=True))
    return SecureChannel(
        kdf.derive(k_seed, kdf.ENC),
        kdf.derive(k_seed, kdf.MAC),
        ssc_from_challenges(rnd_icc, rnd_ifd),
    )
