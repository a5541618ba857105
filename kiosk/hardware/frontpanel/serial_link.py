"""The link to a real board: the Pi's UART wired to the board's, through pyserial.

| capability              | support                                                        |
|-------------------------|----------------------------------------------------------------|
| UART (/dev/serial0)     | yes, 115200 8N1 as the firmware sets it                        |
| USB serial of the board | no: the board keeps its USB for maintenance (the REPL)         |
| port gone               | ``PanelNotFound`` on the next read or write                    |
| another process holding | ``PanelNotFound``: the port is opened exclusively              |
"""

from __future__ import annotations

import serial

from kiosk.hardware.frontpanel.errors import PanelNotFound

BAUDRATE = 115200


class SerialLink:
    def __init__(self, port: str, *, baudrate: int = BAUDRATE) -> None:
        try:
            self._serial = serial.Serial(port, baudrate, timeout=0, exclusive=True)
        except (serial.SerialException, OSError) as error:
            raise PanelNotFound(f"cannot open the front panel's port {port}: {error}") from None
        self.port = port

    @classmethod
    def from_uri(cls, rest: str) -> SerialLink:
        return cls(rest)

    def write(self, data: bytes) -> None:
        try:
            self._serial.write(data)
            self._serial.flush()
        except (serial.SerialException, OSError) as error:
            raise PanelNotFound(f"the front panel's port {self.port} failed: {error}") from None

    def read(self, timeout: float) -> bytes:
        try:
            if self._serial.timeout != timeout:
                self._serial.timeout = timeout
            first = self._serial.read(1)
            if not first:
                return b""
            return first + self._serial.read(self._serial.in_waiting)
        except (serial.SerialException, OSError) as error:
            raise PanelNotFound(f"the front panel's port {self.port} failed: {error}") from None

    def close(self) -> None:
        self._serial.close()
