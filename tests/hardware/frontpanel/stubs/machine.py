# A stand-in for MicroPython's machine module under the unix port, which has no Pin, UART
# or WDT. On MICROPYPATH ahead of the built-in one, it lets the firmware run unchanged.
#
# Like gpiozero's MockPin, each pin records the levels written to it and can be driven as the
# outside world would. With FRONTPANEL_WORLD set to a directory (the pty integration test),
# output pins also append "<id> <level>" lines to its file "trace", input pins read their
# level from its file "pin<id>" when there is one, and the UART opens the tty named by
# FRONTPANEL_UART.
import os
import select

WORLD = os.getenv("FRONTPANEL_WORLD")


class Pin:
    IN = 0
    OUT = 1
    PULL_UP = 1
    pins = {}  # noqa: RUF012  by id, for tests to reach the pins the firmware made

    def __init__(self, id, mode=IN, pull=None, value=None):
        self.id = id
        self.mode = mode
        self.history = []
        self.level = 1 if pull == Pin.PULL_UP else 0
        Pin.pins[id] = self
        if value is not None:
            self.value(value)

    def drive(self, level):
        self.level = level

    def value(self, level=None):
        if level is None:
            return self._read()
        self.level = level
        self.history.append(level)
        if WORLD and self.mode == Pin.OUT:
            with open(WORLD + "/trace", "a") as f:
                f.write(f"{self.id} {level}\n")
        return None

    def _read(self):
        if WORLD and self.mode == Pin.IN:
            try:
                with open(f"{WORLD}/pin{self.id}") as f:
                    return int(f.read())
            except (OSError, ValueError):
                pass
        return self.level


class UART:
    """Over a tty when FRONTPANEL_UART names one, else over two in-memory buffers. On a
    tty, any() says only whether bytes wait, and read() takes what is there."""

    def __init__(self, id, baudrate=115200, tx=None, rx=None, timeout=0):
        path = os.getenv("FRONTPANEL_UART")
        self.incoming = bytearray()
        self.written = bytearray()
        self._tty = open(path, "r+b") if path else None  # noqa: SIM115  open as long as the UART
        if self._tty is not None:
            self._poll = select.poll()
            self._poll.register(self._tty, select.POLLIN)

    def any(self):
        if self._tty is not None:
            return 1 if self._poll.poll(0) else 0
        return len(self.incoming)

    def read(self, n):
        if self._tty is None:
            data = bytes(self.incoming[:n])
            self.incoming = self.incoming[n:]
            return data
        data = bytearray()
        while len(data) < 64 and self._poll.poll(0):  # a byte at a time: reads never block
            data += self._tty.read(1)
        return bytes(data)

    def write(self, data):
        if self._tty is None:
            self.written += data
        else:
            self._tty.write(data)
        return len(data)


class WDT:
    def __init__(self, id=0, timeout=5000):
        self.timeout = timeout
        self.feeds = 0

    def feed(self):
        self.feeds += 1
