"""Receipt printers at the far end of a real line, for tests: a TCP server on 127.0.0.1 (port
from bind(0)) and a pty pair. Each keeps every byte it receives and answers the real-time
status requests as the virtual printer behind it would, so tests can put it out of paper."""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading

from kiosk.hardware.printer.status import DLE_EOT
from kiosk.hardware.printer.virtual import VirtualPrinter


class WirePrinter:
    """What both ends share: the bytes received, and the answer to a status request."""

    def __init__(self, state: VirtualPrinter) -> None:
        self.state = state
        self.received = bytearray()
        self._lock = threading.Lock()

    def take(self, chunk: bytes) -> bytes:
        """Keep ``chunk``; the answer to send back, b"" for none. A status request travels
        alone, since the client waits for its answer."""
        with self._lock:
            self.received += chunk
        if len(chunk) == 3 and chunk.startswith(DLE_EOT):
            return self.state.query(chunk)
        return b""


class TcpPrinter(WirePrinter):
    """Serves one connection at a time, as printers do; :meth:`drop` plays a reboot."""

    def __init__(self, state: VirtualPrinter) -> None:
        super().__init__(state)
        self.connections = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._server.getsockname()[1]
        self._client: socket.socket | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return  # stopped
            with self._lock:
                self._client = client
                self.connections += 1
            with client:
                while (chunk := _receive(client)) and _send(client, self.take(chunk)):
                    pass
                with self._lock:
                    self._client = None  # before the socket closes: drop() needs it open

    def drop(self) -> None:
        """Close the connection under the client's feet (the printer rebooted)."""
        with self._lock:
            if self._client is not None:
                self._client.shutdown(socket.SHUT_RDWR)  # the thread then closes it

    def stop(self) -> None:
        """Stop listening (on Linux, shutting the socket down wakes the blocked accept),
        once the client has closed its connection and everything it sent is read."""
        with contextlib.suppress(OSError):  # stopped already
            self._server.shutdown(socket.SHUT_RDWR)
        self._server.close()
        self._thread.join(timeout=10)


class PtyPrinter(WirePrinter):
    """A serial printer on the far side of a pty pair: the kiosk opens :attr:`path`."""

    def __init__(self, state: VirtualPrinter) -> None:
        super().__init__(state)
        self._master, self._slave = os.openpty()
        self.path = os.ttyname(self._slave)
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            ready, _, _ = select.select([self._master, self._stop_r], [], [])
            if self._stop_r in ready:
                return
            try:
                chunk = os.read(self._master, 65536)
            except OSError:
                return  # the kiosk's side closed and the pty is gone
            os.write(self._master, self.take(chunk))

    def stop(self) -> None:
        os.write(self._stop_w, b"x")
        self._thread.join(timeout=10)
        for fd in (self._master, self._slave, self._stop_r, self._stop_w):
            os.close(fd)


def _receive(client: socket.socket) -> bytes:
    try:
        return client.recv(65536)
    except OSError:
        return b""


def _send(client: socket.socket, answer: bytes) -> bool:
    """Whether the connection still stands after sending ``answer``."""
    try:
        client.sendall(answer)
    except OSError:
        return False
    return True
