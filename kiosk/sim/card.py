"""The virtual CIE's command interpreter: what the chip answers to each APDU.

It sits on top of the card's layers: the applets below it (ias.py, icao.py), and under those
the APDU parser and status words they all share (apdu.py). Answers follow PROTOCOL.md §7 and
ISO/IEC 7816-4: ``6A82`` for unknown files and applications, ``6D00`` for unknown
instructions, ``6282`` for a read that crosses the end of a file, ``6B00`` for one past it.

A profile's behaviours inject what real cards and readers do to a terminal: answers split
through ``61xx`` and GET RESPONSE, ``6Cxx`` for a wrong Le, a card torn from the field
while an answer is awaited or taken away between two commands.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from kiosk.sim import filesystem, timing
from kiosk.sim.apdu import (
    SW_BEYOND_EOF,
    SW_CLA_UNKNOWN,
    SW_CONDITIONS,
    SW_END_OF_FILE,
    SW_INS_UNKNOWN,
    SW_NO_CURRENT_EF,
    SW_NOT_FOUND,
    SW_OK,
    SW_SECURITY,
    SW_WRONG_LENGTH,
    SW_WRONG_P1P2,
    Apdu,
    Malformed,
    parse,
)
from kiosk.sim.filesystem import DedicatedFile, ElementaryFile
from kiosk.sim.ias import IasApplet
from kiosk.sim.icao import IcaoApplet
from kiosk.sim.profile import CardProfile

# Plain, plain chaining, secure messaging, SM chaining (PROTOCOL.md §2.2, §2.3).
_CLASSES = (0x00, 0x10, 0x0C, 0x1C)
# The most a protected READ BINARY answer carries, so that it fits a short response (§7.4).
SM_READ_MAX = 0xE7
INS_GENERAL_AUTHENTICATE = 0x86
SHORT_LE_MAX = 256


class VirtualCie:
    """One card, as a reader sees it: an ATR, and an answer for every APDU.

    ``apdu`` returns None when the card has been torn from the field, and :attr:`in_field`
    says whether it is still there after an answer (see :meth:`apdu`).
    """

    def __init__(self, profile: CardProfile) -> None:
        self.profile = profile
        self.atr = profile.atr
        self._mf = filesystem.build(profile.files, is_cie=profile.is_cie)
        self._apdus_seen = 0
        self.in_field = True
        self.modelled_seconds = 0.0  # what a real CIE would have taken (behaviours.timing)
        self._ias = IasApplet(profile)
        self._icao = IcaoApplet(profile, lambda: self._ias.channel, self._ias.open_channel)
        self.reset()

    def reset(self) -> None:
        """Power-on state: MF current, no EF, nothing pending, no SM session or verified PIN."""
        self._ias.reset()
        self._icao.reset()
        self._df: DedicatedFile = self._mf
        self._ef: ElementaryFile | None = None
        self._pending = b""
        self._pending_sw = SW_OK

    def apdu(self, raw: bytes) -> bytes | None:
        """The answer to ``raw``, or None when the card left the field before answering.

        Two kinds of tear, as a hand moves: ``tear_after_apdus`` N, the card answers N commands
        and is gone while the reader waits for the next answer (``torn_command`` says whether
        the chip still ran that command); ``leave_after_apdus`` N, it answers its N-th command
        and is gone before the next one. Either way :attr:`in_field` turns False and stays so:
        a link then drops the card, as a reader does.
        """
        if not self.in_field:
            return None
        behaviours = self.profile.behaviours
        tear = behaviours.tear_after_apdus
        if tear is not None and self._apdus_seen >= tear:
            self.in_field = False
            if behaviours.torn_command == "done":
                self._run(raw)  # the chip did it; only its answer is lost
            return None
        self._apdus_seen += 1
        answer = self._run(raw)
        if behaviours.timing == "cie":
            delay = timing.seconds(raw, answer)
            self.modelled_seconds += delay
            time.sleep(delay)
        leave = behaviours.leave_after_apdus
        if leave is not None and self._apdus_seen >= leave:
            self.in_field = False
        return answer

    def _run(self, raw: bytes) -> bytes:
        try:
            command = parse(raw)
        except Malformed:
            return SW_WRONG_LENGTH
        if command.cla not in _CLASSES:
            return SW_CLA_UNKNOWN
        if command.ins != 0xC0:
            self._pending = b""
        if command.ins == INS_GENERAL_AUTHENTICATE and not command.cla & 0x0C:
            # PACE's chain of GA steps: each piece is a whole command with its own answer, so
            # it must not be joined like data split over a plain chain (PROTOCOL.md §4.2).
            return self._general_authenticate(command)
        return self._ias.process(command, self._dispatch, self._answer)

    def _general_authenticate(self, command: Apdu) -> bytes:
        data, sw = self._icao.general_authenticate(command)
        if command.le is not None and command.le > SHORT_LE_MAX:
            return data + sw  # an extended Le takes the 256-byte keys in one answer
        return self._answer(data, sw)

    def _dispatch(self, command: Apdu) -> bytes:
        """The answer to a whole, plain command (chains joined, SM removed)."""
        handler = self._handlers.get(command.ins)
        if handler is None:
            return SW_INS_UNKNOWN
        return handler(self, command)

    # -- answers -------------------------------------------------------------------------

    def _answer(self, data: bytes, sw: bytes = SW_OK) -> bytes:
        """Send ``data``, splitting it through ``61xx`` when the profile says answers are short."""
        limit = self.profile.behaviours.max_response
        if len(data) <= limit or self._ias.protecting:  # SM answers are split once protected
            return data + sw
        self._pending, self._pending_sw = data[limit:], sw
        return data[:limit] + bytes((0x61, min(len(self._pending), 256) & 0xFF))

    def _get_response(self, command: Apdu) -> bytes:
        if not self._pending or command.p1 or command.p2 or command.data:
            return SW_CONDITIONS
        want = command.le or 256
        chunk, self._pending = self._pending[:want], self._pending[want:]
        if self._pending:
            return chunk + bytes((0x61, min(len(self._pending), 256) & 0xFF))
        return chunk + self._pending_sw

    # -- SELECT --------------------------------------------------------------------------

    def _select(self, command: Apdu) -> bytes:
        if command.p2 not in (0x00, 0x04, 0x0C):
            return SW_WRONG_P1P2
        target: DedicatedFile | ElementaryFile | None
        if command.p1 == 0x00:
            target = self._select_any(command.data)
        elif command.p1 == 0x01:
            target = self._df.child_df(command.data)
        elif command.p1 == 0x02:
            target = self._df.ef(command.data)
        elif command.p1 == 0x04:
            target = self._mf.by_aid(command.data) if command.data else None
        else:
            return SW_WRONG_P1P2
        if target is None:
            return SW_NOT_FOUND
        if isinstance(target, DedicatedFile):
            self._df, self._ef = target, None
        else:
            self._ef = target
        # P2 0C asks for nothing; 04 for the FCP (which the middleware's case-3 SELECT still
        # gets, PROTOCOL.md §7.3); 00 for control information, only when there is an Le for it.
        if command.p2 == 0x0C or (command.p2 == 0x00 and command.le is None):
            return SW_OK
        return self._answer(_fcp(target))

    def _select_any(self, fid: bytes) -> DedicatedFile | ElementaryFile | None:
        """P1 ``00``: the MF (no data, or ``3F00``), else a file under the current DF."""
        if fid in (b"", b"\x3f\x00"):
            return self._mf
        return self._df.child_df(fid) or self._df.ef(fid)

    # -- READ BINARY ---------------------------------------------------------------------

    def _read_binary(self, command: Apdu) -> bytes:
        if command.data or command.le is None:
            return SW_WRONG_LENGTH
        if command.p1 & 0x80:
            if command.p1 & 0x60:
                return SW_WRONG_P1P2
            ef = self._df.ef_by_sfi(command.p1 & 0x1F)
            if ef is None:
                return SW_NOT_FOUND
            self._ef, offset = ef, command.p2
        elif self._ef is None:
            return SW_NO_CURRENT_EF
        else:
            offset = (command.p1 << 8) | command.p2
        if not self._icao.may_read(self._df.name, command):
            return SW_SECURITY
        data = self._ef.data
        if offset >= len(data):
            return SW_BEYOND_EOF
        want = min(command.le, SM_READ_MAX) if self._ias.protecting else command.le
        chunk = data[offset : offset + want]
        if len(chunk) == want:
            return self._answer(chunk)
        if self.profile.behaviours.wrong_le == "6Cxx":
            return bytes((0x6C, len(chunk) & 0xFF))
        return self._answer(chunk, SW_END_OF_FILE)

    def _security_command(self, command: Apdu) -> bytes:
        """MSE, GET CHALLENGE, MUTUAL/EXTERNAL AUTHENTICATE go to the applet they belong to."""
        if self._icao.claims(command, self._df.name):
            return self._answer(*self._icao.handle(command))
        return self._ias_command(command)

    def _ias_command(self, command: Apdu) -> bytes:
        return self._answer(*self._ias.handle(command))

    _handlers: ClassVar[dict[int, Callable[[VirtualCie, Apdu], bytes]]] = {
        0xA4: _select,
        0xB0: _read_binary,
        0xC0: _get_response,
        **dict.fromkeys((0x20, 0x24, 0x2A, 0x2C, 0x88, 0xCB), _ias_command),
        **dict.fromkeys((0x22, 0x82, 0x84), _security_command),
    }


def _fcp(target: DedicatedFile | ElementaryFile) -> bytes:
    """A minimal FCP template (``62``): descriptor, identifier, and size or name."""
    if isinstance(target, ElementaryFile):
        body = (
            b"\x82\x01\x01"
            + b"\x83\x02" + target.fid
            + b"\x80\x02" + len(target.data).to_bytes(2, "big")
        )
    else:
        body = b"\x82\x01\x38"
        if target.fid:
            body += b"\x83\x02" + target.fid
        if target.aids:
            body += bytes((0x84, len(target.aids[0]))) + target.aids[0]
    return bytes((0x62, len(body))) + body
