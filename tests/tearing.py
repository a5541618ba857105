"""Cards taken away at every APDU of every card operation, through a real pcscd and vpcd.

A tear is run the way it happens at a kiosk: the virtual card lies on one of vpcd's two
slots, served from a thread of this process by the project's own vpcd link, and leaves either
while the kiosk waits for an answer (``tear_after_apdus``) or right after an answer, before
the kiosk's next command (``leave_after_apdus``). The kiosk side is the production reader
stack (pyscard, the frontend, the flows), driven as ``kiosk card`` drives it.

Shared by ``tests/hardware/test_tearing.py``, which asserts on every run, and by
``bench/tearing.py``, which prints how the runs ended and how long the kiosk took to say so.
A card in a thread rather than a ``kiosk sim card`` process saves half a second a run (the
interpreter's start); what the reader sees is the same socket closing.
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.cie import genuine, icao, tasks
from kiosk.cie.apdu import Command, Response
from kiosk.cie.errors import CieError
from kiosk.cie.flow import Flow, drive
from kiosk.cie.info import identify_family
from kiosk.cie.link import CardLink
from kiosk.cie.secret import Secret
from kiosk.cie.steps import CHANGES_CARD, Step
from kiosk.errors import KioskError
from kiosk.hardware.reader import CardReader, CardSession, Connection, open_reader
from kiosk.sim import vpcd
from kiosk.sim.card import VirtualCie
from kiosk.sim.ias_data import PinState
from kiosk.sim.profile import CardProfile

PIN, PUK, NEW_PIN, WRONG_PIN, CAN = "73914628", "46820135", "51739264", "00000000", "123456"
DIGEST = hashlib.sha256(b"tearing").digest()
CHALLENGE = bytes(range(genuine.CHALLENGE_SIZE))


def secret(digits: str) -> Secret:
    return Secret.from_digits(bytearray(digits.encode()))


Task = Callable[[CardLink], Flow[Any]]
# The operations of ``kiosk card``, as it runs them.
OPERATIONS: dict[str, Task] = {
    "status": tasks.status,
    "auth": lambda link: tasks.authenticate(link, secret(PIN), DIGEST, with_security_object=True),
    "auth-wrong-pin": lambda link: tasks.authenticate(link, secret(WRONG_PIN), DIGEST),
    "change-pin": lambda link: tasks.change(link, secret(PIN), secret(NEW_PIN)),
    "unblock": lambda link: tasks.unblock(link, secret(PUK), secret(NEW_PIN)),
    "verify-chip": lambda link: genuine.read_evidence(link.family, CHALLENGE),
    "read-id": lambda link: icao.read_identity(secret(CAN), link=link),
}


class SlotCard:
    """A virtual card on one vpcd slot: connecting lays it, closing the socket takes it away.

    ``left_at`` is when the card left by itself (its tear or its leave), on the monotonic
    clock, so the kiosk's time to say CARD_REMOVED can be measured from that moment.
    """

    def __init__(self, port: int, card: VirtualCie) -> None:
        self.card = card
        self.left_at: float | None = None
        self._sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self._sock.settimeout(None)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._thread = threading.Thread(target=self._serve, name="slot-card", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            if not vpcd.serve_connection(self._sock, self.card):
                self.left_at = time.monotonic()
        except (OSError, Exception):  # noqa: BLE001 - taken away by take_away(): the socket closed
            pass
        finally:
            self._sock.close()

    def take_away(self) -> None:
        if self._thread.is_alive():
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(5)


class Recording(Connection):
    """A connection that notes the step of every APDU it carries (GET RESPONSEs included)."""

    def __init__(self, inner: Connection) -> None:
        self.inner, self.atr = inner, inner.atr
        self.step: Step | None = None
        self.steps: list[Step | None] = []

    def transmit(self, apdu: bytes) -> bytes:
        self.steps.append(self.step)
        return self.inner.transmit(apdu)

    def reset(self) -> bytes:
        return self.inner.reset()

    def present(self) -> bool:
        return self.inner.present()

    def close(self) -> None:
        self.inner.close()


@dataclass
class Outcome:
    """How one run ended: the error code (None: it succeeded), what the error said was in
    doubt, the seconds from the card leaving to the error, and the card's counters."""

    code: str | None
    in_doubt: Step | None
    seconds: float | None
    before: PinState | None
    after: PinState | None
    steps: list[Step | None] = field(default_factory=list)


def run(session: CardSession, task: Task, record: Recording | None = None) -> Any:
    """Reset the card and run ``task`` for its family, as ``kiosk card`` does."""
    session.reset()
    link = CardLink(session.run(identify_family(session.atr)))
    if record is None:
        return session.run(task(link))

    def transmit(command: Command) -> Response:
        record.step = command.step
        return CardSession.transmit(session, command)

    return drive(task(link), transmit)


class Slot:
    """One vpcd slot of a private pcscd, with the kiosk's reader on it."""

    def __init__(self, reader_name: str, port: int) -> None:
        self.name = reader_name
        self.port = port
        self.reader: CardReader = open_reader(f"pcsc:{reader_name}")

    def close(self) -> None:
        self.reader.close()

    def lay(self, profile: CardProfile) -> SlotCard:
        from tests.conftest import wait_for_card

        card = SlotCard(self.port, VirtualCie(profile))
        wait_for_card(self.name, present=True)
        return card

    def clear(self, card: SlotCard) -> None:
        from tests.conftest import wait_for_card

        card.take_away()
        wait_for_card(self.name, present=False)

    def steps_of(self, template: Path, operation: str) -> list[Step | None]:
        """The step of every APDU a clean run sends (its length is the number of tears)."""
        card = self.lay(_profile(template, {}))
        try:
            with self.reader.session() as session:
                recording = Recording(session._connection)
                session._connection = recording
                with contextlib.suppress(CieError):  # a wrong PIN is refused: all its APDUs
                    run(session, OPERATIONS[operation], recording)
                steps = recording.steps
        finally:
            self.clear(card)
        return steps

    def torn_run(self, template: Path, operation: str, behaviours: dict[str, object]) -> Outcome:
        """One run of ``operation`` on a card made from ``template`` with ``behaviours``."""
        profile = _profile(template, behaviours)
        before = profile.pins.model_copy() if profile.pins else None
        card = self.lay(profile)
        code: str | None = None
        doubt: Step | None = None
        failed_at: float | None = None
        try:
            with self.reader.session() as session:
                run(session, OPERATIONS[operation])
        except (KioskError, CieError) as error:
            failed_at = time.monotonic()
            code, doubt = error.code, getattr(error, "in_doubt", None)
        finally:
            self.clear(card)
        seconds = None
        if failed_at is not None and card.left_at is not None:
            seconds = failed_at - card.left_at
        return Outcome(code, doubt, seconds, before, profile.pins)


def _profile(template: Path, behaviours: dict[str, object]) -> CardProfile:
    """A fresh card from ``template`` that keeps its counters in memory only."""
    profile = CardProfile.load(template)
    profile.path = None
    if behaviours:
        profile.behaviours = profile.behaviours.model_copy(update=behaviours)
    return profile


Behaviours = dict[str, object]
# The steps of an IAS session's opening, the same APDUs for every IAS operation.
OPENING = frozenset({None, Step.PUBLIC, Step.KEY_AGREEMENT, Step.DAPP})
READ_RUN_IN_FULL = 3


def tears(
    steps: list[Step | None], *, opening: bool = True, every_read: bool = False
) -> list[tuple[Behaviours, Step | None]]:
    """The tears of one operation, and the step each leaves in doubt (None: nothing at stake).

    Torn while the kiosk waits for answer N+1 (on odd N the chip still ran the torn command,
    on even N it never got it), or taken away right after answer N: either way APDU N+1 is the
    one whose answer never came. Without ``opening``, the APDUs before the operation's first
    own step are left to another operation's run. In a run of READ chunks, which differ only in
    their offset, the first three and then every third (and the last) are torn, unless
    ``every_read``.
    """
    first_own = 0 if opening else next(
        (index for index, step in enumerate(steps) if step not in OPENING), len(steps))
    runs: list[tuple[Behaviours, Step | None]] = []
    for index in range(first_own, len(steps)):
        if not every_read and not _worth_tearing(steps, index):
            continue
        step = steps[index]
        doubt = step if step in CHANGES_CARD else None
        torn = "done" if index % 2 else "lost"
        runs.append(({"tear_after_apdus": index, "torn_command": torn}, doubt))
        if index:
            runs.append(({"leave_after_apdus": index}, doubt))
    return runs


def _worth_tearing(steps: list[Step | None], index: int) -> bool:
    if steps[index] is not Step.READ:
        return True
    start = index
    while start and steps[start - 1] is Step.READ:
        start -= 1
    position = index - start
    last = index + 1 == len(steps) or steps[index + 1] is not Step.READ
    return position < READ_RUN_IN_FULL or position % READ_RUN_IN_FULL == 0 or last
