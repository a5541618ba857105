"""Running commands through a secure channel inside a flow.

:class:`~kiosk.cie.sm.SecureChannel` turns one command into protected pieces and answers back
into plain ones; these helpers yield the pieces in order and stop at the first answer that is
not ``9000``, which ends an SM chain on the card too.
"""

from __future__ import annotations

from typing import TypeVar

from kiosk.cie.apdu import Command, Response
from kiosk.cie.flow import Flow
from kiosk.cie.secret import Secret
from kiosk.cie.sm import SecureChannel

T = TypeVar("T")


def _send(channel: SecureChannel, pieces: list[Command]) -> Flow[Response]:
    answer = Response(b"", 0x9000)
    for piece in pieces:
        answer = channel.unprotect((yield piece))
        if not answer.ok:
            break
    return answer


def protected(channel: SecureChannel, command: Command) -> Flow[Response]:
    return (yield from _send(channel, channel.protect(command)))


def protected_secret(channel: SecureChannel, header: Command, *parts: Secret) -> Flow[Response]:
    """``header`` with ``parts`` (PIN, PUK) as its data, encrypted straight from their buffers."""
    views = [part.reveal() for part in parts]
    try:
        pieces = channel.protect_secret(header, *views)
    finally:
        for view in views:
            view.release()
    return (yield from _send(channel, pieces))


def secure(channel: SecureChannel, flow: Flow[T]) -> Flow[T]:
    """Run a plain flow (a file read, a select) with every command protected by ``channel``."""
    try:
        command = next(flow)
        while True:
            answer = yield from protected(channel, command)
            command = flow.send(answer)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
