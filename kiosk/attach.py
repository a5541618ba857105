"""Building a reader from a URI, with the virtual card that ``sim:PROFILE`` names.

Shared by the kiosk (:mod:`kiosk.app`) and the technician commands; kept apart from
:mod:`kiosk.app` so that a command such as ``kiosk card info`` does not load pygame.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from kiosk.hardware.reader import CardReader, open_reader
from kiosk.hardware.virtual import VirtualDriver
from kiosk.sim import issuing
from kiosk.sim.card import VirtualCie
from kiosk.sim.profile import CardProfile

log = logging.getLogger(__name__)


def build_reader(
    uri: str, base: Path | None = None, *, create_demo: bool = False,
    timing: Literal["instant", "cie"] | None = None,
) -> tuple[CardReader, VirtualCie | None]:
    """The reader for ``uri``; for ``sim:PROFILE`` also the virtual card, not yet inserted.

    A relative profile path is taken from ``base`` (the profile's state directory). With
    ``create_demo``, a missing profile is created as the demo card: what the ``sim`` profile of
    a fresh install needs, and never what a technician's explicit path should get. ``timing``
    overrides the card's own (``"cie"``: as slow as a real card, kiosk/sim/timing.py).
    """
    scheme, _, rest = uri.partition(":")
    if scheme != "sim":
        return open_reader(uri), None
    path = Path(rest).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    if create_demo and not path.exists():
        issuing.write_card(path)
        log.info("created the demo card %s", path)
    profile = CardProfile.load(path)
    if timing is not None:
        profile.behaviours = profile.behaviours.model_copy(update={"timing": timing})
    return open_reader("sim"), VirtualCie(profile)


@contextmanager
def attached_reader(uri: str, base: Path | None = None) -> Iterator[CardReader]:
    """A reader for a one-off command: a ``sim:`` card is laid on it at once."""
    reader, card = build_reader(uri, base)
    if card is not None:
        assert isinstance(reader.driver, VirtualDriver)
        reader.driver.insert(card)
    try:
        yield reader
    finally:
        reader.close()
