"""The rules a new PIN must follow, checked by the kiosk before anything is sent.

The card checks only the length; the kiosk refuses PINs anyone would guess first: all digits
the same (``11111111``) and runs up or down (``12345678``, ``98765432``, ``89012345`` wrapping
past 9 too). The citizen sees the rules before typing, and a refusal names the rule broken.
The digits are read in place from the holder and never copied.
"""

from __future__ import annotations

import enum

from kiosk.cie.secret import Secret

PIN_LENGTH = 8


class PinRule(enum.Enum):
    """A broken rule; the value is the message id the new-PIN screen shows."""

    LENGTH = "pin.rule.length"
    ALL_SAME = "pin.rule.all_same"
    SEQUENCE = "pin.rule.sequence"


RULES_SHOWN = (PinRule.LENGTH, PinRule.ALL_SAME, PinRule.SEQUENCE)


def broken_rule(pin: Secret) -> PinRule | None:
    """The first rule ``pin`` breaks, or None when it is a good new PIN."""
    digits = pin.reveal()
    try:
        if len(digits) != PIN_LENGTH:
            return PinRule.LENGTH
        steps = {(digits[i + 1] - digits[i]) % 10 for i in range(PIN_LENGTH - 1)}
        if steps == {0}:
            return PinRule.ALL_SAME
        if steps in ({1}, {9}):
            return PinRule.SEQUENCE
        return None
    finally:
        digits.release()


def same_digits(first: Secret, second: Secret) -> bool:
    """Whether two holders hold the same digits (the new PIN typed twice)."""
    a, b = first.reveal(), second.reveal()
    try:
        return len(a) == len(b) and all(x == y for x, y in zip(a, b, strict=True))
    finally:
        a.release()
        b.release()
