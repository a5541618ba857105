"""Attaching a virtual card to vsmartcard's vpcd, so it sits in a real pcscd's reader.

vpcd's protocol (PROTOCOL.md §6, testing-without-hardware.md §1): every message is a 2-byte
big-endian length and a payload; a 1-byte payload is a control code (``00`` power off, ``01``
power on, ``02`` reset, ``04`` "send your ATR"), anything longer is a command APDU that gets a
response APDU. The TCP connection *is* the card on the reader: connecting inserts it, closing
removes it.

Two things matter for speed and fidelity. vpcd writes the length and the payload in two
``send`` calls without ``TCP_NODELAY``, so unless this side acknowledges at once
(``TCP_QUICKACK``, which Linux resets after each read) every APDU costs about 44 ms of Nagle
plus delayed ACK. And a card lying on a reader outlives the reader's daemon: when vpcd goes
away (pcscd restarted), the card connects again as soon as vpcd is back.
"""

from __future__ import annotations

import logging
import socket
import struct
import time

from kiosk.sim.card import VirtualCie

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 35963
RETRY_SECONDS = 0.2

_POWER_OFF, _POWER_ON, _RESET, _GET_ATR = 0x00, 0x01, 0x02, 0x04


class _VpcdClosed(Exception):
    """vpcd closed the connection: the reader (or its daemon) went away."""


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    buf = bytearray()
    while len(buf) < size:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        chunk = sock.recv(size - len(buf))
        if not chunk:
            raise _VpcdClosed
        buf += chunk
    return bytes(buf)


def _send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(struct.pack(">H", len(payload)) + payload)


def serve_connection(sock: socket.socket, card: VirtualCie) -> bool:
    """Answer vpcd until it hangs up (returns True) or the card leaves the field (False)."""
    while True:
        (length,) = struct.unpack(">H", _recv_exact(sock, 2))
        message = _recv_exact(sock, length)
        if length == 1:
            if message[0] == _GET_ATR:
                _send(sock, card.atr)
            elif message[0] in (_POWER_OFF, _POWER_ON, _RESET):
                card.reset()
            continue
        answer = card.apdu(message)
        if answer is None:
            log.info("virtual card torn from the field")
            return False
        _send(sock, answer)
        if not card.in_field:
            log.info("virtual card taken away after its answer")
            return False


def attach(card: VirtualCie, host: str, port: int) -> None:
    """Keep ``card`` on vpcd's reader until the card is torn away or the caller is interrupted.

    Interruption (KeyboardInterrupt, which the CLI also raises on SIGTERM) closes the socket on
    its way out, which is how the card leaves the reader.
    """
    while True:
        try:
            sock = socket.create_connection((host, port), timeout=2)
        except OSError:
            time.sleep(RETRY_SECONDS)
            continue
        with sock:
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            log.info("virtual card on vpcd %s:%d", host, port)
            try:
                if not serve_connection(sock, card):
                    return
            except (_VpcdClosed, ConnectionError):
                log.info("vpcd went away; waiting for it to come back")
                card.reset()
