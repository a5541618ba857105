"""The uplink's end-to-end fixtures: the real back-office stack (tests/backoffice/stack.py)
and kiosks enrolled with it through the real ``kiosk enroll``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.backoffice.conftest import postgres  # noqa: F401 - registers the fixture
from tests.backoffice.stack import Stack, backoffice_stack, sqlite_stack  # noqa: F401
from tests.uplink.home import KioskHome, enroll


@pytest.fixture
def enrolled(tmp_path: Path, backoffice_stack: Stack) -> Callable[..., KioskHome]:  # noqa: F811
    """A kiosk enrolled through ``kiosk enroll`` (uplink settings as keyword arguments)."""

    def make(**uplink: object) -> KioskHome:
        return enroll(backoffice_stack, tmp_path, **uplink)

    return make
