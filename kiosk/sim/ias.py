"""The IAS applet of the virtual CIE: DH, DAPP, PIN/PUK and the three private keys.

It plays the card's side of PROTOCOL.md §2-§3 and checks what a real card checks, so a
terminal that skips a step or signs the wrong bytes fails here as it would on a card: the
terminal's CVC and EXTERNAL AUTHENTICATE signatures are verified; the PIN and PUK commands
need the secure channel that DAPP authenticated; key 81 signs only after a PIN verified in the
same session; an SM error ends the session (ISO/IEC 7816-4 §10). A power cycle
(:meth:`IasApplet.reset`) forgets everything but the counters, which live in the profile.

Command classes: ``00`` plain, ``10`` plain chaining (the DH MSE SET), ``0C`` secure
messaging, ``1C`` chaining under SM, each piece its own protected APDU (PROTOCOL.md §7.6).
A plain command does not close an SM session here (UNCERTAIN on real cards); that costs no
security because everything the session unlocks also demands CLA ``0C``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from cryptography.hazmat.primitives.asymmetric import rsa

from kiosk.cie import tlv
from kiosk.cie.bignum import powmod
from kiosk.sim import families, iso9796
from kiosk.sim.apdu import (
    SW_AUTH_FAILED,
    SW_CHAIN,
    SW_CONDITIONS,
    SW_NO_REFERENCE,
    SW_OK,
    SW_SECURITY,
    SW_SM_UNSUPPORTED,
    SW_SM_WRONG,
    SW_WRONG_DATA,
    SW_WRONG_LENGTH,
    SW_WRONG_P1P2,
    Answer,
    Apdu,
)
from kiosk.sim.cvc import CvcRejected, TerminalKey, accept
from kiosk.sim.ias_data import IasKeys
from kiosk.sim.pins import PinStore
from kiosk.sim.profile import CardProfile
from kiosk.sim.sm import SecureMessaging, SmFailure, objects, session_keys

SM, CHAINING = 0x0C, 0x10
CHALLENGE = 8
_PIN_INS = (0x20, 0x24, 0x2C)

# GET DATA header lists (PROTOCOL.md §2.2 steps 6, 7, 9), exactly as terminals send them.
_DH_ALL = bytes.fromhex("4D 08 70 06 BF A1 01 02 A3 80")
_DH_ONE = {
    bytes.fromhex(f"4D 0A 70 08 BF A1 01 04 A3 02 {tag:02X} 00"): tag for tag in (0x97, 0x98, 0x99)
}
_CA_KEY = bytes.fromhex("4D 09 70 07 BF A0 04 03 7F 49 80")
_PK_ICC = bytes.fromhex("4D 04 A6 02 91 00")


@dataclass
class _Chain:
    """Pieces of a chained command: same INS, P1, P2 on every piece (ISO/IEC 7816-4 §5.1.1)."""

    header: tuple[int, int, int] | None = None
    data: bytes = b""

    def add(self, command: Apdu) -> bool:
        key = (command.ins, command.p1, command.p2)
        if self.header not in (None, key):
            self.header, self.data = None, b""
            return False
        self.header, self.data = key, self.data + command.data
        return True

    def finish(self, command: Apdu) -> Apdu | None:
        """The whole command once its last piece is here; None for a piece of another command."""
        if self.header is None:
            return command
        ok = self.header == (command.ins, command.p1, command.p2)
        whole = replace(command, data=self.data + command.data)
        self.header, self.data = None, b""
        return whole if ok else None


@dataclass
class _Session:
    """What a power cycle or an SM error forgets."""

    sm: SecureMessaging | None = None
    pk_ifd: bytes = b""
    pk_icc: bytes = b""
    dst_ca: bool = False
    terminal: TerminalKey | None = None
    external_chr: bytes | None = None
    challenge: bytes | None = None
    rnd_icc: bytes = b""
    terminal_authenticated: bool = False
    dapp_done: bool = False
    internal_key: int | None = None
    next_ssc: bytes | None = None
    sm_chain: _Chain = field(default_factory=_Chain)


class IasApplet:
    def __init__(self, profile: CardProfile) -> None:
        self._profile = profile
        self._pins = PinStore(profile)
        self.reset()

    def reset(self) -> None:
        self._session = _Session()
        self._plain_chain = _Chain()
        self._pins.reset()
        self.protecting = False

    @property
    def channel(self) -> SecureMessaging | None:
        """The card's secure channel, whichever protocol opened it; None when there is none."""
        return self._session.sm

    def open_channel(self, sm: SecureMessaging) -> None:
        """PACE or BAC opened a channel. The card has one channel, which this applet's command
        processing unwraps, so the IAS session, its DAPP and its verified PIN end here."""
        self._session = _Session(sm=sm)
        self._pins.reset()

    # -- command classes -----------------------------------------------------------------

    def process(
        self,
        command: Apdu,
        dispatch: Callable[[Apdu], bytes],
        answer: Callable[[bytes, bytes], bytes],
    ) -> bytes:
        """Run ``command`` through chaining and SM; ``answer`` splits what goes back."""
        if command.cla & SM:
            return self._secure(command, dispatch, answer)
        if command.cla & CHAINING:
            return SW_OK if self._plain_chain.add(command) else SW_CHAIN
        whole = self._plain_chain.finish(command)
        return SW_CHAIN if whole is None else dispatch(whole)

    def _secure(
        self,
        command: Apdu,
        dispatch: Callable[[Apdu], bytes],
        answer: Callable[[bytes, bytes], bytes],
    ) -> bytes:
        session = self._session
        sm = session.sm
        if sm is None:
            return SW_SM_UNSUPPORTED
        header = bytes((command.cla, command.ins, command.p1, command.p2))
        try:
            data, le = sm.unprotect(header, command.data)
        except SmFailure:
            self._session = _Session()
            self._pins.reset()
            return SW_SM_WRONG
        inner = replace(command, cla=SM, data=data, le=le)
        if command.cla & CHAINING:
            ok = session.sm_chain.add(inner)
            return answer(sm.protect(b"", SW_OK if ok else SW_CHAIN), SW_OK)
        whole = session.sm_chain.finish(inner)
        self.protecting = True
        try:
            response = SW_CHAIN if whole is None else dispatch(whole)
        finally:
            self.protecting = False
        body, sw = response[:-2], response[-2:]
        if whole is not None and self._plain_pin_error(whole, sw):
            sm.skip()
            return sw
        protected = sm.protect(body, sw)
        if session.next_ssc is not None:
            sm.restart(session.next_ssc)
            session.next_ssc = None
        return answer(protected, SW_OK)

    def _plain_pin_error(self, command: Apdu, sw: bytes) -> bool:
        """Whether this PIN/PUK failure leaves the card unprotected (a family trait, §2.3)."""
        if command.ins not in _PIN_INS or not (sw[0] == 0x63 or sw == b"\x69\x83"):
            return False
        choice = self._profile.behaviours.pin_errors
        if choice is None:
            return self._profile.family in families.PLAIN_PIN_ERRORS
        return choice == "plain"

    # -- instructions --------------------------------------------------------------------

    def handle(self, command: Apdu) -> Answer:
        keys = self._profile.ias
        established = command.cla == SM and self._session.dapp_done
        if command.ins == 0x20:
            if command.p1:
                return b"", SW_WRONG_P1P2
            return b"", self._pins.verify(command.p2, command.data, secure=established)
        if command.ins == 0x24:
            return b"", self._pins.change(command.p1, command.p2, command.data, secure=established)
        if command.ins == 0x2C:
            return b"", self._pins.reset_retry_counter(
                command.p1, command.p2, command.data, secure=established
            )
        if command.ins == 0x84:
            return self._get_challenge(command)
        if keys is None:
            return b"", SW_NO_REFERENCE
        handler = {
            0x22: self._manage_security_environment,
            0xCB: self._get_data,
            0x2A: self._verify_certificate,
            0x82: self._external_authenticate,
            0x88: self._internal_authenticate,
        }[command.ins]
        return handler(command, keys)

    def _get_data(self, command: Apdu, keys: IasKeys) -> Answer:
        if (command.p1, command.p2) != (0x3F, 0xFF):
            return b"", SW_WRONG_P1P2
        request = command.data
        if request == _PK_ICC:
            pk = self._session.pk_icc
            return (tlv.encode(0xA6, tlv.encode(0x91, pk)), SW_OK) if pk else (b"", SW_CONDITIONS)
        if request == _CA_KEY:
            return _template(
                0xBFA004,
                0x7F49,
                [
                    (0x81, keys.ca_modulus),
                    (0x82, keys.ca_exponent),
                    (0x5F20, keys.ca_chr),
                    (0x5F4C, keys.ca_cha),
                ],
            ), SW_OK
        single = self._profile.family in families.SINGLE_DH_GET_DATA
        strict = self._profile.behaviours.family_get_data_only
        domain = {0x97: keys.dh_g, 0x98: keys.dh_p, 0x99: keys.dh_q}
        if request == _DH_ALL and (single or not strict):
            return _template(0xBFA101, 0xA3, list(domain.items())), SW_OK
        if request in _DH_ONE and (not single or not strict):
            tag = _DH_ONE[request]
            return _template(0xBFA101, 0xA3, [(tag, domain[tag])]), SW_OK
        return b"", SW_NO_REFERENCE

    def _manage_security_environment(self, command: Apdu, keys: IasKeys) -> Answer:
        found = objects(command.data)
        if found is None:
            return b"", SW_WRONG_DATA
        dos = dict(found)
        session = self._session
        target = (command.p1, command.p2)
        if target == (0x41, 0xA6):
            return b"", self._key_agreement(dos, keys)
        if target == (0x81, 0xB6):
            session.dst_ca = dos == {0x80: b"\x41", 0x83: b"\x84"}
            return b"", SW_OK if session.dst_ca else SW_WRONG_DATA
        if target == (0x81, 0xA4):
            if set(dos) != {0x83}:
                return b"", SW_WRONG_DATA
            session.external_chr = dos[0x83]
            return b"", SW_OK
        if target == (0x41, 0xA4):
            pair = (dos.get(0x80), dos.get(0x84))
            allowed = {(b"\x02", b"\x81"), (b"\x02", b"\x83"), (b"\x9b", b"\x82")}
            if set(dos) != {0x80, 0x84} or pair not in allowed:
                session.internal_key = None
                return b"", SW_WRONG_DATA
            session.internal_key = dos[0x84][0]
            return b"", SW_OK
        return b"", SW_WRONG_P1P2

    def _key_agreement(self, dos: dict[int, bytes], keys: IasKeys) -> bytes:
        """MSE SET KAT: take PK.IFD, draw the card's DH key, derive the SM keys (§2.2, §2.3)."""
        if dos.get(0x80) != b"\x9b" or dos.get(0x83) != b"\x81" or 0x91 not in dos:
            return SW_WRONG_DATA
        p, g, q = (int.from_bytes(v, "big") for v in (keys.dh_p, keys.dh_g, keys.dh_q))
        peer = int.from_bytes(dos[0x91], "big")
        if not 1 < peer < p - 1 or powmod(peer, q, p) != 1:
            return SW_WRONG_DATA  # not in the subgroup of order q: a small-subgroup probe
        own = secrets.randbelow(q - 1) + 1
        size = len(keys.dh_p)
        self._session = _Session(
            sm=SecureMessaging(*session_keys(powmod(peer, own, p).to_bytes(size, "big")), ssc=1),
            pk_ifd=dos[0x91],
            pk_icc=powmod(g, own, p).to_bytes(size, "big"),
        )
        self._pins.reset()
        return SW_OK

    def _verify_certificate(self, command: Apdu, keys: IasKeys) -> Answer:
        """PSO VERIFY CERTIFICATE (D2): the terminal's CVC under the card's DAPP CA key."""
        session = self._session
        if (command.p1, command.p2) != (0x00, 0xAE):
            return b"", SW_WRONG_P1P2
        if command.cla != SM:
            return b"", SW_SECURITY
        if not session.dst_ca:
            return b"", SW_CONDITIONS
        ca = _public(keys.ca_modulus, keys.ca_exponent)
        try:
            session.terminal = accept(command.data, ca, keys.ca_chr, keys.ca_cha)
        except CvcRejected as exc:
            session.terminal = None
            return b"", SW_AUTH_FAILED if exc.signature else SW_WRONG_DATA
        return b"", SW_OK

    def _get_challenge(self, command: Apdu) -> Answer:
        if command.p1 or command.p2 or command.data:
            return b"", SW_WRONG_P1P2
        if command.le != CHALLENGE:
            return b"", SW_WRONG_LENGTH
        self._session.challenge = secrets.token_bytes(CHALLENGE)
        return self._session.challenge, SW_OK

    def _external_authenticate(self, command: Apdu, keys: IasKeys) -> Answer:
        """D5: SN.IFD ‖ ISO 9796-2 signature binding the challenge and both DH halves."""
        session = self._session
        challenge, session.challenge = session.challenge, None  # one challenge, one attempt
        if command.p1 or command.p2:
            return b"", SW_WRONG_P1P2
        if command.cla != SM:
            return b"", SW_SECURITY
        terminal = session.terminal
        if terminal is None or challenge is None or session.external_chr != terminal.chr:
            return b"", SW_CONDITIONS
        sn_ifd, signature = command.data[:8], command.data[8:]
        if sn_ifd != terminal.chr[4:]:
            return b"", SW_WRONG_DATA
        bound = session.pk_ifd + sn_ifd + challenge + session.pk_icc + _domain(keys)
        try:
            iso9796.verify(signature, terminal.key, b"", bound)
        except iso9796.BadSignature:
            session.terminal_authenticated = False
            return b"", SW_AUTH_FAILED
        session.terminal_authenticated = True
        session.rnd_icc = challenge
        return b"", SW_OK

    def _internal_authenticate(self, command: Apdu, keys: IasKeys) -> Answer:
        session = self._session
        if command.p1 or command.p2:
            return b"", SW_WRONG_P1P2
        reference = session.internal_key
        if reference is None:
            return b"", SW_CONDITIONS
        if reference == 0x82:
            return self._dapp_signature(command, keys)
        if reference == 0x81 and not (
            command.cla == SM and session.dapp_done and self._pins.pin_verified
        ):
            return b"", SW_SECURITY
        return _pkcs1_sign(keys, reference, command.data)

    def _dapp_signature(self, command: Apdu, keys: IasKeys) -> Answer:
        """D7: SN.ICC ‖ SIG binding RND.IFD and both DH halves, then the SSC restart."""
        session = self._session
        if command.cla != SM or not session.terminal_authenticated or session.dapp_done:
            return b"", SW_SECURITY
        if len(command.data) != CHALLENGE:
            return b"", SW_WRONG_LENGTH
        rnd_ifd = command.data
        sn_icc = self._profile.files.get("mf:D003", bytes(12))[-8:]  # INFERRED: its last 8 bytes
        bound = session.pk_icc + sn_icc + rnd_ifd + session.pk_ifd + _domain(keys)
        signature = iso9796.sign_with_random(keys.crt_key(0x82), bound)
        session.next_ssc = session.rnd_icc[4:8] + rnd_ifd[4:8]
        session.dapp_done = True
        return sn_icc + signature, SW_OK


def _template(sdo: int, inner: int, items: list[tuple[int, bytes]]) -> bytes:
    """``70 { <sdo> { <inner> { items } } }``: how GET DATA wraps SDO contents (§2.2)."""
    content = b"".join(tlv.encode(tag, value) for tag, value in items)
    return tlv.encode(0x70, tlv.encode(sdo, tlv.encode(inner, content)))


def _domain(keys: IasKeys) -> bytes:
    return keys.dh_g + keys.dh_p + keys.dh_q


def _public(modulus: bytes, exponent: bytes) -> rsa.RSAPublicNumbers:
    return rsa.RSAPublicNumbers(int.from_bytes(exponent, "big"), int.from_bytes(modulus, "big"))


def _pkcs1_sign(keys: IasKeys, reference: int, data: bytes) -> Answer:
    """Algorithm ``02``: the card adds PKCS#1 v1.5 type-1 padding to the caller's bytes (§2.7)."""
    key = keys.crt_key(reference)
    size = key.size
    if not data or len(data) > size - 11:
        return b"", SW_WRONG_LENGTH
    block = b"\x00\x01" + b"\xff" * (size - 3 - len(data)) + b"\x00" + data
    return key.private(int.from_bytes(block, "big")).to_bytes(size, "big"), SW_OK
