"""Basic access control, card side: GET CHALLENGE and MUTUAL AUTHENTICATE (PROTOCOL.md §4.3).

From ICAO 9303-11 §4.3, sharing only 3DES, MAC and padding with the terminal (DESIGN.md §2).
The chip holds K_seed, derived from the MRZ when the card was made (icao_data.py), and from
it K_enc and K_mac. The terminal proves it read the MRZ by encrypting RND.IFD ‖ RND.ICC ‖
K.IFD under them; the card answers RND.ICC ‖ RND.IFD ‖ K.ICC, and both derive the session
keys from K.IFD ⊕ K.ICC with SSC = RND.ICC[4:8] ‖ RND.IFD[4:8].

A challenge serves one attempt: a terminal that fails must ask for a new one, so it cannot
replay a cryptogram against the same RND.ICC. A wrong MRZ is ``6300``, as 9303-11 says.
"""

from __future__ import annotations

import hmac
import secrets

from kiosk.cie import des
from kiosk.sim.apdu import SW_AUTH_FAILED, SW_CONDITIONS, SW_OK, SW_WRONG_LENGTH
from kiosk.sim.icao_data import kdf
from kiosk.sim.sm import SecureMessaging

CHALLENGE = 8
KEY = 16
_CRYPTOGRAM = 2 * CHALLENGE + KEY  # E_IFD: 32 bytes
_COMMAND = _CRYPTOGRAM + 8  # E_IFD ‖ M_IFD



class Bac:
    def __init__(self, seed: bytes) -> None:
        self._k_enc, self._k_mac = kdf(seed, 1), kdf(seed, 2)
        self._challenge: bytes | None = None

    def reset(self) -> None:
        self._challenge = None

    def get_challenge(self) -> bytes:
        self._challenge = secrets.token_bytes(CHALLENGE)
        return self._challenge

    def mutual_authenticate(self, data: bytes) -> tuple[bytes, bytes, SecureMessaging | None]:
        """(answer, SW, the channel BAC opened or None)."""
        challenge, self._challenge = self._challenge, None
        if challenge is None:
            return b"", SW_CONDITIONS, None
        if len(data) != _COMMAND:
            return b"", SW_WRONG_LENGTH, None
        cryptogram, mac = data[:_CRYPTOGRAM], data[_CRYPTOGRAM:]
        if not hmac.compare_digest(des.retail_mac(self._k_mac, cryptogram), mac):
            return b"", SW_AUTH_FAILED, None
        plain = des.decrypt_3des(self._k_enc, cryptogram)
        rnd_ifd, rnd_icc, k_ifd = plain[:8], plain[8:16], plain[16:]
        if not hmac.compare_digest(rnd_icc, challenge):
            return b"", SW_AUTH_FAILED, None
        k_icc = secrets.token_bytes(KEY)
        answer = des.encrypt_3des(self._k_enc, challenge + rnd_ifd + k_icc)
        answer += des.retail_mac(self._k_mac, answer)
        seed = bytes(a ^ b for a, b in zip(k_ifd, k_icc, strict=True))
        ssc = int.from_bytes(challenge[4:] + rnd_ifd[4:], "big")
        return answer, SW_OK, SecureMessaging(kdf(seed, 1), kdf(seed, 2), ssc)
