"""THE test of the uplink: a kiosk killed with SIGKILL 30 times while it records and sends,
its back-office away for a while and restarted under it, and still every event it committed
arrives exactly once, in the order it was recorded (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.backoffice.stack import Stack
from tests.uplink import kills
from tests.uplink.home import enroll

KILLS = 30


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_sigkill_outages_and_restarts_lose_and_duplicate_nothing(
        tmp_path: Path, backoffice_stack: Stack) -> None:
    home = enroll(backoffice_stack, tmp_path, **kills.KILL_SETTINGS)
    figures = kills.run(backoffice_stack, home, KILLS, random.Random())
    assert figures.kills == KILLS
    assert figures.events > KILLS  # it really recorded while being killed
    assert (figures.duplicates, figures.lost, figures.out_of_order) == (0, 0, 0), figures
    assert figures.stored == figures.events
