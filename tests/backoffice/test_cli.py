"""``kiosk backoffice`` end to end, as a technician runs it: real subprocesses, a config file,
SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cryptography import x509

from kiosk.backoffice import db
from kiosk.backoffice.ca import CertificateAuthority
from kiosk.backoffice.config import load
from kiosk.backoffice.registry import Registry
from tests.backoffice.csr import make_csr
from tests.conftest import run_kiosk

pytestmark = pytest.mark.slow  # each command is a new Python process


def write_config(directory: Path, url: str) -> Path:
    path = directory / "backoffice.toml"
    path.write_text(f'state_dir = "{directory / "state"}"\n\n[database]\nurl = "{url}"\n\n'
                    '[server]\npublic_host = "backoffice.comune.example.it"\n')
    return path


def backoffice(config: Path, *args: str) -> tuple[int, str, str]:
    done = run_kiosk("backoffice", *args, "--config", str(config))
    return done.returncode, done.stdout, done.stderr


def test_set_up_add_list_and_revoke_a_kiosk(empty_database_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path, empty_database_url)

    code, out, _ = backoffice(config, "ca", "init", "--json")
    assert code == 0
    pin = json.loads(out)["pin"]
    assert (tmp_path / "state" / "ca" / "ca.key").stat().st_mode & 0o777 == 0o600

    code, _, err = backoffice(config, "kiosk", "add", "atrio-1")
    assert (code, err.split(":")[0]) == (2, "error DATABASE_NOT_MIGRATED")

    code, out, _ = backoffice(config, "db", "upgrade", "--json")
    assert (code, json.loads(out)) == (0, {"revision": db.head()})

    code, token, err = backoffice(config, "kiosk", "add", "atrio-1", "--hours", "2")
    assert (code, err) == (0, "")
    assert re.fullmatch(r"v1\.[A-Za-z0-9_-]{32}\." + re.escape(pin) + r"\n", token)

    # The token enrolls the kiosk (the enrollment endpoint calls the same registry).
    loaded = load(config)
    engine = db.make_engine(loaded.database_url)
    try:
        registry = Registry(db.make_sessionmaker(engine), CertificateAuthority.from_config(loaded))
        enrolled = registry.redeem(token.split(".")[1], make_csr())
    finally:
        engine.dispose()
    certificate = x509.load_pem_x509_certificate(enrolled.certificate_pem.encode())
    code, _, _ = backoffice(config, "kiosk", "add", "atrio-2")
    assert code == 0

    code, out, _ = backoffice(config, "kiosks", "--json")
    listed = {kiosk["name"]: kiosk for kiosk in json.loads(out)["kiosks"]}
    assert code == 0
    assert listed["atrio-1"] == {
        "name": "atrio-1", "enrollment": "enrolled", "state": None, "last_contact": None,
        "certificate_expires": certificate.not_valid_after_utc.isoformat(timespec="seconds"),
        "revoked_at": None, "health": None,
    }
    assert listed["atrio-2"]["enrollment"] == "pending"

    code, out, _ = backoffice(config, "kiosk", "revoke", "atrio-1")
    assert code == 0
    crl = x509.load_pem_x509_crl((tmp_path / "state" / "ca" / "crl.pem").read_bytes())
    assert [entry.serial_number for entry in crl] == [certificate.serial_number]

    code, out, _ = backoffice(config, "kiosks")
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == ["name", "enrollment", "state", "last", "contact",
                                "certificate", "expires", "revoked", "at", "health"]
    assert lines[1].split()[:4] == ["atrio-1", "revoked", "-", "-"]
    assert lines[2].split() == ["atrio-2", "pending", "-", "-", "-", "-", "-"]


def test_mistakes_are_coded_with_the_usage_exit_code(database_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path, database_url)
    assert backoffice(config, "ca", "init")[0] == 0
    assert backoffice(config, "kiosk", "add", "atrio-1")[0] == 0

    code, out, _ = backoffice(config, "kiosk", "add", "atrio-1", "--json")
    assert (code, json.loads(out)["error"]["code"]) == (2, "KIOSK_EXISTS")
    code, _, err = backoffice(config, "kiosk", "revoke", "atrio-9")
    assert (code, err.split(":")[0]) == (2, "error KIOSK_NOT_FOUND")
    code, _, err = backoffice(config, "ca", "init")
    assert (code, err.split(":")[0]) == (2, "error CA_EXISTS")

    code, token, _ = backoffice(config, "kiosk", "add", "atrio-1", "--reenroll")
    assert code == 0
    assert token.startswith("v1.")


def test_a_database_that_does_not_answer_is_exit_1(tmp_path: Path) -> None:
    config = write_config(tmp_path, f"postgresql://postgres@/backoffice?host={tmp_path}")
    code, _, err = backoffice(config, "kiosks")
    assert code == 1
    assert err.startswith("error DATABASE_UNAVAILABLE: database postgresql+psycopg://")


def test_a_wrong_config_names_the_file_and_the_key(tmp_path: Path) -> None:
    config = tmp_path / "backoffice.toml"
    config.write_text("[ca]\nkiosk_certificate_days = 0\n")
    code, _, err = backoffice(config, "kiosks")
    assert code == 2
    assert err.startswith(f"error CONFIG_INVALID: {config}: ca.kiosk_certificate_days")
