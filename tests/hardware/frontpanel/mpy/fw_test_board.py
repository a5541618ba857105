# The thin layer over the stub machine module: what the panel says reaches the pins, the
# tamper pin reaches the panel, bytes cross the UART (run under MicroPython).
import machine
from board import PINS, Board
from panel import LEVELS


def test_levels_reach_their_pins_and_unchanged_ones_are_not_rewritten():
    board = Board()
    board.apply((1, 0, 1, 0))
    board.apply((1, 0, 0, 0))
    history = {name: machine.Pin.pins[PINS[name]].history for name in LEVELS}
    assert history == {"guidance": [0, 1], "status": [0], "buzzer": [0, 1, 0],
                       "power_cut": [0]}


def test_the_tamper_switch_reads_open_when_its_wire_is_cut():
    board = Board()
    assert board.tamper_open()  # the pull-up, nothing pulling down
    machine.Pin.pins[PINS["tamper"]].drive(0)
    assert not board.tamper_open()


def test_bytes_cross_the_uart_and_the_chip_watchdog_is_fed():
    board = Board()
    assert board.read() == b""
    board.uart.incoming += b"\x03\x01"
    assert board.read() == b"\x03\x01"
    board.write(b"\x00")
    board.feed()
    assert board.uart.written == b"\x00" and board.wdt.feeds == 1
