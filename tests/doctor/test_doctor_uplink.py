"""``kiosk doctor``'s back-office checks against the real back-office (nginx, mTLS, SQLite):
enrolled through the real ``kiosk enroll``, the certificate's expiry, one real request; then
the kiosk revoked, which the doctor calls a failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.backoffice.stack import Stack, sqlite_stack  # noqa: F401 - fixture
from tests.uplink.home import enroll

pytestmark = pytest.mark.slow


def uplink_checks(config: Path) -> dict[str, tuple[str, str]]:
    from tests.doctor.test_doctor_cli import doctor

    _code, answer = doctor(config)
    return {check["name"]: (check["verdict"], check["finding"])
            for check in answer["checks"]
            if check["name"] in ("uplink", "certificate", "backoffice")}


def test_an_enrolled_kiosk_reaches_its_back_office(sqlite_stack: Stack,  # noqa: F811
                                                   tmp_path: Path) -> None:
    home = enroll(sqlite_stack, tmp_path)
    found = uplink_checks(home.config)
    assert found["uplink"][0] == "ok"
    assert found["uplink"][1].startswith(f"enrolled as {home.name} with https://")
    assert found["certificate"][0] == "ok"
    assert found["certificate"][1].startswith("certificate valid until ")
    assert found["backoffice"] == ("ok", "reachable, the certificate accepted")

    revoked = sqlite_stack.cli("kiosk", "revoke", home.name)
    assert revoked.returncode == 0, revoked.stderr
    verdict, finding = uplink_checks(home.config)["backoffice"]
    assert "revoked" in finding, finding
    assert verdict == "fail"
