"""The card worker: runs one :mod:`kiosk.cie.tasks` flow at a time against the reader, off the
UI thread, and posts the outcome back as an event.

A :class:`CardJob` owns the secrets it sends: the journey moves the digits into the job's own
holders (:func:`take`) when it submits, so a session that ends while the card works wipes its
own holders without pulling digits from under an APDU, and the job wipes its holders when it
ends, whatever happened. Every job starts from a reset card, as the tasks expect.

Answers carry a ticket: a journey that moved on (the card was taken away, the citizen left)
ignores the answer of a job it no longer waits for.
"""

from __future__ import annotations

import abc
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiosk.cie.atr import ChipFamily
from kiosk.cie.errors import CieError
from kiosk.cie.flow import Flow
from kiosk.cie.info import identify_family
from kiosk.cie.secret import Secret
from kiosk.cie.steps import Step
from kiosk.errors import KioskError
from kiosk.hardware.reader import CardInserted as CardLaid
from kiosk.hardware.reader import CardLeft, CardReader, ReaderDetached, ReaderEvent
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
Task = Callable[[ChipFamily | None], Flow[Any]]


@dataclass(eq=False)
class CardJob:
    """A task to run on a freshly reset card; ``finish`` post-processes its result on the
    worker thread too (certificate validation); ``secrets`` are wiped when the job ends."""

    name: str
    task: Task
    secrets: tuple[Secret, ...] = ()
    finish: Callable[[Any], Any] | None = None


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


def run_job(
    reader: CardReader, job: CardJob, on_step: Callable[[Step], None] | None = None
) -> Any:
    try:
        with reader.session() as session:
            session.reset()
            family = session.run(identify_family(session.atr))
            result = session.run(job.task(family), on_step)
        return job.finish(result) if job.finish is not None else result
    finally:
        for secret in job.secrets:
            secret.wipe()


def outcome(reader: CardReader, ticket: int, job: CardJob,
            post: Post | None = None) -> CardDone | CardFailed:
    """Run ``job``; with ``post``, each step it reaches is posted as :class:`CardProgress`."""
    progress = None if post is None else lambda step: post(CardProgress(ticket, step))
    try:
        result = run_job(reader, job, progress)
    except (CieError, KioskError) as error:
        log.info("card job %s failed [%s]", job.name, error.code)
        return CardFailed(ticket, error.code, getattr(error, "tries_left", None),
                          getattr(error, "in_doubt", None))
    return CardDone(ticket, result)


def from_reader(event: ReaderEvent) -> CardInserted | CardRemoved | None:
    """The session's event for a reader event (what the reader monitor hands to ``post``)."""
    if isinstance(event, CardLaid):
        return CardInserted()
    if isinstance(event, CardLeft | ReaderDetached):
        return CardRemoved()
    return None


class CardWorker(abc.ABC):
    """Runs card jobs one after the other and posts each outcome through ``post``."""

    def __init__(self, reader: CardReader, post: Post | None = None) -> None:
        self.reader = reader
        self.post: Post = post if post is not None else _unbound
        self._tickets = 0
        self._lock = threading.Lock()

    def submit(self, job: CardJob) -> int:
        """Queue ``job``; its outcome is posted later with the ticket returned here."""
        with self._lock:
            self._tickets += 1
            ticket = self._tickets
        self._start(ticket, job)
        return ticket

    @abc.abstractmethod
    def _start(self, ticket: int, job: CardJob) -> None: ...

    def close(self) -> None:  # noqa: B027 - most workers have nothing to stop
        """Stop taking jobs (idempotent)."""


def _unbound(event: Event) -> None:
    raise RuntimeError("the card worker is not connected to a session")


class InlineCardWorker(CardWorker):
    """Runs each job at once on the caller's thread: for tests and technician tools."""

    def _start(self, ticket: int, job: CardJob) -> None:
        self.post(outcome(self.reader, ticket, job, self.post))


class ThreadCardWorker(CardWorker):
    """Runs jobs on its own thread, the only thread that talks to the card."""

    def __init__(self, reader: CardReader, post: Post | None = None) -> None:
        super().__init__(reader, post)
        self._jobs: queue.Queue[tuple[int, CardJob] | None] = queue.Queue()
        self._pending = 0
        self._idle = threading.Condition()
        self._thread = threading.Thread(target=self._work, name="card-worker", daemon=True)
        self._thread.start()

    def _start(self, ticket: int, job: CardJob) -> None:
        with self._idle:
            self._pending += 1
        self._jobs.put((ticket, job))

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Whether every queued job ended within ``timeout`` seconds (tests, shutdown)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _work(self) -> None:
        while (item := self._jobs.get()) is not None:
            ticket, job = item
            try:
                answer: Event = outcome(self.reader, ticket, job, self.post)
            except Exception as error:  # noqa: BLE001 - the thread must answer every job
                log.error("card job %s crashed: %s", job.name, type(error).__name__)
                answer = CardFailed(ticket, INTERNAL_ERROR)
            self.post(answer)
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def close(self) -> None:
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join(timeout=10)
