"""The card worker: runs one :mod:`kiosk.cie.tasks` flow at a time against the reader, off the
UI thread, and posts the outcome back as an event.

A :class:`CardJob` owns the secrets it sends: the journey moves the digits into the job's own
holders (:func:`take`) when it submits, so a session that ends while the card works wipes its
own holders without pulling digits from under an APDU, and the job wipes its holders when it
ends, whatever happened.

**One card session per journey.** The worker keeps the reader session and its
:class:`~kiosk.cie.link.CardLink` (the secure channel and its keys) between the jobs of a
journey, so "read the tries left" and then "change the PIN" open one channel, not two: on a
real chip that is seconds of DH and DAPP saved. The held session is dropped (the keys zeroed,
the card reset) when the card leaves or is reset, after any failure other than the card
refusing a code, when the journey ends (:meth:`CardWorker.end_card_session`, called by the
session) and after :attr:`CardWorker.idle_seconds` without a job. A job with no session held
starts from a freshly reset card, as the official middleware always does.

Answers carry a ticket: a journey that moved on (the card was taken away, the citizen left)
ignores the answer of a job it no longer waits for.
"""

from __future__ import annotations

import abc
import logging
import queue
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from kiosk.cie.errors import (
    CieError,
    ConfirmationRequired,
    InvalidPinFormat,
    PinBlocked,
    PukBlocked,
    WrongPin,
    WrongPuk,
)
from kiosk.cie.flow import Flow
from kiosk.cie.info import identify_family
from kiosk.cie.link import CardLink
from kiosk.cie.secret import Secret
from kiosk.errors import KioskError
from kiosk.hardware.reader import CardInserted as CardLaid
from kiosk.hardware.reader import CardLeft, CardReader, CardSession, ReaderDetached, ReaderEvent
from kiosk.journeys.catalogue import INTERNAL_ERROR
from kiosk.journeys.events import (
    CardDone,
    CardFailed,
    CardInserted,
    CardProgress,
    CardRemoved,
    Event,
)

log = logging.getLogger(__name__)

Post = Callable[[Event], None]
Task = Callable[[CardLink], Flow[Any]]
Clock = Callable[[], float]

# How long a card session may wait for the next job of its journey: longer than a citizen
# takes to type a PIN and a new one twice, shorter than a kiosk left alone with a card on it.
CARD_SESSION_IDLE_SECONDS = 120.0
# The card said no to a code: the session is fine, the next try may go on with it.
_REFUSALS = (WrongPin, WrongPuk, PinBlocked, PukBlocked, ConfirmationRequired, InvalidPinFormat)


@dataclass(eq=False)
class CardJob:
    """A task to run on the card session; ``finish`` post-processes its result on the worker
    thread too (certificate validation); ``secrets`` are wiped when the job ends."""

    name: str
    task: Task
    secrets: tuple[Secret, ...] = ()
    finish: Callable[[Any], Any] | None = None


@dataclass(eq=False)
class Errand:
    """Work that does not touch the card but must not block the UI either (a call to the
    back-office, bounded by its timeout): run on the worker's thread between card jobs, its
    answer posted like theirs. The card session held for the journey is left as it is."""

    name: str
    run: Callable[[], Any]
    secrets: tuple[Secret, ...] = ()


def take(source: Secret) -> Secret:
    """Move the digits of ``source`` into a new holder and wipe ``source``."""
    moved = Secret()
    digits = source.reveal()
    try:
        for digit in digits:
            moved.push(digit)
    finally:
        digits.release()
        source.wipe()
    return moved


@dataclass(eq=False)
class HeldCard:
    """The reader session and card link kept between the jobs of one journey."""

    stack: ExitStack
    session: CardSession
    link: CardLink
    resets: int
    used_at: float

    def fit(self, now: float, idle_seconds: float) -> bool:
        """Whether the next job may go on with it: used lately, not reset since, its channel
        usable, the same card still on the reader."""
        return (now - self.used_at <= idle_seconds and self.session.resets == self.resets
                and self.link.usable and self.session.present())


def from_reader(event: ReaderEvent) -> CardInserted | CardRemoved | None:
    """The session's event for a reader event (what the reader monitor hands to ``post``)."""
    if isinstance(event, CardLaid):
        return CardInserted()
    if isinstance(event, CardLeft | ReaderDetached):
        return CardRemoved()
    return None


class CardWorker(abc.ABC):
    """Runs card jobs one after the other and posts each outcome through ``post``.

    Only the worker's own thread (the caller's, for :class:`InlineCardWorker`) touches the
    card and the held session.
    """

    def __init__(self, reader: CardReader, post: Post | None = None, *,
                 idle_seconds: float = CARD_SESSION_IDLE_SECONDS,
                 clock: Clock = time.monotonic) -> None:
        self.reader = reader
        self.post: Post = post if post is not None else _unbound
        self.idle_seconds = idle_seconds
        self.clock = clock
        self.held: HeldCard | None = None
        self._tickets = 0
        self._lock = threading.Lock()

    def submit(self, job: CardJob | Errand) -> int:
        """Queue ``job``; its outcome is posted later with the ticket returned here."""
        with self._lock:
            self._tickets += 1
            ticket = self._tickets
        self._start(ticket, job)
        return ticket

    @abc.abstractmethod
    def _start(self, ticket: int, job: CardJob | Errand) -> None: ...

    def end_card_session(self) -> None:
        """Drop the held card session once the jobs queued before are done (the card left,
        the journey ended); at once where jobs run on the caller's thread."""
        self._drop()

    def close(self) -> None:
        """Stop taking jobs and drop the card session (idempotent)."""
        self._drop()

    # -- on the card's thread ------------------------------------------------------------

    def _outcome(self, ticket: int, job: CardJob | Errand) -> CardDone | CardFailed:
        try:
            result = job.run() if isinstance(job, Errand) else self._run(ticket, job)
        except (CieError, KioskError) as error:
            if not isinstance(error, _REFUSALS) or (self.held and not self.held.link.usable):
                self._drop()
            log.info("card job %s failed [%s]", job.name, error.code)
            return CardFailed(ticket, error.code, getattr(error, "tries_left", None),
                              getattr(error, "in_doubt", None))
        except BaseException:
            self._drop()
            raise
        finally:
            for secret in job.secrets:
                secret.wipe()
        return CardDone(ticket, result)

    def _run(self, ticket: int, job: CardJob) -> Any:
        held = self._hold()
        result = held.session.run(job.task(held.link),
                                  lambda step: self.post(CardProgress(ticket, step)))
        held.used_at = self.clock()
        if not held.link.usable:
            self._drop()
        return job.finish(result) if job.finish is not None else result

    def _hold(self) -> HeldCard:
        held = self.held
        if held is not None and held.fit(self.clock(), self.idle_seconds):
            return held
        self._drop()
        stack = ExitStack()
        try:
            session = stack.enter_context(self.reader.session())
            session.reset()
            link = CardLink(session.run(identify_family(session.atr)))
        except BaseException:
            stack.close()
            raise
        self.held = HeldCard(stack, session, link, session.resets, self.clock())
        return self.held

    def _drop(self) -> None:
        held, self.held = self.held, None
        if held is None:
            return
        held.link.wipe()
        try:
            held.stack.close()  # the reader resets the card as it lets it go
        except KioskError as error:
            log.info("closing the card session: %s [%s]", error, error.code)


def _unbound(event: Event) -> None:
    raise RuntimeError("the card worker is not connected to a session")


class InlineCardWorker(CardWorker):
    """Runs each job at once on the caller's thread: for tests and technician tools."""

    def _start(self, ticket: int, job: CardJob | Errand) -> None:
        self.post(self._outcome(ticket, job))


_END_CARD_SESSION = object()


class ThreadCardWorker(CardWorker):
    """Runs jobs on its own thread, the only thread that talks to the card."""

    def __init__(self, reader: CardReader, post: Post | None = None, *,
                 idle_seconds: float = CARD_SESSION_IDLE_SECONDS,
                 clock: Clock = time.monotonic) -> None:
        super().__init__(reader, post, idle_seconds=idle_seconds, clock=clock)
        self._jobs: queue.Queue[tuple[int, CardJob | Errand] | object | None] = queue.Queue()
        self._pending = 0
        self._idle = threading.Condition()
        self._thread = threading.Thread(target=self._work, name="card-worker", daemon=True)
        self._thread.start()

    def _start(self, ticket: int, job: CardJob | Errand) -> None:
        with self._idle:
            self._pending += 1
        self._jobs.put((ticket, job))

    def end_card_session(self) -> None:
        with self._idle:
            self._pending += 1
        self._jobs.put(_END_CARD_SESSION)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Whether every queued job ended within ``timeout`` seconds (tests, shutdown)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _work(self) -> None:
        while True:
            try:
                item = self._jobs.get(timeout=self.idle_seconds if self.held else None)
            except queue.Empty:
                self._drop()  # idle: the card session ends on its own
                continue
            if item is None:
                break
            self._do(item)
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()
        self._drop()

    def _do(self, item: object) -> None:
        if item is _END_CARD_SESSION:
            self._drop()
            return
        assert isinstance(item, tuple)
        ticket, job = item
        try:
            answer: Event = self._outcome(ticket, job)
        except Exception as error:  # noqa: BLE001 - the thread must answer every job
            log.error("card job %s crashed: %s", job.name, type(error).__name__)
            answer = CardFailed(ticket, INTERNAL_ERROR)
        self.post(answer)

    def close(self) -> None:
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join(timeout=10)
        else:
            self._drop()
