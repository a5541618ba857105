# The board's two loops on MicroPython's asyncio: one answers the serial line, one reads the
# tamper switch, judges the watchdog, sets the pins and feeds the chip's own watchdog.
import asyncio
import logging
import time

from panel import Panel
from store import Store

STATE_FILE = "panel.json"
TICK_MS = 10
IDLE_MS = 2


async def serve(board, panel):
    while True:
        data = board.read()
        if data:
            reply = panel.receive(data, time.ticks_ms())
            if reply:
                board.write(reply)
        await asyncio.sleep_ms(0 if data else IDLE_MS)


async def keep(board, panel):
    while True:
        now = time.ticks_ms()
        panel.sense(board.tamper_open(), now)
        panel.tick(now)
        board.apply(panel.outputs(now))
        board.feed()
        await asyncio.sleep_ms(TICK_MS)


async def main(board, panel):
    await asyncio.gather(serve(board, panel), keep(board, panel))


def run(board, state_file=STATE_FILE):
    """Run the board for ever; the latch and the cycle count are read back from state_file
    first, so a tamper latched before a power loss is still reported. The log goes to
    stderr, which on the board is the USB console."""
    logging.basicConfig(level=logging.INFO)
    asyncio.run(main(board, Panel(Store(state_file), time.ticks_ms())))
