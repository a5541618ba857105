"""Whatever a card answers, authentication ends in a result or a coded CieError: never an
IndexError, a ValueError or a hang (h11's fuzz invariant, applied to the whole IAS flow)."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.cie import tasks
from kiosk.cie.apdu import Command, Response
from kiosk.cie.atr import ChipFamily
from kiosk.cie.errors import CieError
from kiosk.cie.flow import drive
from kiosk.cie.link import CardLink
from kiosk.cie.secret import Secret
from kiosk.sim.card import VirtualCie
from kiosk.sim.profile import CardProfile
from tests.conftest import TEST_PIN


def honest_answers(card: VirtualCie) -> Callable[[Command], bytes]:
    def exchange(command: Command) -> bytes:
        answer = card.apdu(command.encode())
        assert answer is not None
        data = bytearray(answer[:-2])
        while answer[-2] == 0x61:
            answer = card.apdu(bytes.fromhex("00C00000") + answer[-1:])
            assert answer is not None
            data += answer[:-2]
        return bytes(data) + answer[-2:]

    return exchange


def garbling(card: VirtualCie, seed: int) -> Callable[[Command], Response]:
    """Honest answers, but one of the first 40 is truncated, bit-flipped or replaced."""
    rng = random.Random(seed)
    honest = honest_answers(card)
    victim = rng.randrange(40)
    count = 0

    def exchange(command: Command) -> Response:
        nonlocal count
        answer = honest(command)
        count += 1
        if count - 1 == victim:
            kind = rng.randrange(3)
            if kind == 0:
                answer = answer[: rng.randrange(len(answer) + 1)]
            elif kind == 1 and answer:
                i = rng.randrange(len(answer))
                flipped = answer[i] ^ (1 << rng.randrange(8))
                answer = answer[:i] + bytes((flipped,)) + answer[i + 1 :]
            else:
                answer = rng.randbytes(rng.randrange(2, 300))
        return Response.parse(answer)

    return exchange


@pytest.mark.slow
def test_garbled_answers_give_coded_errors(issued_card: Callable[..., Path]) -> None:
    profile = CardProfile.load(issued_card())
    for seed in range(60):
        pin = Secret.from_digits(bytearray(TEST_PIN.encode()))
        flow = tasks.authenticate(CardLink(ChipFamily.NXP), pin, hashlib.sha256(b"x").digest())
        try:
            drive(flow, garbling(VirtualCie(profile), seed))
        except CieError as error:
            assert error.code, seed
