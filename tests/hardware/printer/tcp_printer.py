"""A network receipt printer for tests: a real TCP server on 127.0.0.1 (port from bind(0))
that keeps every byte it receives and answers the real-time status requests as the virtual
printer behind it would, so tests can put it out of paper too."""

from __future__ import annotations

import contextlib
import socket
import threading

from kiosk.hardware.printer.status import DLE_EOT
from kiosk.hardware.printer.virtual import VirtualPrinter


class TcpPrinter:
    """Serves one connection at a time, as printers do; :meth:`drop` plays a reboot."""

    def __init__(self, state: VirtualPrinter) -> None:
        self.state = state
        self.received = bytearray()
        self.connections = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._server.getsockname()[1]
        self._client: socket.socket | None = None
        self._lock = threading.Lock()
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
                while chunk := _receive(client):
                    with self._lock:
                        self.received += chunk
                    # A status request travels alone: the client waits for its answer.
                    if len(chunk) == 3 and chunk.startswith(DLE_EOT):
                        client.sendall(self.state.query(chunk))
                with self._lock:
                    self._client = None  # before the socket closes: drop() needs it open

    def drop(self) -> None:
        """Close the connection under the client's feet (the printer rebooted)."""
        with self._lock:
            if self._client is not None:
                self._client.shutdown(socket.SHUT_RDWR)  # the thread then closes it

    def stop(self) -> None:
        """Stop listening (on Linux, shutting the socket down wakes the blocked accept)."""
        with contextlib.suppress(OSError):  # stopped already
            self._server.shutdown(socket.SHUT_RDWR)
        self._server.close()
        self.drop()
        self._thread.join(timeout=10)


def _receive(client: socket.socket) -> bytes:
    try:
        return client.recv(65536)
    except OSError:
        return b""
