"""``kiosk enroll`` and ``kiosk uplink`` without a back-office: configuration mistakes and an
unenrolled kiosk, each with its code."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kiosk.uplink.outbox import Outbox
from tests.conftest import run_kiosk


def config_file(tmp_path: Path, uplink: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(f"""
profile = "k"
[profiles.k]
reader = "pcsc"
state_dir = "{tmp_path / 'state'}"
{uplink}
""")
    return path


@pytest.mark.parametrize(("section", "key"), [
    ("[profiles.k.uplink]\nheartbeat_seconds = 0", "profiles.k.uplink.heartbeat_seconds"),
    ("[profiles.k.uplink]\nbatch_size = 501", "profiles.k.uplink.batch_size"),
    ("[profiles.k.uplink]\nbatch_size = '100'", "profiles.k.uplink.batch_size"),
    ("[profiles.k.uplink]\nurl = 'https://x'", "profiles.k.uplink.url"),
])
def test_a_wrong_uplink_section_names_the_file_and_the_key(tmp_path: Path, section: str,
                                                           key: str) -> None:
    path = config_file(tmp_path, section)
    for command in (["uplink", "status"], ["uplink", "run"]):
        done = run_kiosk(*command, "--config", str(path), "--json")
        error = json.loads(done.stdout)["error"]
        assert done.returncode == 2
        assert error["code"] == "CONFIG_INVALID"
        assert str(path) in error["message"] and key in error["message"]


def test_uplink_run_needs_an_uplink_section(tmp_path: Path) -> None:
    done = run_kiosk("uplink", "run", "--config", str(config_file(tmp_path, "")), "--json")
    assert done.returncode == 2
    assert json.loads(done.stdout)["error"]["code"] == "CONFIG_INVALID"


def test_status_of_a_kiosk_never_enrolled(tmp_path: Path) -> None:
    path = config_file(tmp_path, "[profiles.k.uplink]")
    done = run_kiosk("uplink", "status", "--config", str(path), "--json")
    report = json.loads(done.stdout)
    assert done.returncode == 0
    assert report["configured"] is True and report["enrolled"] is False
    assert report["problem"] == "NOT_ENROLLED" and report["outbox_depth"] == 0


def test_status_run_as_root_reads_the_outbox_and_leaves_it_the_kiosk_s(tmp_path: Path) -> None:
    """A technician runs it as root. A corrupt outbox is reported, not replaced (the new file
    would be root's, and the kiosk could not write it); a sound one is read, and the files
    SQLite keeps beside it stay the kiosk user's (SQLite run as root gives them the
    database's owner). Run as another user, only the first half is checked."""
    path = config_file(tmp_path, "[profiles.k.uplink]")
    directory = tmp_path / "state" / "uplink"
    box = Outbox(directory / "outbox.db", 10)
    box.put("journey.finished", {"n": 1})
    box.close()
    kiosk_user = 65534 if os.geteuid() == 0 else os.geteuid()
    for item in (directory, *directory.iterdir()):
        os.chown(item, kiosk_user, kiosk_user)
    report = json.loads(run_kiosk("uplink", "status", "--config", str(path), "--json").stdout)
    assert (report["outbox_depth"], report["outbox_problem"]) == (1, None)
    owners = {item.name: item.stat().st_uid for item in directory.iterdir()}
    assert set(owners) <= {"outbox.db", "outbox.db-wal", "outbox.db-shm"}
    assert set(owners.values()) == {kiosk_user}

    (directory / "outbox.db").write_bytes(b"not SQLite " * 512)
    done = run_kiosk("uplink", "status", "--config", str(path), "--json")
    report = json.loads(done.stdout)
    assert done.returncode == 0
    assert (report["outbox_depth"], report["outbox_problem"]) == (0, "OUTBOX_CORRUPT")
    assert (directory / "outbox.db").read_bytes() == b"not SQLite " * 512
    assert {item.name for item in directory.iterdir()} == set(owners)


def test_enroll_wants_the_token_on_stdin(tmp_path: Path) -> None:
    path = config_file(tmp_path, "")
    done = run_kiosk("enroll", "--url", "https://127.0.0.1:9", "--config", str(path), "--json",
                     stdin="")
    assert json.loads(done.stdout)["error"]["code"] == "BAD_INPUT"
    assert done.returncode == 2
