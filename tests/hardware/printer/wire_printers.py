"""Receipt printers at the far end of a real line, for tests: a TCP server on 127.0.0.1 (port
from bind(0)) and a pty pair. Each keeps every byte it receives and answers the real-time
status requests as the virtual printer behind it would, so tests can put it out of paper."""

from __future__ import annotations

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
        self._sentinel: tuple[str, int] | None = None  # the connection that says "stop"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            client, address = self._server.accept()
            if address == self._sentinel:
                client.close()
                return
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
        """Stop listening once every connection made so far is served to its end: a last
        connection from a known address, accepted after them, tells the server to stop.
        Idempotent."""
        if self._server.fileno() < 0:
            return
        with socket.socket() as sentinel:
            sentinel.bind(("127.0.0.1", 0))
            self._sentinel = sentinel.getsockname()
            sentinel.connect(("127.0.0.1", self.port))
            self._thread.join(timeout=10)
        self._server.close()


class PtyPrinter(WirePrinter):
    """A serial printer on the far side of a pty pair: the kiosk opens :attr:`path`."""

    def __init__(self, state: VirtualPrinter) -> None:
        super().__init__(state)
        self._master, self._slave = os.openpty()
        self.path = os.ttyname(self._slave)
        self._stop_r, self._stop_w = os.pipe()
        self._stopped = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            ready, _, _ = select.select([self._master, self._stop_r], [], [])
            if self._master in ready:
                os.write(self._master, self.take(os.read(self._master, 65536)))
            elif self._stop_r in ready:
                return  # stopped, and nothing left unread

    def stop(self) -> None:
        """Stop once everything written so far is read; idempotent."""
        if self._stopped:
            return
        self._stopped = True
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
