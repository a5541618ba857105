# What the RP2040 runs at power-up (MicroPython runs main.py from its flash).
import app
import board

app.run(board.Board())
