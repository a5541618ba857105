from __future__ import annotations

import pytest

from kiosk.cie.secret import Secret
from kiosk.journeys.pin_rules import PinRule, broken_rule, same_digits


def secret(digits: str) -> Secret:
    return Secret.from_digits(bytearray(digits.encode()))


@pytest.mark.parametrize(
    ("pin", "rule"),
    [
        ("51739264", None),
        ("12345679", None),
        ("00000001", None),
        ("1234567", PinRule.LENGTH),
        ("", PinRule.LENGTH),
        ("123456789", PinRule.LENGTH),
        ("00000000", PinRule.ALL_SAME),
        ("99999999", PinRule.ALL_SAME),
        ("12345678", PinRule.SEQUENCE),
        ("01234567", PinRule.SEQUENCE),
        ("98765432", PinRule.SEQUENCE),
        ("76543210", PinRule.SEQUENCE),
        ("89012345", PinRule.SEQUENCE),  # wrapping past 9 is still a run
        ("21098765", PinRule.SEQUENCE),
    ],
)
def test_new_pin_rules(pin: str, rule: PinRule | None) -> None:
    holder = secret(pin)
    assert broken_rule(holder) is rule
    assert len(holder) == len(pin)  # read in place, not consumed


def test_same_digits() -> None:
    assert same_digits(secret("51739264"), secret("51739264"))
    assert not same_digits(secret("51739264"), secret("51739265"))
    assert not same_digits(secret("51739264"), secret("5173926"))
