"""``kiosk cie verify-sod`` run as the real console command, on the real CIE vectors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
VECTORS = ROOT / "tests" / "vectors"
CSCA04 = (
    "C=IT,O=Ministry of Interior,OU=National Electronic Center of Italian National Police,"
    "CN=Italian Country Signer CA"
)


def verify_sod(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "cie", "verify-sod", *map(str, args)],
        capture_output=True, text=True, timeout=60, cwd=VECTORS, check=False,
    )


def verify_sod_json(*args: str | Path) -> tuple[int, dict[str, Any]]:
    done = verify_sod(*args, "--json")
    return done.returncode, json.loads(done.stdout)


def test_production_ias_sod_is_trusted_under_the_shipped_csca() -> None:
    code, out = verify_sod_json("second-card-ias-ef1006.sod")
    assert code == 0
    assert out == {
        "signature_valid": True,
        "signer": out["signer"],
        "chain": "trusted",
        "anchor": out["anchor"],
        "hash_algorithm": "sha512",
        "files": {},
    }
    assert "CN=eIdentityCardSigner" in out["signer"]
    assert out["anchor"] == CSCA04


def test_production_mrtd_sod_is_trusted_under_an_anchor_directory() -> None:
    code, out = verify_sod_json("production-card-mrtd-ef-sod.bin", "--anchors", "csca")
    assert (code, out["signature_valid"], out["chain"]) == (0, True, "trusted")
    assert out["anchor"] == CSCA04


def test_test_card_ias_sod_untrusted_with_a5_match_and_a1_mismatch() -> None:
    code, out = verify_sod_json(
        "test-card-ias-ef1006.sod",
        "--file", "A5=test-card-ef1005-servizi-pubkey.der", "a1=test-card-nis.bin",
    )
    assert code == 1
    assert out["signature_valid"] is True
    assert (out["chain"], out["anchor"]) == ("untrusted", None)
    assert out["files"] == {"A5": "match", "A1": "mismatch"}


def test_test_card_mrtd_sod_with_dg1_and_dg11() -> None:
    code, out = verify_sod_json(
        "test-card-mrtd-ef-sod.bin", "--file", "01=test-card-dg1.bin", "0B=test-card-dg11.bin"
    )
    assert code == 1  # untrusted: the test PKI is not under the production CSCA
    assert out["signature_valid"] is True
    assert out["chain"] == "untrusted"
    assert out["files"] == {"01": "match", "0B": "match"}


def test_altered_data_group_is_a_mismatch(tmp_path: Path) -> None:
    dg1 = bytearray((VECTORS / "test-card-dg1.bin").read_bytes())
    dg1[20] ^= 0x01
    (tmp_path / "dg1.bin").write_bytes(bytes(dg1))
    code, out = verify_sod_json("test-card-mrtd-ef-sod.bin", "--file", f"1={tmp_path}/dg1.bin")
    assert code == 1
    assert out["files"] == {"01": "mismatch"}


@pytest.mark.parametrize("name", ["second-card-ias-ef1006.sod", "production-card-mrtd-ef-sod.bin"])
@pytest.mark.parametrize("where", [0.05, 0.3, 0.5, 0.75, 0.95])
def test_altered_production_sod_does_not_pass(tmp_path: Path, name: str, where: float) -> None:
    data = bytearray((VECTORS / name).read_bytes())
    data[int(where * len(data))] ^= 0x01
    (tmp_path / name).write_bytes(bytes(data))
    done = verify_sod(tmp_path / name, "--json")
    assert done.returncode in (1, 2)
    out = json.loads(done.stdout)
    assert "error" in out or not (out["signature_valid"] and out["chain"] == "trusted")


def test_human_output_lists_every_field() -> None:
    done = verify_sod(
        "test-card-mrtd-ef-sod.bin", "--file", "01=test-card-dg1.bin", "0B=test-card-dg11.bin"
    )
    assert done.returncode == 1
    lines = dict(line.split(maxsplit=1) for line in done.stdout.splitlines())
    assert lines["chain"] == "untrusted"
    assert lines["anchor"] == "-"
    assert lines["files"] == "01=match 0B=match"
    assert lines["signature_valid"] == "True"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["missing.sod"], "BAD_INPUT"),
        (["test-card-nis.bin"], "SOD_MALFORMED"),
        (["second-card-ias-ef1006.sod", "--file", "01"], "BAD_INPUT"),
        (["second-card-ias-ef1006.sod", "--file", "XYZ=test-card-dg1.bin"], "BAD_INPUT"),
        (["second-card-ias-ef1006.sod", "--file", "01=missing.bin"], "BAD_INPUT"),
        (["second-card-ias-ef1006.sod", "--file", "1=test-card-dg1.bin", "01=test-card-dg1.bin"],
         "BAD_INPUT"),
        (["second-card-ias-ef1006.sod", "--anchors", "missing.cer"], "BAD_INPUT"),
        (["second-card-ias-ef1006.sod", "--anchors", "test-card-nis.bin"], "CERTIFICATE_INVALID"),
    ],
)
def test_unreadable_input_exits_2_with_a_code(args: list[str], code: str) -> None:
    done = verify_sod(*args, "--json")
    assert done.returncode == 2, done.stderr
    assert json.loads(done.stdout)["error"]["code"] == code


def test_anchor_directory_without_the_issuer_is_untrusted(tmp_path: Path) -> None:
    shutil.copy(VECTORS / "csca" / "italy-csca-05.cer", tmp_path / "csca-05.DER")
    (tmp_path / "notes.txt").write_text("not a certificate, and not loaded")
    code, out = verify_sod_json("second-card-ias-ef1006.sod", "--anchors", tmp_path)
    assert (code, out["signature_valid"], out["chain"]) == (1, True, "untrusted")


def test_error_without_json_goes_to_stderr() -> None:
    done = verify_sod("missing.sod")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("error BAD_INPUT:")
