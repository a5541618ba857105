"""The kiosk's UI figures against issue 5's targets: cold start to first frame (≤ 1.5 s), frame
time p50/p99 on each screen (p99 ≤ 8 ms), CPU of an idle kiosk over 30 s (≤ 2 % of a core),
peak RSS over a full journey (≤ 120 MB).

Run from the repository root: ``.venv/bin/python -m bench.ui``. Prints figures; asserts
nothing. Frame times are for drawing a screen on the CPU (dummy driver), which is all the
kiosk does per frame; the Pi's flip to KMS/DRM comes on top.
"""

from __future__ import annotations

import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"

import pygame

from kiosk import config
from kiosk.app import Kiosk
from kiosk.cli.ui import SCENARIOS, drive
from kiosk.hardware.audio import RecordingSpeaker
from kiosk.journeys import Screen
from kiosk.ui import render
from kiosk.ui.i18n import Catalog
from kiosk.ui.theme import Settings

KIOSK = [sys.executable, "-m", "kiosk"]


def sim_config(state: Path) -> str:
    return (f'[profiles.sim]\nreader = "sim:card.json"\nstate_dir = "{state}"\n'
            'display = { mode = "headless", size = [800, 480] }\n'
            'certificates = { anchors = ["card.pki"] }\n')


def cold_start_and_idle_cpu(state: Path, idle_seconds: float) -> None:
    conf = state / "kiosk.toml"
    conf.write_text(sim_config(state))
    subprocess.run([*KIOSK, "sim", "card", "new", "--out", str(state / "card.json")],
                   check=True, capture_output=True)
    notify_path = str(state / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(notify_path)
        notify.settimeout(30)
        started = time.perf_counter()
        proc = subprocess.Popen([*KIOSK, "run", "--headless", "--config", str(conf)],
                                env=dict(os.environ, NOTIFY_SOCKET=notify_path),
                                stderr=subprocess.DEVNULL)
        try:
            notify.recv(4096)
            print(f"cold start to first frame      {time.perf_counter() - started:6.2f} s")
            ticks = os.sysconf("SC_CLK_TCK")
            before = _cpu_ticks(proc.pid)
            time.sleep(idle_seconds)
            used = (_cpu_ticks(proc.pid) - before) / ticks
            print(f"idle CPU over {idle_seconds:.0f} s              "
                  f"{100 * used / idle_seconds:6.2f} % of a core")
        finally:
            proc.terminate()
            proc.wait()


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def frame_times(sizes: list[tuple[tuple[int, int], Settings]], rounds: int = 40) -> None:
    """Large text on the small panel is the slowest case: the text shrinks step by step,
    then is cut into pages (kiosk.ui.screens.text_column)."""
    pygame.display.init()
    catalog = Catalog("it")
    views = {name: drive(scenario, "it") for name, scenario in SCENARIOS.items()}
    for size, settings in sizes:
        surface = pygame.Surface(size)
        worst: list[tuple[float, str]] = []
        all_samples: list[float] = []
        for name, view in views.items():
            samples = []
            for _ in range(rounds):
                start = time.perf_counter()
                render.draw(surface, view, catalog, settings)
                samples.append((time.perf_counter() - start) * 1e3)
            samples.sort()
            all_samples += samples
            worst.append((samples[int(len(samples) * 0.99) - 1], name))
        all_samples.sort()
        p99 = all_samples[int(len(all_samples) * 0.99) - 1]
        slowest = max(worst)
        mode = " large text" if settings.large_text else ""
        print(f"frame {size[0]}x{size[1]}{mode}: p50 {statistics.median(all_samples):5.2f} ms, "
              f"p99 {p99:5.2f} ms over {len(SCENARIOS)} screens; slowest screen "
              f"{slowest[1]} (p99 {slowest[0]:.2f} ms)")


def journey_peak_rss(state: Path) -> None:
    kiosk = Kiosk(config.parse(sim_config(state), "bench"), speaker=RecordingSpeaker())
    kiosk.start()

    def touch(name: str) -> None:
        layout = kiosk.stage.layout
        assert layout is not None, "no frame drawn yet"
        x, y = layout.named(name).rect.center
        width, height = kiosk.surface.get_size()
        for kind in (pygame.FINGERDOWN, pygame.FINGERUP):
            pygame.event.post(pygame.event.Event(kind, x=x / width, y=y / height, dx=0.0,
                                                 dy=0.0, touch_id=1, finger_id=0, pressure=1.0))
        kiosk.pump(0.05)
        kiosk.pump(0.05)

    def until(screen: Screen) -> None:
        deadline = time.monotonic() + 30
        while kiosk.session.view.screen is not screen and time.monotonic() < deadline:
            kiosk.pump(0.05)

    try:
        touch("choice.start")
        touch("language.it")
        touch("choice.test_pin")
        kiosk.toggle_sim_card()
        until(Screen.ENTER_PIN)
        for digit in "12345678":
            touch(f"pad.key.{digit}")
        touch("pad.confirm")
        until(Screen.PIN_WORKS)
        print(f"full journey reached            {kiosk.session.view.screen.name}")
    finally:
        kiosk.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS over the journey      {peak:6.1f} MB (this process, pygame included)")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "start").mkdir()
        cold_start_and_idle_cpu(base / "start", float(os.environ.get("IDLE_SECONDS", "30")))
        frame_times([((800, 480), Settings()), ((800, 480), Settings(large_text=True)),
                     ((1920, 1080), Settings())])
        (base / "journey").mkdir()
        journey_peak_rss(base / "journey")


if __name__ == "__main__":
    main()
