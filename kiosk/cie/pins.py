"""PIN and PUK on the IAS application: tries left, VERIFY, CHANGE REFERENCE DATA and RESET
RETRY COUNTER, all under secure messaging after DAPP (PROTOCOL.md §2.5, §3).

Two rules from DESIGN.md §7 shape this module. The digits go to the card only through
:meth:`SecureChannel.protect_secret`, which encrypts them from the caller's wipeable buffers,
so no plain copy is left in an immutable object. And tries are never guessed: the empty VERIFY
spends no try and answers ``63Cx``; a card that does not support it gets "unknown" (None), and
only the ``63Cx`` of a real failed attempt teaches the count then.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from kiosk.cie.apdu import Command, Response
from kiosk.cie.errors import (
    InvalidPinFormat,
    PinBlocked,
    ProtocolError,
    PukBlocked,
    WrongPin,
    WrongPuk,
)
from kiosk.cie.flow import Flow, tagged
from kiosk.cie.secret import Secret
from kiosk.cie.secured import protected, protected_secret
from kiosk.cie.sm import SecureChannel
from kiosk.cie.steps import Step

PIN_LENGTH = 8
SW_BLOCKED = 0x6983


class Reference(enum.IntEnum):
    PIN = 0x81
    PUK = 0x82


MAX_TRIES = {Reference.PIN: 3, Reference.PUK: 10}


@dataclass(frozen=True, slots=True)
class Tries:
    """What the card says about one reference: tries left (None = it did not say)."""

    left: int | None
    verified: bool = False

    @property
    def blocked(self) -> bool:
        return self.left == 0


def require_format(*secrets: Secret) -> None:
    for secret in secrets:
        if len(secret) != PIN_LENGTH:
            raise InvalidPinFormat("PIN and PUK are exactly 8 digits")


def tries_left(channel: SecureChannel, reference: Reference) -> Flow[Tries]:
    """The empty VERIFY (no data): ``63Cx`` without spending a try, ``9000`` when verified."""
    answer = yield from tagged(
        Step.TRIES, protected(channel, Command(0x00, 0x20, 0x00, reference))
    )
    if answer.ok:
        return Tries(left=MAX_TRIES[reference], verified=True)
    if answer.sw1 == 0x63 and answer.sw2 & 0xF0 == 0xC0:
        return Tries(left=answer.sw2 & 0x0F)
    if answer.sw == SW_BLOCKED:
        return Tries(left=0)
    return Tries(left=None)


def _outcome(answer: Response, reference: Reference, step: str) -> None:
    name = reference.name
    wrong, blocked = (WrongPin, PinBlocked) if name == "PIN" else (WrongPuk, PukBlocked)
    if answer.ok:
        return
    if answer.sw1 == 0x63 and answer.sw2 & 0xF0 == 0xC0:
        left = answer.sw2 & 0x0F
        if left == 0:
            raise blocked(f"{name} blocked")
        raise wrong(f"wrong {name}", tries_left=left)
    if answer.sw == SW_BLOCKED:
        raise blocked(f"{name} blocked")
    if answer.sw in (0x6300, 0x6700):  # the middleware reads both as "wrong", count unknown
        raise wrong(f"wrong {name}", tries_left=None)
    raise ProtocolError(f"{step} refused", answer.sw)


def verify(channel: SecureChannel, reference: Reference, secret: Secret) -> Flow[None]:
    require_format(secret)
    step = Step.VERIFY_PIN if reference == Reference.PIN else Step.VERIFY_PUK
    answer = yield from tagged(
        step, protected_secret(channel, Command(0x00, 0x20, 0x00, reference), secret)
    )
    _outcome(answer, reference, "VERIFY")


def change_pin(channel: SecureChannel, old: Secret, new: Secret) -> Flow[None]:
    """VERIFY with the old PIN, then CHANGE REFERENCE DATA with old ‖ new (§3)."""
    require_format(old, new)
    yield from verify(channel, Reference.PIN, old)
    answer = yield from tagged(Step.CHANGE_PIN, protected_secret(
        channel, Command(0x00, 0x24, 0x00, Reference.PIN), old, new
    ))
    _outcome(answer, Reference.PIN, "CHANGE REFERENCE DATA")


def unblock_pin(channel: SecureChannel, puk: Secret, new_pin: Secret) -> Flow[None]:
    """VERIFY with the PUK, then RESET RETRY COUNTER with the new PIN (P1 ``02``, §3)."""
    require_format(puk, new_pin)
    yield from verify(channel, Reference.PUK, puk)
    answer = yield from tagged(Step.UNBLOCK_PIN, protected_secret(
        channel, Command(0x00, 0x2C, 0x02, Reference.PIN), new_pin
    ))
    _outcome(answer, Reference.PIN, "RESET RETRY COUNTER")
