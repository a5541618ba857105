"""``kiosk doctor [--json]`` and ``kiosk debug-bundle [-o FILE]``: what a technician runs
first. The doctor's exit status says whether the kiosk can serve citizens (kiosk.doctor)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kiosk import doctor
from kiosk.doctor.checks import Verdict

MARKS = {Verdict.OK: "ok", Verdict.WARNING: "WARNING", Verdict.FAIL: "FAIL",
         Verdict.ABSENT: "absent"}


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = groups.add_parser("doctor", help="check every device, the back-office link, disk "
                                             "and clock; exit 0 when the kiosk can serve")
    _common(check)
    check.add_argument("--json", action="store_true", help="print JSON")
    check.set_defaults(handler=cmd_doctor)
    bundle = groups.add_parser("debug-bundle", help="one .tar.gz for the support: versions, "
                                                    "configuration (secrets masked), journal, "
                                                    "doctor")
    _common(bundle)
    bundle.add_argument("-o", "--output", type=Path, help="the archive (default: "
                        "kiosk-debug-HOST-TIME.tar.gz here)")
    bundle.add_argument("--journal-dir", type=Path, help="read the journal from this "
                        "directory (journalctl -D), e.g. a kiosk's SD card mounted here")
    bundle.set_defaults(handler=cmd_bundle)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="configuration file")
    parser.add_argument("--profile", help="configuration profile (default: the file's)")


def cmd_doctor(args: argparse.Namespace) -> int:
    diagnosis = doctor.diagnose(args.config, args.profile)
    if args.json:
        print(json.dumps(diagnosis.as_json(), indent=2, ensure_ascii=False))
    else:
        print(table(diagnosis))
    return diagnosis.exit_code


def table(diagnosis: doctor.Diagnosis) -> str:
    """One line per check, its remedy indented below it; the verdict on the last line."""
    width = max(len(check.name) for check in diagnosis.checks)
    lines = [f"kiosk doctor, profile {diagnosis.profile or '?'}", ""]
    for check in diagnosis.checks:
        lines.append(f"{check.name:<{width}}  {MARKS[check.verdict]:<7}  {check.finding}")
        if check.remedy and check.verdict in (Verdict.WARNING, Verdict.FAIL):
            lines.append(f"{'':<{width}}  {'':<7}  -> {check.remedy}")
    lines.append("")
    lines.append("the kiosk can serve citizens" if diagnosis.ready
                 else "the kiosk CANNOT serve citizens: see FAIL above")
    return "\n".join(lines)


def cmd_bundle(args: argparse.Namespace) -> int:
    from kiosk.doctor import bundle  # noqa: PLC0415

    directory = args.journal_dir
    path = bundle.write(args.output, args.config, args.profile,
                        journal=lambda: bundle.journalctl(bundle.JOURNAL_LINES, directory))
    print(path)
    return 0
