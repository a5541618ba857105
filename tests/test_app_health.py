"""The kiosk's health reaches the back-office: ``kiosk run``'s :class:`~kiosk.app.Kiosk` on the
sim profile with the virtual printer, enrolled into a real back-office (nginx, mTLS, SQLite).
Its heartbeat carries the health report; the virtual printer's paper running out
(``echo paper_out > STATE_DIR/receipts/state``) shows on the kiosk's row at the next beat,
and a new roll takes it away."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk import config
from kiosk.app import Kiosk
from kiosk.hardware.audio import RecordingSpeaker
from tests.backoffice.messages import kiosk_row
from tests.backoffice.stack import Stack, sqlite_stack  # noqa: F401 - fixture
from tests.test_app_uplink import enroll_kiosk, wait_for

pytestmark = pytest.mark.slow


def test_the_printer_running_out_of_paper_reaches_the_kiosks_row(
        tmp_path: Path, sqlite_stack: Stack) -> None:  # noqa: F811
    source, name = enroll_kiosk(tmp_path, sqlite_stack)
    source.write_text(source.read_text().replace(
        "[profiles.sim.uplink]", 'printer = { uri = "virtual:receipts" }\n[profiles.sim.uplink]'))
    kiosk = Kiosk(config.load(source), speaker=RecordingSpeaker())
    kiosk.start()
    try:
        wait_for(lambda: kiosk_row(sqlite_stack, name).health_problems is not None)
        row = kiosk_row(sqlite_stack, name)
        assert row.last_heartbeat is not None
        health = row.last_heartbeat["health"]
        assert health["printer"] == "ok"
        assert health["disk_free_bytes"] > 0 and health["frontpanel_present"] is None
        assert "printer" not in (row.health_problems or "")

        (tmp_path / "receipts" / "state").write_text("paper_out\n")
        wait_for(lambda: "printer" in (kiosk_row(sqlite_stack, name).health_problems or ""))
        beat = kiosk_row(sqlite_stack, name).last_heartbeat
        assert beat is not None and beat["health"]["printer"] == "PRINTER_PAPER_OUT"

        (tmp_path / "receipts" / "state").write_text("ready\n")
        wait_for(lambda: "printer" not in (kiosk_row(sqlite_stack, name).health_problems or ""))
    finally:
        kiosk.stop()
