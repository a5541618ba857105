"""The 3DES key derivation of ICAO 9303-11 §9.7.1: SHA-1(secret ‖ counter)[0:16].

BAC (from the MRZ seed and from K.IFD ⊕ K.ICC), PACE (K_π from the CAN, then KS_ENC and KS_MAC
from the shared secret) and Chip Authentication all derive their 2-key 3DES keys this way, so
it lives once, here. Counter 1 gives the encryption key, 2 the MAC key, 3 the PACE password key.
Parity bits are left as SHA-1 made them: DES ignores them (PROTOCOL.md §4.2 step 8).
"""

from __future__ import annotations

import hashlib

ENC, MAC, PASSWORD = 1, 2, 3


def derive(secret: bytes | memoryview, counter: int) -> bytes:
    """SHA-1(secret ‖ counter as 4 bytes)[0:16]."""
    digest = hashlib.sha1(secret)  # noqa: S324 - the algorithm ICAO prescribes for 3DES keys
    digest.update(counter.to_bytes(4, "big"))
    return digest.digest()[:16]
