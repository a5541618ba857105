"""``kiosk debug-bundle``: the real command in a subprocess. A kiosk process logs, through the
kiosk's own logging (kiosk/logs.py), a PIN held in a Secret and a line full of personal data
and codes; its lines become a real journal file (systemd-journal-remote), which the bundle
reads with the real journalctl. Every member of the archive is scanned: no code, no personal
data, no private key. On this machine's own (empty) journal the bundle says so and is still
made."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from kiosk.doctor.bundle import mask_config, scrub
from kiosk.uplink.credentials import key_pem, new_key
from tests.conftest import ROOT, run_kiosk
from tests.doctor.test_doctor_cli import sim_config  # noqa: F401 - fixture
from tests.secret_scan import findings

JOURNAL_REMOTE = Path("/lib/systemd/systemd-journal-remote")
PIN, PUK, CAN = "13572468", "86427531", "246801"
PERSONAL = ["RSSMRA80A01H501U", "mario.rossi@example.it", "CA12345AB", "1980-01-01",
            "01/01/1980", "3331234567"]
LOGGER = f"""
import logging
from kiosk import logs
from kiosk.cie.secret import Secret

logs.configure("INFO")
log = logging.getLogger("kiosk.journeys.test")
pin = Secret.from_digits(bytearray(b"{PIN}"))
log.info("PIN typed: %s", pin)
log.info("PIN buffer: %s", pin.reveal())
log.warning("ticket filed for RSSMRA80A01H501U, mario.rossi@example.it, document CA12345AB, "
            "born 1980-01-01 (01/01/1980), phone 3331234567; PUK {PUK}, CAN {CAN}",
            extra=logs.fields(code="TICKET_FILED", can="{CAN}"))
log.info("kiosk ready")
"""


def kiosk_journal(directory: Path) -> None:
    """The logging process's lines, as journald would have stored them for kiosk.service."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("JOURNAL_STREAM", None)
    done = subprocess.run([sys.executable, "-c", LOGGER], capture_output=True, text=True,
                          env=env, check=True, timeout=60)
    lines = done.stderr.splitlines()
    assert len(lines) == 4 and "<secret>" in lines[0]
    export = "".join(
        f"__REALTIME_TIMESTAMP={1765090000000000 + index}\n__MONOTONIC_TIMESTAMP={index + 1}\n"
        f"_BOOT_ID=0123456789abcdef0123456789abcdef\nSYSLOG_IDENTIFIER=kiosk\n"
        f"_SYSTEMD_UNIT=kiosk.service\nPRIORITY=6\nKIOSK_CODE=TICKET_FILED\nKIOSK_CAN={CAN}\n"
        f"MESSAGE={line}\n\n" for index, line in enumerate(lines))
    directory.mkdir()
    subprocess.run([str(JOURNAL_REMOTE), "-o", str(directory / "remote.journal"), "-"],
                   input=export, text=True, check=True, capture_output=True, timeout=60)


def unpacked(archive: Path, into: Path) -> dict[str, str]:
    """Every member, written out flat (their names checked: one folder, plain files)."""
    into.mkdir()
    found = {}
    with tarfile.open(archive) as bundle:
        for member in bundle.getmembers():
            folder, name = member.name.split("/")
            assert folder.startswith("kiosk-debug-") and member.isfile(), member.name
            data = bundle.extractfile(member)
            assert data is not None
            (into / name).write_bytes(data.read())
            found[name] = (into / name).read_text()
    return found


@pytest.mark.skipif(not JOURNAL_REMOTE.exists(), reason="apt install systemd-journal-remote")
def test_no_code_no_personal_data_no_key_in_the_bundle(sim_config: Path,  # noqa: F811
                                                      tmp_path: Path) -> None:
    kiosk_journal(tmp_path / "journal")
    uplink = tmp_path / "state" / "uplink"
    uplink.mkdir(parents=True)
    key = key_pem(new_key())
    (uplink / "key.pem").write_bytes(key)
    archive = tmp_path / "bundle.tar.gz"

    done = run_kiosk("debug-bundle", "--config", str(sim_config), "-o", str(archive),
                     "--journal-dir", str(tmp_path / "journal"))
    assert done.returncode == 0, done.stderr
    members = unpacked(archive, tmp_path / "out")
    assert set(members) == {"versions.json", "doctor.json", "config.toml", "uplink.json",
                            "journal.json"}
    journal = json.loads(members["journal.json"])
    assert [line["message"].split(": ", 1)[-1] for line in journal][-1] == "kiosk ready"
    assert journal[2]["fields"] == {"KIOSK_CAN": "<masked>", "KIOSK_CODE": "TICKET_FILED"}
    assert "<masked>, <masked>, document <masked>" in journal[2]["message"]
    assert json.loads(members["doctor.json"])["profile"] == "sim"
    assert json.loads(members["versions.json"])["packages"]["pydantic"]
    assert json.loads(members["uplink.json"])["enrolled"] is False

    secrets = [PIN, PUK, CAN, *PERSONAL]
    key_lines = [line for line in key.decode().splitlines() if "-----" not in line]
    assert findings(tmp_path / "out", secrets + key_lines) == []


def test_without_journal_lines_the_bundle_says_so(sim_config: Path,  # noqa: F811
                                                  tmp_path: Path) -> None:
    archive = tmp_path / "bundle.tar.gz"
    done = run_kiosk("debug-bundle", "--config", str(sim_config), "-o", str(archive),
                     "--journal-dir", str(tmp_path / "nowhere"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(archive)
    members = unpacked(archive, tmp_path / "out")
    assert "journal.json" not in members
    assert members["journal.txt"].startswith("journal")


def test_secrets_in_a_configuration_are_masked() -> None:
    text = ('token = "kT0k3n-secret"\n[profiles.k]\nuplink = { enrollment_token = "abc", '
            'heartbeat_seconds = 30.0 }\nclient_secret = \'s3\'\nprivate_key_file = "/k.pem"\n'
            "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMG\n-----END PRIVATE KEY-----\n")
    masked = mask_config(text)
    for secret in ("kT0k3n-secret", '"abc"', "s3", "/k.pem", "MIGHAgEAMBMG"):
        assert secret not in masked
    assert "heartbeat_seconds = 30.0" in masked
    assert 'token = "<masked>"' in masked


def test_the_second_net_masks_what_looks_like_a_code_or_personal_data() -> None:
    assert scrub("PIN 12345678 CAN 123456 cf RSSMRA80A01H501U at a@b.it") == \
        "PIN <masked> CAN <masked> cf <masked> at <masked>"
    assert scrub("command 12: lock, port 8444") == "command 12: lock, port 8444"
