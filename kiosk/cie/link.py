"""What the kiosk keeps with one card between tasks: its chip family and its open channel.

A real chip spends seconds on the IAS channel's 2048-bit DH and DAPP, so the tasks of one
journey ("read the tries left", then "change the PIN") share the secure channel the first of
them opened, as long as the same card stays powered on the reader. The card keeps its session
while powered and ends it at a reset or an SM error; the kiosk keeps a :class:`CardLink` with
the channel, and wipes it (zeroing the keys) in the same cases, and whenever the card leaves,
the journey ends or the link has been idle too long (the caller's rules, in
:mod:`kiosk.journeys.worker`). A channel that saw a plain answer or an SM error is not reused
(:attr:`kiosk.cie.sm.SecureChannel.usable`): the next task opens a new one.

The card has one channel at a time: PACE (read-id) replaces an IAS session and an IAS DH
replaces PACE's, so opening one wipes the other here too.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.cie.atr import ChipFamily
from kiosk.cie.flow import Flow
from kiosk.cie.ias import IasSession, open_session
from kiosk.cie.sm import SecureChannel


@dataclass(eq=False)
class CardLink:
    """One card session: its family and, while they last, its IAS session or ICAO channel
    (the one PACE or BAC opened, with the eMRTD application selected under it)."""

    family: ChipFamily | None = None
    ias: IasSession | None = None
    icao: SecureChannel | None = None
    icao_access: str | None = None  # how the ICAO channel was opened: "pace" or "bac"
    opened: int = 0  # channels opened on this link (the tests and the bench count them)

    def wipe(self) -> None:
        """Zero every channel's keys and forget them; idempotent."""
        if self.ias is not None:
            self.ias.channel.wipe()
        if self.icao is not None:
            self.icao.wipe()
        self.ias = self.icao = self.icao_access = None

    @property
    def usable(self) -> bool:
        """Whether the channel it holds, if any, may carry another task."""
        held = self.ias.channel if self.ias is not None else self.icao
        return held is None or held.usable

    def keep_icao(self, access: str, channel: SecureChannel, *, opened: bool) -> None:
        """Hold ``channel`` for the next ICAO read (``opened``: by PACE or BAC just now, not
        re-keyed from the one held)."""
        if opened:
            self.wipe()
            self.opened += 1
        self.icao, self.icao_access = channel, access


def ias_session(
    link: CardLink, random_bytes: Callable[[int], bytes] = secrets.token_bytes
) -> Flow[IasSession]:
    """The card's IAS session: the one ``link`` holds while its channel is usable, else a new
    one (DH and DAPP), kept on ``link`` for the next task."""
    if link.ias is not None and link.ias.channel.usable:
        return link.ias
    link.wipe()
    session = yield from open_session(link.family, random_bytes)
    link.ias = session
    link.opened += 1
    return session
