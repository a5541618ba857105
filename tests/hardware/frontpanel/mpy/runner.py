# Runs one test function of a firmware test module under MicroPython:
#     micropython runner.py MODULE TEST
# prints "ok" and exits 0 when it passed; prints the traceback and exits 1 when not.
import sys

module = __import__(sys.argv[1])
try:
    getattr(module, sys.argv[2])()
except Exception as error:  # noqa: BLE001  the runner reports any failure of the test
    sys.print_exception(error)
    sys.exit(1)
print("ok")
