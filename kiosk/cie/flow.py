"""Flows: card exchanges written as generators, so the protocol stays free of I/O.

A flow yields each :class:`Command` it needs sent and receives the card's
:class:`Response` in return; its ``return`` value is the result. The caller owns the
transport, which keeps threads, sockets and pyscard out of :mod:`kiosk.cie`, as h11 keeps them
out of HTTP::

    def read_nis() -> Flow[str]:
        answer = yield Command(0x00, 0xB0, 0x81, 0x00, le=12)
        return answer.data.decode()

Transport-level answers (``61xx`` and ``6Cxx``) are resolved by the transport before a flow
sees the response.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Generator
from typing import TypeVar

from kiosk.cie.apdu import Command, Response
from kiosk.cie.steps import Step

T = TypeVar("T")
Flow = Generator[Command, Response, T]


def drive(flow: Flow[T], exchange: Callable[[Command], Response]) -> T:
    """Run ``flow`` to its end, passing every command through ``exchange``."""
    try:
        command = next(flow)
        while True:
            command = flow.send(exchange(command))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


def tagged(step: Step, flow: Flow[T]) -> Flow[T]:
    """``flow`` with every command it yields marked as sent for ``step``, unless a flow inside
    it marked the command already (the innermost step wins)."""
    try:
        command = next(flow)
        while True:
            if command.step is None:
                command = dataclasses.replace(command, step=step)
            command = flow.send((yield command))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
