"""``kiosk run``'s kiosk keeps the tamper switch's lock across a restart: the state directory
holds it while the session has it, so a kiosk restarted after its case was opened and shut
(a GPIO switch then reports only the shut case) comes back locked, for a clerk to unlock."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from kiosk import config
from kiosk.app import TAMPERED_FILE, Kiosk
from kiosk.hardware.audio import RecordingSpeaker
from kiosk.hardware.sensors import TamperChanged
from kiosk.journeys import Screen, Unlock
from tests.test_app_uplink import pump_until
from tests.ui.conftest import sim_config

pytestmark = pytest.mark.slow


def started(state: Path) -> Kiosk:
    kiosk = Kiosk(config.parse(sim_config(state), "test"), speaker=RecordingSpeaker())
    kiosk.start()
    return kiosk


def switch(kiosk: Kiosk, opened: bool) -> None:
    """The switch moving, reported from a backend's thread."""
    sensor = threading.Thread(target=kiosk._post_sensor, args=(TamperChanged(opened=opened),))
    sensor.start()
    sensor.join()


def test_a_restart_after_the_case_was_opened_comes_back_locked(tmp_path: Path) -> None:
    kiosk = started(tmp_path)
    try:
        switch(kiosk, opened=True)
        pump_until(kiosk, lambda: kiosk.stage.view.screen is Screen.TAMPERED)
        switch(kiosk, opened=False)
        pump_until(kiosk, lambda: not kiosk.session.case_open)
        assert (tmp_path / TAMPERED_FILE).exists()
    finally:
        kiosk.stop()

    kiosk = started(tmp_path)
    try:
        assert kiosk.stage.view.screen is Screen.TAMPERED  # the first screen drawn
        switch(kiosk, opened=False)  # what the backend reports at start
        kiosk.session.post(Unlock())  # a clerk, after looking at it
        pump_until(kiosk, lambda: kiosk.stage.view.screen is Screen.ATTRACT)
        assert not (tmp_path / TAMPERED_FILE).exists()
    finally:
        kiosk.stop()

    kiosk = started(tmp_path)
    try:
        assert kiosk.stage.view.screen is Screen.ATTRACT
    finally:
        kiosk.stop()
