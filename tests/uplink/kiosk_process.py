"""A kiosk process for the kill tests: the real :class:`~kiosk.uplink.runner.Uplink` sending,
and a producer recording audit events as fast as a busy session would, until it is killed.

    python -m tests.uplink.kiosk_process CONFIG [--produce]

Without ``--produce`` it only drains the outbox (the last run, after the kills).
"""

from __future__ import annotations

import argparse
import random
import signal
import time
from pathlib import Path

from kiosk import config, logs
from kiosk.uplink.runner import KioskSnapshot, Uplink
from kiosk.uplink.schemas import KioskState


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("config", type=Path)
    parser.add_argument("--produce", action="store_true")
    args = parser.parse_args()
    cfg = config.load(args.config)
    logs.configure("WARNING")
    assert cfg.profile.uplink is not None
    uplink = Uplink(cfg.profile.uplink, cfg.profile.state_path,
                    snapshot=lambda: KioskSnapshot(KioskState.IN_JOURNEY, "test-pin", True),
                    on_command=lambda command: None, versions={"kiosk": "test"})
    uplink.start()
    print("started", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: uplink.close())
    n = 0
    while True:
        if args.produce:
            # Bursts and pauses, as journeys come and go.
            for _ in range(random.randint(1, 20)):
                n += 1
                uplink.record("test.tick", {"n": n, "pid": 0})
        time.sleep(random.uniform(0.001, 0.02))


if __name__ == "__main__":
    main()
