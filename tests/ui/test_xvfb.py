"""``kiosk run --window`` in a real X server (Xvfb), used as a person would: xdotool's real X
clicks and key presses, SDL's own mouse and keyboard handling, the real window surface.

One whole journey, "Test my PIN", on the demo card the kiosk issues itself: start, Italian,
"Test my PIN", F2 lays the card, the eight digits and confirm on the pad, the card's facts
(both pages), "done". What the window must show at each step comes from a twin: the kiosk's
session and stage again, in this process, wired as :mod:`kiosk.app` wires them, on a copy of
the same card and trust settings, and sent the same clicks. What the twin draws must be
exactly the picture the X server holds: first at the areas that matter (the button about to
be pressed, the PIN dots), then in every pixel. So the expectations follow the code that draws,
and a screen that draws something else, or a click that lands elsewhere, fails.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pygame
import pytest
from PIL import Image, ImageChops, ImageGrab

from kiosk import config
from kiosk.app import certificate_policy
from kiosk.attach import build_reader
from kiosk.hardware.virtual import VirtualDriver
from kiosk.journeys import (
    CardInserted,
    EndReason,
    InlineCardWorker,
    KioskSession,
    PadView,
    Screen,
    View,
)
from kiosk.sim import issuing
from kiosk.sim.profile import CardProfile
from kiosk.ui import messages
from kiosk.ui.i18n import Catalog
from kiosk.ui.stage import Stage
from kiosk.ui.theme import Settings, theme_for
from kiosk.ui.widgets import Layout
from tests.conftest import ROOT, kiosk_command
from tests.secret_scan import findings

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not shutil.which("Xvfb") or not shutil.which("xdotool"),
                       reason="Xvfb and xdotool are installed by scripts/dev.sh"),
]
SIZE = (800, 480)
WAIT_SECONDS = 20  # for one screen; the whole journey takes a few seconds
IMPORTED = time.time()  # when this process loaded the code the twin draws with


def sim_config(state_dir: Path) -> str:
    return (f'[profiles.sim]\nreader = "sim:card.json"\nstate_dir = "{state_dir}"\n'
            'display = { mode = "window", size = [800, 480] }\n'
            'certificates = { anchors = ["card.pki"] }\n')


@pytest.fixture
def display() -> Iterator[str]:
    """A private X server: Xvfb picks a free display number and writes it when it is ready.
    The screen is the size of the window: SDL centres the window, so it lies at the origin
    (there is no window manager to ask, and without one a window's title is not searchable)."""
    read, write = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "800x480x24",
                               "-nolisten", "tcp"], pass_fds=(write,),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        number = b""
        while not number.endswith(b"\n"):
            ready, _, _ = select.select([read], [], [], 10)
            chunk = os.read(read, 16) if ready else b""
            assert chunk, "Xvfb did not start"
            number += chunk
        yield f":{int(number)}"
    finally:
        os.close(read)
        server.terminate()
        server.wait(timeout=10)


def inside(rect: pygame.Rect) -> list[tuple[int, int]]:
    """The centre of ``rect`` and a point just inside each of its four edges."""
    x, y = rect.center
    return [(x, y), (rect.left + 3, y), (rect.right - 4, y), (x, rect.top + 3),
            (x, rect.bottom - 4)]


class Twin:
    """The kiosk again, in this process and drawing on SDL's dummy driver: a session and a
    stage wired as :class:`kiosk.app.Kiosk` wires them, on a copy of the kiosk's card and
    trust settings. Sent the same touches and the same card, it draws what the kiosk must."""

    def __init__(self, state_dir: Path, folder: Path) -> None:
        folder.mkdir()
        shutil.copy(state_dir / "card.json", folder / "card.json")
        shutil.copytree(state_dir / "card.pki", folder / "card.pki")
        profile = config.parse(sim_config(folder), "twin").profile
        self.reader, card = build_reader(profile.reader, profile.state_path)
        assert card is not None and isinstance(self.reader.driver, VirtualDriver)
        self.card, self.driver = card, self.reader.driver
        self.worker = InlineCardWorker(self.reader)
        self.session = KioskSession(self.worker, certificate_policy(profile))
        self.stage = Stage(Catalog, Settings(dpi=profile.display.dpi), self.session.view)
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        pygame.display.init()
        self.surface = pygame.Surface(SIZE)

    @property
    def view(self) -> View:
        return self.session.view

    def picture(self) -> tuple[Image.Image, Layout]:
        layout = self.stage.draw(self.surface)
        return Image.frombytes("RGB", SIZE, pygame.image.tostring(self.surface, "RGB")), layout

    def touch(self, rect: pygame.Rect) -> View:
        """A left click on the centre of ``rect``, handled as the kiosk's loop handles it."""
        click = pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=rect.center, button=1)
        action = self.stage.handle(click)
        if action is not None:
            self.stage.enter(self.session.handle(action))
        return self.view

    def insert_card(self) -> View:
        self.driver.insert(self.card)
        self.stage.enter(self.session.handle(CardInserted()))
        return self.view

    def close(self) -> None:
        self.worker.close()
        self.reader.close()


class Panel:
    """The kiosk's window on the X server, a person's hand on it, and the twin that says what
    the window must show."""

    def __init__(self, display: str, twin: Twin, shots: Path) -> None:
        self.env = dict(os.environ, DISPLAY=display)
        self.display = display
        self.twin = twin
        self.shots = shots

    def grab(self) -> Image.Image:
        return ImageGrab.grab(bbox=(0, 0, *SIZE), xdisplay=self.display).convert("RGB")

    def shows(self, *names: str) -> tuple[Image.Image, Layout]:
        """Wait until the window shows exactly what the twin draws; ``names`` (hit areas or
        marks) are checked first, at their centre and just inside their edges, so that a
        failure says which of them is not where it is drawn. Returns the picture and layout."""
        picture, layout = self.twin.picture()
        points = {name: inside(layout.marks[name] if name in layout.marks
                               else layout.named(name).rect) for name in names}
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            image = self.grab()
            wrong = [name for name, spots in points.items()
                     if any(image.getpixel(spot) != picture.getpixel(spot) for spot in spots)]
            differ = ImageChops.difference(image, picture).getbbox()
            if not wrong and differ is None:
                return image, layout
            if time.monotonic() > deadline:
                stem = self.twin.view.screen.value.replace(".", "-")
                image.save(self.shots / f"{stem}-actual.png")
                picture.save(self.shots / f"{stem}-expected.png")
                pytest.fail(f"{self.twin.view.screen.value} never appeared: wrong at {wrong}, "
                            f"pixels differ in {differ} (see {self.shots}){edited()}")
            time.sleep(0.05)

    def click(self, name: str) -> View:
        """A real click on the centre of the area drawn as ``name``; the twin gets it too."""
        assert self.twin.stage.layout is not None, "shows() first"
        rect = self.twin.stage.layout.named(name).rect
        self._xdotool("mousemove", str(rect.centerx), str(rect.centery), "click", "1")
        return self.twin.touch(rect)

    def key(self, keysym: str) -> None:
        # No window manager: the keyboard focus follows the pointer, which is on the window.
        self._xdotool("key", keysym)

    def _xdotool(self, *args: str) -> None:
        subprocess.run(["xdotool", *args], env=self.env, check=True, timeout=10)


def edited() -> str:
    """A note for a failure: the kiosk's sources changed after this process loaded them, so
    the kiosk and its twin may be drawing with different code."""
    changed = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "kiosk").rglob("*")
                     if path.suffix in (".py", ".mo") and path.stat().st_mtime > IMPORTED)
    return f"; edited since this process imported them: {changed}" if changed else ""


def filled_dots(image: Image.Image, layout: Layout) -> int:
    """How many of the PIN pad's dots are drawn filled (in the text colour at their centre)."""
    ink = theme_for(Settings()).palette.text
    return sum(image.getpixel(rect.center) == ink
               for name, rect in layout.marks.items() if name.startswith("dot"))


def test_test_my_pin_with_real_clicks(display: str, tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    conf = tmp_path / "kiosk.toml"
    conf.write_text(sim_config(state))
    out, err = tmp_path / "kiosk.out", tmp_path / "kiosk.err"
    env = dict(os.environ, DISPLAY=display, SDL_VIDEODRIVER="x11", SDL_AUDIODRIVER="dummy")
    with out.open("wb") as stdout, err.open("wb") as stderr:
        kiosk = subprocess.Popen(
            kiosk_command("--log-level", "DEBUG", "run", "--window", "--config", str(conf)),
            cwd=ROOT, env=env, stdout=stdout, stderr=stderr)
    pin = issuing.DEMO_PIN
    twin: Twin | None = None
    try:
        # No card.json in the state folder: the sim profile issues the demo card (PIN, PUK
        # and PKI of issuing), before it opens its window.
        deadline = time.monotonic() + WAIT_SECONDS
        while not (state / "card.json").exists():
            assert kiosk.poll() is None, err.read_text()
            assert time.monotonic() < deadline, "the kiosk issued no demo card"
            time.sleep(0.05)
        codes = CardProfile.load(state / "card.json").pins
        assert codes is not None and codes.matches(pin.encode(), is_pin=True)
        twin = Twin(state, tmp_path / "twin")
        panel = Panel(display, twin, tmp_path)

        assert twin.view.screen is Screen.ATTRACT
        panel.shows("choice.start")
        assert panel.click("choice.start").screen is Screen.LANGUAGE
        panel.shows("language.it", "choice.continue")
        assert panel.click("language.it").screen is Screen.MENU
        panel.shows("choice.test_pin")
        assert panel.click("choice.test_pin").screen is Screen.LAY_CARD
        panel.shows()

        panel.key("F2")  # the simulated panel lays the virtual card on the reader
        view = twin.insert_card()
        assert view.screen is Screen.ENTER_PIN and view.pad == PadView(0)
        panel.shows("pad.confirm", "dot0")
        for typed, digit in enumerate(pin, start=1):
            panel.shows(f"pad.key.{digit}")
            view = panel.click(f"pad.key.{digit}")
            assert view.screen is Screen.ENTER_PIN and view.pad == PadView(typed)
            image, layout = panel.shows(f"dot{typed - 1}")
            assert filled_dots(image, layout) == typed
        panel.shows("pad.confirm")  # the pad is complete: confirm is enabled

        view = panel.click("pad.confirm")
        assert view.screen is Screen.PIN_WORKS, view
        assert view.facts["works_for_entra_con_cie"] is True
        assert view.facts["surname"] and view.facts["codice_fiscale"]
        first, layout = panel.shows("choice.done")
        if any(area.name == messages.PAGE_NEXT for area in layout.areas):
            # The card's facts do not fit one page: the arrow turns it, in the UI alone.
            assert panel.click(messages.PAGE_NEXT) == view
            second, _layout = panel.shows("choice.done")
            assert ImageChops.difference(first, second).getbbox() is not None
        assert panel.click("choice.done").screen is Screen.ATTRACT
        assert twin.session.ended == [EndReason.DONE]
        panel.shows("choice.start")
    finally:
        if twin is not None:
            twin.close()
        kiosk.terminate()  # SDL turns SIGTERM into QUIT: the loop ends and stops cleanly
        try:
            kiosk.wait(timeout=20)
        except subprocess.TimeoutExpired:
            kiosk.kill()
            kiosk.wait()
            raise
    log = err.read_text() + out.read_text()
    assert "Traceback" not in log
    assert "kiosk ready" in log  # the output was captured: the next line means something
    assert "APDU 0C 20 00 81 -> 9000" in log  # the PIN was verified; DEBUG logs were on
    assert findings(tmp_path, [pin]) == []
