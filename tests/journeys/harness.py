"""A kiosk in a test: a session on the in-process virtual reader, a clock the test moves, an
automatic UI (like AusweisApp's UiPluginAutomatic) that presses what a citizen would, and an
audit sink that keeps what the session records."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509

from kiosk.attach import build_reader
from kiosk.cie import tasks
from kiosk.cie.info import identify_family
from kiosk.cie.link import CardLink
from kiosk.cie.secret import Secret
from kiosk.files import load_anchors
from kiosk.hardware.reader import CardReader
from kiosk.hardware.virtual import VirtualDriver
from kiosk.journeys import (
    Cancel,
    CardInserted,
    CardRemoved,
    CertificatePolicy,
    Choice,
    Chosen,
    Confirmed,
    DigitTyped,
    Event,
    InlineCardWorker,
    KioskSession,
    Phase,
    Screen,
    ThreadCardWorker,
    Tick,
    Timing,
    View,
)
from kiosk.journeys.events import CardDone, CardFailed
from kiosk.journeys.guidance import Guidance
from kiosk.journeys.ports import (
    BackOfficeLink,
    EventValue,
    Level3Checker,
    PhoneLogin,
    Receipts,
    StepsPrinter,
    TicketDesk,
)
from kiosk.journeys.worker import CardJob, CardWorker, Errand
from kiosk.sim.card import VirtualCie
from kiosk.sim.profile import CardProfile


def policy(pki: Path) -> CertificatePolicy:
    """The card's CIE authentication CA, and its CSCA for what is read with the CAN."""
    _, _, der = pem.unarmor((pki / "cie-auth-ca.pem").read_bytes())
    return CertificatePolicy([asn1_x509.Certificate.load(der)],
                             documents=load_anchors([pki / "csca.pem"]))


def set_tries(profile: Path, pin: int | None = None, puk: int | None = None) -> None:
    """Put the card's counters where a test needs them (the card keeps them in its profile)."""
    document = CardProfile.load(profile)
    assert document.pins is not None
    if pin is not None:
        document.pins.pin_tries = pin
    if puk is not None:
        document.pins.puk_tries = puk
    document.save()


class TearableCard:
    """The virtual CIE, which a test can take away in the two ways a hand moves it: torn while
    the kiosk waits for the answer after the next ``apdus_left`` answers (the torn command
    reaching the chip when ``torn_runs``), or gone right after the next ``leave_after``
    answers. ``log`` keeps every command it got."""

    def __init__(self, card: VirtualCie) -> None:
        self.card = card
        self.atr = card.atr
        self.apdus_left: int | None = None
        self.leave_after: int | None = None
        self.torn_runs = False
        self.tear_at: tuple[int, bool] | None = None  # an instruction, and "with data only"
        self.gone = False
        self.apdus_seen = 0
        self.log: list[bytes] = []
        self.threads: set[str] = set()

    @property
    def in_field(self) -> bool:
        return not self.gone

    def reset(self) -> None:
        self.card.reset()

    def laid_again(self) -> None:
        """Back on the reader, to stay."""
        self.apdus_left = self.leave_after = self.tear_at = None
        self.gone = False

    def tear_at_instruction(self, ins: int, *, runs: bool, with_data: bool = False) -> None:
        """Tear at the next command with instruction ``ins`` (under SM, ``with_data``: only
        one that carries a cryptogram, e.g. a VERIFY with a code rather than an empty one)."""
        self.tear_at, self.torn_runs = (ins, with_data), runs

    def apdu(self, raw: bytes) -> bytes | None:
        if self.tear_at is not None and raw[1] == self.tear_at[0] and (
                not self.tear_at[1] or raw[5:6] == b"\x87"):
            self.apdus_left, self.tear_at = 0, None
        if self.apdus_left == 0:
            if self.torn_runs:
                self.card.apdu(raw)
            return None
        if self.apdus_left is not None:
            self.apdus_left -= 1
        self.apdus_seen += 1
        self.log.append(raw)
        self.threads.add(threading.current_thread().name)
        answer = self.card.apdu(raw)
        if self.leave_after is not None:
            self.leave_after -= 1
            self.gone = self.leave_after == 0
        return answer


class ScriptedWorker(CardWorker):
    """A card worker that answers every job with the next scripted outcome (for the error
    branches no well-behaved card produces); it wipes the job's secrets as the real one does."""

    def __init__(self, answers: list[Callable[[int], Event]]) -> None:
        super().__init__(reader=None)  # type: ignore[arg-type]
        self.answers = answers
        self.jobs: list[str] = []

    def _start(self, ticket: int, job: CardJob | Errand) -> None:
        self.jobs.append(job.name)
        for secret in job.secrets:
            secret.wipe()
        self.post(self.answers.pop(0)(ticket))


class HeldWorker(CardWorker):
    """A card worker that holds each job until the test releases it, then runs it on the real
    card: what the session does while a card job is running, step by step."""

    def __init__(self, reader: CardReader) -> None:
        super().__init__(reader)
        self.waiting: list[tuple[int, CardJob]] = []

    def _start(self, ticket: int, job: CardJob | Errand) -> None:
        assert isinstance(job, CardJob), "the held journeys run card jobs only"
        self.waiting.append((ticket, job))

    def release(self) -> None:
        ticket, job = self.waiting.pop(0)
        self.post(self._outcome(ticket, job))


def fails(code: str, tries_left: int | None = None) -> Callable[[int], Event]:
    return lambda ticket: CardFailed(ticket, code, tries_left)


def answers(result: Any) -> Callable[[int], Event]:
    return lambda ticket: CardDone(ticket, result)


class Recorded:
    """An audit sink that keeps every event, as (kind, data) pairs, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, EventValue]]] = []

    def record(self, kind: str, data: Mapping[str, EventValue]) -> None:
        self.events.append((kind, dict(data)))

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.events]


@dataclass
class FakeClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


class Kiosk:
    """A session wired as :mod:`kiosk.app` will wire it, with the card not yet on the reader."""

    def __init__(self, profile: Path | None, pki: Path | None = None, *,
                 threaded: bool = False, held: bool = False, worker: CardWorker | None = None,
                 timing: Timing | None = None, level3: Level3Checker | None = None,
                 tickets: TicketDesk | None = None, phone: PhoneLogin | None = None,
                 link: BackOfficeLink | None = None, receipts: Receipts | None = None,
                 audit: Recorded | None = None, guidance: Guidance | None = None,
                 steps_printer: StepsPrinter | None = None) -> None:
        self.clock = FakeClock()
        self.audit = audit or Recorded()
        self.card: TearableCard | None = None
        if worker is None:
            assert profile is not None
            reader, card = build_reader(f"sim:{profile}")
            assert card is not None and isinstance(reader.driver, VirtualDriver)
            self.reader, self.driver, self.card = reader, reader.driver, TearableCard(card)
            worker = (ThreadCardWorker(reader) if threaded else HeldWorker(reader) if held
                      else InlineCardWorker(reader))
        self.worker = worker
        anchors = policy(pki) if pki is not None else CertificatePolicy([])
        self.session = KioskSession(worker, anchors, clock=self.clock, timing=timing,
                                    events=self.audit, level3=level3, tickets=tickets,
                                    phone=phone, link=link, receipts=receipts,
                                    guidance=guidance, steps_printer=steps_printer)

    def close(self) -> None:
        self.worker.close()

    # what the citizen and the reader do

    def send(self, event: Event) -> View:
        self.session.handle(event)
        self.settle()
        return self.session.view

    def settle(self) -> None:
        """Wait for the card worker (threaded runs) and handle what it posted."""
        if isinstance(self.worker, ThreadCardWorker):
            while self.session.busy:
                assert self.worker.wait_idle(20), "the card worker did not answer"
                self.session.pump()

    def choose(self, choice: Choice) -> View:
        view = self.session.view
        assert choice in view.options, f"{choice} not offered on {view.screen}: {view.options}"
        return self.send(Chosen(choice))

    def back(self) -> View:
        """The screen's one way back (the Cancel button, whatever its label)."""
        assert self.session.view.can_cancel, f"no way back on {self.session.view.screen}"
        return self.send(Cancel())

    def type(self, digits: str, confirm: bool = True) -> View:
        for char in digits:
            self.send(DigitTyped(ord(char)))
        return self.send(Confirmed()) if confirm else self.session.view

    def insert(self) -> View:
        assert self.card is not None
        self.driver.insert(self.card)
        return self.send(CardInserted())

    def remove(self) -> View:
        if self.card is not None:
            self.driver.remove()
        return self.send(CardRemoved())

    def tear_after(self, apdus: int, *, torn_runs: bool = False) -> None:
        assert self.card is not None
        self.card.apdus_left = apdus
        self.card.torn_runs = torn_runs

    def leave_after(self, apdus: int) -> None:
        assert self.card is not None
        self.card.leave_after = apdus

    def wait(self, seconds: float) -> View:
        self.clock.now += seconds
        return self.send(Tick())

    def open(self, journey: Choice) -> View:
        """Attract screen → language (Italian kept) → the menu's button for ``journey``."""
        self.choose(Choice.START)
        self.choose(Choice.CONTINUE)
        return self.choose(journey)

    # what the test looks at

    @property
    def view(self) -> View:
        return self.session.view

    @property
    def screen(self) -> Screen:
        return self.session.view.screen

    def phase(self) -> Phase:
        """The session's phase now. A call, unlike ``session.phase``: mypy carries an ``is``
        narrowing of an attribute over the events sent after it, never of a call's result."""
        return self.session.phase

    @property
    def state(self) -> str | None:
        journey = self.session.journey
        return journey.state.name if journey else None

    def secrets(self) -> Iterator[Secret]:
        journey = self.session.journey
        if journey is not None:
            yield from journey.ctx.secrets()


def card_status(profile: Path) -> tasks.CardStatus:
    """The card's tries left, read on a fresh card object from the profile file."""
    reader, card = build_reader(f"sim:{profile}")
    assert card is not None and isinstance(reader.driver, VirtualDriver)
    reader.driver.insert(card)
    try:
        with reader.session() as session:
            family = session.run(identify_family(session.atr))
            return session.run(tasks.status(CardLink(family)))
    finally:
        reader.close()
