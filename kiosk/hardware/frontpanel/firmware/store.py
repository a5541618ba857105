# What the board keeps in its flash: the tamper latch and the count of power cycles.
#
# The latch must outlive the Pi being off and the board losing power, so it lives in a file
# (littlefs on the RP2040's flash; in tests, a file in a temp dir). A save writes a new file
# and renames it over the old one, which littlefs does atomically: a power loss mid-save
# leaves the old state or the new, never half of each.
import json
import logging
import os

log = logging.getLogger("store")


class Store:
    def __init__(self, path):
        self.path = path
        self.latched = False
        self.cycles = 0
        try:
            with open(path) as f:
                state = json.load(f)
            self.latched = bool(state["latched"])
            self.cycles = int(state["cycles"])
        except OSError:
            pass  # no file yet: a board fresh from the factory
        except (ValueError, KeyError, TypeError):
            self.latched = True  # unreadable: someone may have tampered; fail secure
            log.error("%s is unreadable: tamper latch set", path)

    def save(self):
        temporary = self.path + ".new"
        with open(temporary, "w") as f:
            json.dump({"latched": self.latched, "cycles": self.cycles}, f)
        os.rename(temporary, self.path)
