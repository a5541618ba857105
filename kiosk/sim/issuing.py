"""Issuing a complete virtual CIE: keys, certificate, public files and EF.SOD, all consistent.

A card is made once, like a real one at the Poligrafico: the keys are drawn, the public files
are derived from them, the document signer signs their hashes, and the whole is saved as a
profile. The PIN, PUK and CAN are the virtual card's own made-up secrets; the defaults are
fixed demo values so that a demo or a manual test needs no lookup. The ICAO side is issued
by icao_issuing.py from the same identity.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from asn1crypto import keys as asn1_keys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kiosk.cie import ids
from kiosk.sim import ias_data, icao_issuing, pki, sod
from kiosk.sim.ias_data import IasKeys, PinState
from kiosk.sim.profile import CardProfile, ProfileError, new_profile

DEMO_PIN = "12345678"
DEMO_PUK = "87654321"
DEMO_SERIAL = "CA00000AA"
SERIAL_LENGTH = 9
CODICE_FISCALE_LENGTH = 16
# EF 1003 is allocated larger than the certificate and padded with zeros (PROTOCOL.md §1.3),
# so terminals must trim it to the DER length; the size of real cards' EF is not published.
CERTIFICATE_FILE_SIZE = 2048


def issue(
    authority: pki.TestPki,
    *,
    family: str = "NXP",
    identity: dict[str, str] | None = None,
    pin: str = DEMO_PIN,
    puk: str = DEMO_PUK,
    serial: str = DEMO_SERIAL,
    can: str = icao_issuing.DEMO_CAN,
    birth: dt.date | None = None,
    expiry: dt.date | None = None,
) -> CardProfile:
    """A new card of ``family``; the identity defaults to the demo card's (profile.py).

    ``birth`` defaults to the codice fiscale's, ``expiry`` to the CIE rule (icao_issuing.py).
    """
    if len(serial) != SERIAL_LENGTH or not serial.isascii() or not serial.isalnum():
        raise ProfileError(f"the card serial must be {SERIAL_LENGTH} letters and digits")
    profile = new_profile(family, identity)
    codice_fiscale = profile.identity.get("codice_fiscale", "")
    if len(codice_fiscale) != CODICE_FISCALE_LENGTH or not codice_fiscale.isalnum():
        raise ProfileError(f"the codice fiscale must be {CODICE_FISCALE_LENGTH} letters and digits")
    if not (profile.identity.get("given_name") and profile.identity.get("surname")):
        raise ProfileError("the card holder needs a given name and a surname")
    try:
        pins = PinState.create(pin, puk)
    except ValueError:
        raise ProfileError(f"PIN and PUK must be {ias_data.PIN_LENGTH} digits") from None
    keys = ias_data.new_ias_keys()
    certificate = pki.issue_auth_certificate(
        authority, keys.private_key(0x81).public_key(), profile.identity, expiry
    ).public_bytes(serialization.Encoding.DER)
    if len(certificate) > CERTIFICATE_FILE_SIZE:
        raise ProfileError("the authentication certificate does not fit EF 1003")
    files = profile.files
    files["mf:D004"] = _dh_file(keys)
    files["cie:1002"] = serial.encode("ascii")
    files["cie:1003"] = certificate.ljust(CERTIFICATE_FILE_SIZE, b"\x00")
    files["cie:1004"] = _rsa_public_file(keys.private_key(0x82))
    files["cie:1005"] = _rsa_public_file(keys.private_key(0x83))
    files["cie:1006"] = sod.security_object(
        _sod_entries(files, certificate), authority.document_signer
    )
    profile.identity["serial"] = serial
    profile.ias = keys
    profile.pins = pins
    icao_issuing.issue_icao(profile, authority, can=can, birth=birth, expiry=expiry)
    return profile


def _sod_entries(files: dict[str, bytes], certificate: bytes) -> list[tuple[int, bytes]]:
    """The files EF.SOD vouches for, trimmed, in a real card's order (PROTOCOL.md §2.11)."""
    return [
        (0xA5, files["cie:1005"]),
        (0x1B, files["mf:D004"]),
        (0xA4, files["cie:1004"]),
        (0xA3, certificate),
        (0xA2, files["cie:1002"][:SERIAL_LENGTH]),
        (0xA1, files["cie:1001"][: ids.NIS_LENGTH]),
    ]


def _rsa_public_file(key: rsa.RSAPrivateKey) -> bytes:
    """EF 1004 / EF 1005: the public key as a PKCS#1 ``RSAPublicKey`` (PROTOCOL.md §1.3)."""
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.PKCS1
    )


def _dh_file(keys: IasKeys) -> bytes:
    """EF.DH (D004). Its real layout is not published (INFERRED): we store the X9.42
    ``DomainParameters {p, g, q}``, a DER object that terminals can trim by its length."""
    p, g, q = (int.from_bytes(value, "big") for value in (keys.dh_p, keys.dh_g, keys.dh_q))
    der: bytes = asn1_keys.DomainParameters({"p": p, "g": g, "q": q}).dump()
    return der


def write_card(out: Path, pki_dir: Path | None = None, **options: Any) -> Path:
    """Issue a card with :func:`issue` and save it to ``out``; the PKI directory used.

    Without ``pki_dir`` the card gets a PKI of its own next to it (``OUT.pki``), made on the
    first call and reused after, so that a folder of anchors for it always exists.
    """
    directory = pki_dir or out.with_suffix(".pki")
    reuse = pki_dir is not None or (directory / pki.CSCA_FILE).exists()
    authority = pki.load(directory) if reuse else pki.new()
    profile = issue(authority, **options)
    if not reuse:
        pki.save(authority, directory)
    profile.save(out)
    return directory
