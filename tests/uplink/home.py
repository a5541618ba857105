"""A kiosk's home for the end-to-end tests and the kill bench: its configuration file, its
state directory, and its enrollment through the real ``kiosk enroll``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tests.backoffice.stack import Stack
from tests.conftest import run_kiosk

FAST_UPLINK = {"heartbeat_seconds": 1.0, "timeout_seconds": 5.0, "batch_size": 20,
               "backoff_max_seconds": 1.0, "l3_timeout_seconds": 5.0}


@dataclass(frozen=True)
class KioskHome:
    """One kiosk's configuration file and state directory."""

    config: Path
    state: Path
    name: str

    @property
    def uplink_dir(self) -> Path:
        return self.state / "uplink"

    def kiosk(self, *args: str, stdin: str | None = None) -> dict[str, object]:
        done = run_kiosk(*args, "--config", str(self.config), "--json", stdin=stdin)
        answer: dict[str, object] = json.loads(done.stdout)
        return answer


def kiosk_home(directory: Path, name: str = "", **uplink: object) -> KioskHome:
    directory.mkdir(parents=True, exist_ok=True)
    settings = {**FAST_UPLINK, **uplink}
    lines = "\n".join(f"{key} = {json.dumps(value)}" for key, value in settings.items())
    config = directory / "kiosk.toml"
    config.write_text(f"""profile = "k"
[profiles.k]
reader = "pcsc"
state_dir = "{directory / 'state'}"
[profiles.k.uplink]
{lines}
""")
    return KioskHome(config, directory / "state", name)


def enroll(stack: Stack, directory: Path, **uplink: object) -> KioskHome:
    """A new kiosk on ``stack``, enrolled with ``kiosk enroll`` (token on stdin)."""
    name, token = stack.add_kiosk()
    home = kiosk_home(directory / name, name, **uplink)
    answer = home.kiosk("enroll", "--url", stack.enroll_url, stdin=token + "\n")
    assert answer.get("enrolled") is True, answer
    return home
