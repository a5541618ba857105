"""Fixtures of the UI tests that run the kiosk itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import config
from kiosk.app import Kiosk
from kiosk.hardware.audio import RecordingSpeaker


def sim_config(state_dir: Path, extra: str = "") -> str:
    return (f'[profiles.sim]\nreader = "sim:card.json"\nstate_dir = "{state_dir}"\n'
            f'display = {{ mode = "headless", size = [800, 480] }}\n'
            f'certificates = {{ anchors = ["card.pki"] }}\n{extra}')


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[Kiosk]:
    """``kiosk run``'s loop on the sim profile, in a headless pygame window."""
    running = Kiosk(config.parse(sim_config(tmp_path), "test"), speaker=RecordingSpeaker())
    running.start()
    yield running
    running.stop()
