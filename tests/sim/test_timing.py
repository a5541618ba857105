"""The timing model of a real CIE: what each kind of command costs, and that the card plays
it only when its profile asks (the tests' cards answer at once)."""

from __future__ import annotations

import pytest

from kiosk.cie.ids import CIE_AID
from kiosk.sim import timing
from kiosk.sim.card import VirtualCie
from kiosk.sim.profile import Behaviours, new_profile

SELECT_CIE = bytes.fromhex("00A4040C06") + CIE_AID


def test_air_time_follows_iso_14443_at_106_kbit() -> None:
    # a 256-byte answer to a 5-byte command: 267 bytes of 9.44 µs bits, 2 frame delays, reader
    expected = (5 + 256 + 2 * 3) * 9 * 128 / 13.56e6 + 2 * 1172 / 13.56e6 + 0.002
    assert timing.seconds(bytes.fromhex("00B0000000"), bytes(254) + b"\x90\x00") == pytest.approx(
        expected + timing.COMMAND_SECONDS)


@pytest.mark.parametrize(("command", "work"), [
    (bytes.fromhex("002241A6") + bytes(200), 3 * timing.DH_EXPONENTIATION_SECONDS),  # IAS DH
    (bytes.fromhex("102241A6") + bytes(255), timing.COMMAND_SECONDS),  # its first piece
    (bytes.fromhex("0C88000010") + bytes(16), timing.RSA_PRIVATE_SECONDS),  # a signature
    (bytes.fromhex("0C82000010") + bytes(16), timing.RSA_PUBLIC_SECONDS),  # EXTERNAL AUTH
    (bytes.fromhex("0C20008113") + b"\x87" + bytes(18), 2 * timing.EEPROM_WRITE_SECONDS),
    (bytes.fromhex("0C2000810A") + b"\x8e" + bytes(9), timing.COMMAND_SECONDS),  # empty VERIFY
    (bytes.fromhex("10860000") + bytes(260), 2 * timing.DH_EXPONENTIATION_SECONDS),  # PACE
])
def test_what_the_chip_computes(command: bytes, work: float) -> None:
    answer = b"\x90\x00"
    protected = bool(command[0] & 0x0C)
    sm = timing.SM_SECONDS + (len(command) + 2) // 8 * timing.SM_BLOCK_SECONDS if protected else 0
    assert timing.seconds(command, answer) == pytest.approx(
        timing._air(command, answer) + work + sm)


def test_the_card_plays_the_model_only_when_asked() -> None:
    instant = VirtualCie(new_profile())
    assert instant.apdu(SELECT_CIE) == b"\x90\x00"
    assert instant.modelled_seconds == 0
    profile = new_profile()
    profile.behaviours = Behaviours(timing="cie")
    slow = VirtualCie(profile)
    assert slow.apdu(SELECT_CIE) == b"\x90\x00"
    assert slow.modelled_seconds == pytest.approx(timing.seconds(SELECT_CIE, b"\x90\x00"))
