"""The ICAO applet of the virtual CIE: PACE, BAC, chip authentication and who may read the LDS.

The card has one secure channel, and the IAS applet's command processing unwraps it
(ias.py); PACE and BAC hand it the channel they opened, and chip authentication re-keys that
same channel. This applet remembers which channel it opened, so the LDS files open only to
commands that arrive under it: not in plain, and not under an IAS DH channel, which anyone can
open without knowing the CAN or the MRZ. Reading DGs through the IAS session after the PIN,
which one client claims to do (PROTOCOL.md §4.7, UNCERTAIN), is therefore refused here.

Commands that the two applets share by instruction byte are told apart the way the protocols
tell them apart: GET CHALLENGE and MUTUAL AUTHENTICATE in plain with the ICAO application
selected are BAC (IAS asks its challenge under SM); MSE SET ``41 A6`` under the ICAO channel is
chip authentication (the IAS DH sends it in plain).
"""

from __future__ import annotations

from collections.abc import Callable

from kiosk.cie.bignum import powmod
from kiosk.sim import rfc5114
from kiosk.sim.apdu import (
    SW_NO_REFERENCE,
    SW_OK,
    SW_WRONG_DATA,
    SW_WRONG_LENGTH,
    SW_WRONG_P1P2,
    Answer,
    Apdu,
)
from kiosk.sim.bac import CHALLENGE, Bac
from kiosk.sim.icao_data import IcaoKeys, kdf
from kiosk.sim.pace import Pace
from kiosk.sim.profile import CardProfile
from kiosk.sim.sm import SecureMessaging, objects

SM, CHAINING = 0x0C, 0x10
LDS = "icao"
INS_MSE, INS_MUTUAL_AUTHENTICATE, INS_GET_CHALLENGE = 0x22, 0x82, 0x84
PACE_TARGET = (0xC1, 0xA4)
CA_TARGET = (0x41, 0xA6)



class IcaoApplet:
    """The ICAO side of the card. It shares the card's one secure channel with the IAS applet
    without importing it: the interpreter hands it ``channel`` (the channel in use now) and
    ``open_channel`` (make a new one the card's, ending any IAS session)."""

    def __init__(
        self,
        profile: CardProfile,
        channel: Callable[[], SecureMessaging | None],
        open_channel: Callable[[SecureMessaging], None],
    ) -> None:
        self._profile = profile
        self._current = channel
        self._open_channel = open_channel
        keys = profile.icao
        self._pace = Pace(keys.pace_key) if keys else None
        self._bac = Bac(keys.bac_seed) if keys else None
        self._channel: SecureMessaging | None = None

    def reset(self) -> None:
        self._channel = None
        if self._pace and self._bac:
            self._pace.reset()
            self._bac.reset()

    def _secured(self, command: Apdu) -> bool:
        """Whether ``command`` came through the channel PACE or BAC opened."""
        return (
            command.cla == SM and self._channel is not None and self._current() is self._channel
        )

    def may_read(self, df_name: str, command: Apdu) -> bool:
        """The LDS files need the ICAO channel; the rest of the card is not this applet's."""
        return df_name != LDS or self._secured(command)

    def claims(self, command: Apdu, df_name: str) -> bool:
        """Whether a command whose instruction the IAS applet also knows is this applet's."""
        target = (command.p1, command.p2)
        if command.ins == INS_MSE:
            return target == PACE_TARGET or (target == CA_TARGET and self._secured(command))
        if command.ins in (INS_GET_CHALLENGE, INS_MUTUAL_AUTHENTICATE):
            return command.cla != SM and df_name == LDS
        return False

    def handle(self, command: Apdu) -> Answer:
        """MSE SET AT / KAT, GET CHALLENGE and MUTUAL AUTHENTICATE once :meth:`claims` said so."""
        pace, bac, keys = self._pace, self._bac, self._profile.icao
        if pace is None or bac is None or keys is None:
            return b"", SW_NO_REFERENCE
        if command.ins == INS_GET_CHALLENGE:
            if command.p1 or command.p2 or command.data:
                return b"", SW_WRONG_P1P2
            if command.le != CHALLENGE:
                return b"", SW_WRONG_LENGTH
            return bac.get_challenge(), SW_OK
        if command.ins == INS_MUTUAL_AUTHENTICATE:
            if command.p1 or command.p2:
                return b"", SW_WRONG_P1P2
            answer, sw, channel = bac.mutual_authenticate(command.data)
            self._open(channel)
            return answer, sw
        found = objects(command.data)
        if found is None:
            return b"", SW_WRONG_DATA
        if (command.p1, command.p2) == PACE_TARGET:
            return b"", pace.set_at(dict(found))
        return b"", self._chip_authentication(dict(found), keys)

    def general_authenticate(self, command: Apdu) -> Answer:
        """One PACE step; CLA ``10`` for steps 1-3, ``00`` for the last (PROTOCOL.md §4.2)."""
        if self._pace is None:
            return b"", SW_NO_REFERENCE
        if command.p1 or command.p2:
            return b"", SW_WRONG_P1P2
        answer, channel = self._pace.general_authenticate(
            command.data, last=not command.cla & CHAINING
        )
        self._open(channel)
        return answer

    def _open(self, channel: SecureMessaging | None) -> None:
        if channel is not None:
            self._channel = channel
            self._open_channel(channel)

    def _chip_authentication(self, found: dict[int, bytes], keys: IcaoKeys) -> bytes:
        """MSE SET KAT with the terminal's ephemeral key: new keys after this answer (§4.6)."""
        channel = self._channel
        peer = rfc5114.peer_value(found.get(0x91, b""))
        if channel is None or set(found) - {0x84, 0x91} or peer is None:
            return SW_WRONG_DATA
        private = int.from_bytes(keys.chip_key, "big")
        if self._profile.behaviours.chip_key_mismatch:
            private = private % (rfc5114.Q - 1) + 1  # any key but the one DG14 publishes
        secret = rfc5114.encode(powmod(peer, private, rfc5114.P))
        channel.rekey_after_answer(kdf(secret, 1), kdf(secret, 2))
        return SW_OK
