"""What a card profile keeps for the ICAO applet: the keys a real chip is personalised with.

A chip never holds the CAN or the MRZ as text: it holds what PACE and BAC derive from them,
K_π = SHA-1(CAN ‖ 00000003)[0:16] (PROTOCOL.md §4.2) and the BAC K_seed = SHA-1(MRZ
information)[0:16] (§4.3). Storing those instead of the six digits keeps the CAN out of every
file, as PinState does for PIN and PUK. It hides the digits, it does not protect them: a
million SHA-1s find a CAN from K_π, exactly as they would from a real chip's memory.

The chip authentication key is drawn once, when the card is made, because DG14 publishes its
public half and EF.SOD signs DG14: a key made at every start would contradict both.
"""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, ConfigDict, field_validator

from kiosk.cie.bignum import powmod
from kiosk.sim import rfc5114
from kiosk.sim.ias_data import HexBytes

CAN_LENGTH = 6
KEY_SIZE = 16
_PACE_COUNTER = 3


def kdf(secret: bytes, counter: int) -> bytes:
    """ICAO 9303-11 §9.7.1 for 3DES keys: SHA-1(secret ‖ 32-bit counter)[0:16]. Counter 1
    gives an encryption key, 2 a MAC key, 3 PACE's password key."""
    digest = hashlib.sha1(secret + counter.to_bytes(4, "big"))  # noqa: S324 - ICAO prescribes it
    return digest.digest()[:KEY_SIZE]


def _bac_seed(mrz_information: str) -> bytes:
    digest = hashlib.sha1(mrz_information.encode("ascii"))  # noqa: S324 - ICAO's derivation
    return digest.digest()[:KEY_SIZE]


class IcaoKeys(BaseModel):
    """Byte strings are hex in the JSON."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pace_key: HexBytes
    bac_seed: HexBytes
    chip_key: HexBytes

    @field_validator("pace_key", "bac_seed")
    @classmethod
    def _des_key(cls, value: bytes) -> bytes:
        if len(value) != KEY_SIZE:
            raise ValueError(f"must be {KEY_SIZE} bytes")
        return value

    @field_validator("chip_key")
    @classmethod
    def _exponent(cls, value: bytes) -> bytes:
        if not 1 <= int.from_bytes(value, "big") < rfc5114.Q:
            raise ValueError("must be a private exponent of the RFC 5114 group")
        return value

    @classmethod
    def create(cls, can: str, mrz_information: str) -> IcaoKeys:
        """Raises ValueError unless ``can`` is 6 digits."""
        if len(can) != CAN_LENGTH or not can.isascii() or not can.isdigit():
            raise ValueError(f"the CAN must be {CAN_LENGTH} digits")
        return cls(
            pace_key=kdf(can.encode("ascii"), _PACE_COUNTER),
            bac_seed=_bac_seed(mrz_information),
            chip_key=rfc5114.private_exponent().to_bytes(32, "big"),
        )

    @property
    def chip_public_key(self) -> int:
        return powmod(rfc5114.G, int.from_bytes(self.chip_key, "big"), rfc5114.P)
