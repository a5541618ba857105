"""``kiosk doctor``: every device of the active profile, the back-office link, the
configuration, the disk, the clock and the machine's health, each with a verdict, a finding
and a remedy (:mod:`.checks`); and ``kiosk debug-bundle`` (:mod:`.bundle`).

Exit status (docs/doctor.md): 0 the kiosk can serve citizens (warnings allowed), 3 it cannot
(a check failed), 4 the configuration is invalid (nothing else could be checked).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk import config
from kiosk.doctor import checks
from kiosk.doctor.checks import Check, Verdict
from kiosk.errors import KioskError
from kiosk.hardware.health import read

EXIT_READY = 0
EXIT_CANNOT_SERVE = 3
EXIT_CONFIG = 4


@dataclass(frozen=True)
class Diagnosis:
    profile: str | None
    checks: list[Check]
    config_valid: bool = True

    @property
    def ready(self) -> bool:
        return self.config_valid and all(check.verdict is not Verdict.FAIL
                                         for check in self.checks)

    @property
    def exit_code(self) -> int:
        if not self.config_valid:
            return EXIT_CONFIG
        return EXIT_READY if self.ready else EXIT_CANNOT_SERVE

    def as_json(self) -> dict[str, Any]:
        return {"profile": self.profile, "ready": self.ready, "exit_code": self.exit_code,
                "checks": [check.as_json() for check in self.checks]}


def diagnose(path: Path | None = None, profile: str | None = None, *,
             root: Path = Path("/"), now: datetime | None = None) -> Diagnosis:
    """Run every check (each bounded: the back-office's one request has a 5 s timeout)."""
    now = now or datetime.now(UTC)
    try:
        cfg = config.load(path, profile)
    except KioskError as exc:
        return Diagnosis(None, [Check("configuration", Verdict.FAIL, f"{exc.code}: {exc}",
                                      "correct the named key in kiosk.toml")],
                         config_valid=False)
    settings = cfg.profile
    return Diagnosis(cfg.name, [
        checks.configuration(cfg.source, cfg.name),
        checks.reader(settings),
        checks.printer(settings),
        checks.frontpanel(settings),
        checks.gpio(settings.gpio),
        *checks.uplink(settings, now),
        checks.clock(now, root),
        *checks.machine(read(root, settings.state_path)),
    ])
