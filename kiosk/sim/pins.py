"""PIN and PUK on the card side: VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER (§3).

The counters are the card's EEPROM, so every change goes to the profile file at once, and the
try is spent *before* the comparison and given back after a match: a terminal that tears the
card away between the two (to read the answer's timing without paying for a wrong guess) gets
nothing for free, which is what real cards do against tearing attacks.

Status words follow ISO/IEC 7816-4: ``63Cx`` for a wrong code with x tries left (``63C0`` on
the try that blocks), ``6983`` once blocked, ``6982`` when the command arrives outside the
DAPP-authenticated secure channel. Ten wrong PUKs end the card's digital life for good
(PROTOCOL.md §3): nothing unblocks the PUK, and from then on the PIN answers ``6983`` as well
(UNCERTAIN: whether a still-unblocked PIN keeps working on a real card is not published; the
citizen-facing rule "digital functions blocked" is what we play).
"""

from __future__ import annotations

from kiosk.sim.apdu import (
    SW_BLOCKED,
    SW_NO_REFERENCE,
    SW_OK,
    SW_SECURITY,
    SW_WRONG_DATA,
    SW_WRONG_LENGTH,
    SW_WRONG_P1P2,
)
from kiosk.sim.ias_data import PIN_LENGTH, PIN_TRIES, PUK_TRIES, PinState
from kiosk.sim.profile import CardProfile

PIN_REF, PUK_REF = 0x81, 0x82


def tries_left(count: int) -> bytes:
    return bytes((0x63, 0xC0 | count))


def _is_code(data: bytes) -> bool:
    return len(data) == PIN_LENGTH and all(0x30 <= byte <= 0x39 for byte in data)


class PinStore:
    """The persistent counters of a profile plus what this session has verified."""

    def __init__(self, profile: CardProfile) -> None:
        self._profile = profile
        self.reset()

    def reset(self) -> None:
        self.pin_verified = False
        self._puk_verified = False

    def verify(self, reference: int, data: bytes, *, secure: bool) -> bytes:
        state = self._profile.pins
        if state is None or reference not in (PIN_REF, PUK_REF):
            return SW_NO_REFERENCE
        if not secure:
            return SW_SECURITY
        is_pin = reference == PIN_REF
        if self._blocked(state, is_pin=is_pin):
            return SW_BLOCKED
        if not data:
            if not self._profile.behaviours.empty_verify:
                return SW_WRONG_LENGTH
            verified = self.pin_verified if is_pin else self._puk_verified
            return SW_OK if verified else tries_left(self._tries(state, is_pin=is_pin))
        if not _is_code(data):
            return SW_WRONG_LENGTH
        matched = self._try(state, data, is_pin=is_pin)
        if is_pin:
            self.pin_verified = matched
        else:
            self._puk_verified = matched
        return SW_OK if matched else tries_left(self._tries(state, is_pin=is_pin))

    def change(self, p1: int, reference: int, data: bytes, *, secure: bool) -> bytes:
        """CHANGE REFERENCE DATA ``00 24 00 81``: old PIN ‖ new PIN, 16 digits."""
        state = self._profile.pins
        if p1 != 0x00:
            return SW_WRONG_P1P2
        if state is None or reference != PIN_REF:
            return SW_NO_REFERENCE
        if not secure:
            return SW_SECURITY
        if self._blocked(state, is_pin=True):
            return SW_BLOCKED
        old, new = data[:PIN_LENGTH], data[PIN_LENGTH:]
        if not (_is_code(old) and _is_code(new)):
            return SW_WRONG_LENGTH if len(data) != 2 * PIN_LENGTH else SW_WRONG_DATA
        if not self._try(state, old, is_pin=True):
            self.pin_verified = False
            return tries_left(state.pin_tries)
        state.set_pin(new)
        self._save()
        self.pin_verified = True
        return SW_OK

    def reset_retry_counter(self, p1: int, reference: int, data: bytes, *, secure: bool) -> bytes:
        """``00 2C 02 81 <new PIN>`` or ``00 2C 03 81``, both after a verified PUK."""
        state = self._profile.pins
        if p1 not in (0x02, 0x03):
            return SW_WRONG_P1P2
        if state is None or reference != PIN_REF:
            return SW_NO_REFERENCE
        if not secure or not self._puk_verified:
            return SW_SECURITY
        if state.puk_tries == 0:
            return SW_BLOCKED
        if p1 == 0x03 and data:
            return SW_WRONG_LENGTH
        if p1 == 0x02:
            if not _is_code(data):
                return SW_WRONG_LENGTH if len(data) != PIN_LENGTH else SW_WRONG_DATA
            state.set_pin(data)
        state.pin_tries = PIN_TRIES
        self._save()
        self._puk_verified = False  # one PUK proof, one unblock
        return SW_OK

    def _try(self, state: PinState, candidate: bytes, *, is_pin: bool) -> bool:
        """Spend a try, compare, give the try back on a match; saved at each step."""
        if is_pin:
            state.pin_tries -= 1
        else:
            state.puk_tries -= 1
        self._save()
        if not state.matches(candidate, is_pin=is_pin):
            return False
        if is_pin:
            state.pin_tries = PIN_TRIES
        else:
            state.puk_tries = PUK_TRIES
        self._save()
        return True

    @staticmethod
    def _tries(state: PinState, *, is_pin: bool) -> int:
        return state.pin_tries if is_pin else state.puk_tries

    @staticmethod
    def _blocked(state: PinState, *, is_pin: bool) -> bool:
        return state.puk_tries == 0 or (is_pin and state.pin_tries == 0)

    def _save(self) -> None:
        """Write the counters through; a profile built in memory has nowhere to go."""
        if self._profile.path is not None:
            self._profile.save()
