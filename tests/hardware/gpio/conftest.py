"""The GPIO tests run on gpiozero's MockFactory: each test gets a fresh one, closed after it
(style-models.md §2, as gpiozero's own ``mock_factory`` fixture)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gpiozero.pins.mock import MockFactory

from kiosk.hardware.gpio import open_pins


@pytest.fixture
def pins() -> Iterator[MockFactory]:
    factory = open_pins("mock")
    assert isinstance(factory, MockFactory)
    yield factory
    factory.close()
