# The thin layer between the panel's logic and the RP2040: pins, UART and the chip's own
# watchdog, and nothing else, so that everything above it runs without the hardware.
#
# Wiring (GP numbers of a Raspberry Pi Pico): UART0 on GP0 (TX) and GP1 (RX) to the Pi's
# GPIO15 (RXD) and GPIO14 (TXD); the LEDs and the buzzer through transistors; the relay's
# coil on POWER_CUT, its normally-closed contact in the Pi's 5 V feed, so that a board that
# is dead or unflashed never holds the Pi off; the tamper switch from TAMPER to ground,
# closed while the case is shut (a cut wire reads open).
import machine
from panel import LEVELS

PINS = {"guidance": 2, "status": 3, "buzzer": 4, "power_cut": 5, "tamper": 6}
UART_ID = 0
UART_TX = 0
UART_RX = 1
BAUDRATE = 115200
WDT_MS = 2000  # the chip resets itself if its own loop stops for this long


class Board:
    def __init__(self):
        self.outputs = [machine.Pin(PINS[name], machine.Pin.OUT, value=0) for name in LEVELS]
        self.tamper = machine.Pin(PINS["tamper"], machine.Pin.IN, machine.Pin.PULL_UP)
        self.uart = machine.UART(UART_ID, baudrate=BAUDRATE, tx=machine.Pin(UART_TX),
                                 rx=machine.Pin(UART_RX), timeout=0)
        self.wdt = machine.WDT(timeout=WDT_MS)

    def read(self):
        waiting = self.uart.any()
        return self.uart.read(waiting) if waiting else b""

    def write(self, data):
        self.uart.write(data)

    def tamper_open(self):
        return self.tamper.value() == 1

    def apply(self, levels):
        for index, pin in enumerate(self.outputs):
            if pin.value() != levels[index]:
                pin.value(levels[index])

    def feed(self):
        self.wdt.feed()
