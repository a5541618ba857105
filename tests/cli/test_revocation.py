"""Revocation of the authentication certificate: CRLs come from the configuration, and the
policy (soft or hard fail) too."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import TEST_PIN, run_kiosk
from tests.pki_helpers import card_serial, crl


@pytest.mark.parametrize(
    ("revocation", "crl_lists", "valid", "status"),
    [
        ("soft-fail", "other", True, "good"),
        ("hard-fail", "other", True, "good"),
        ("soft-fail", "card", False, "revoked"),
        ("hard-fail", "card", False, "revoked"),
        ("soft-fail", None, True, "unknown"),
        ("hard-fail", None, False, "unknown"),
        ("off", "card", True, "not-checked"),
    ],
)
def test_revocation_policy(
    issued_card: Callable[..., Path],
    test_pki: Path,
    tmp_path: Path,
    revocation: str,
    crl_lists: str | None,
    valid: bool,
    status: str,
) -> None:
    profile = issued_card()
    crls = ""
    if crl_lists is not None:
        crl_path = tmp_path / "auth-ca.crl"
        crl_path.write_bytes(crl(test_pki, [card_serial(profile) if crl_lists == "card" else 42]))
        crls = f', crls = ["{crl_path}"]'
    conf = tmp_path / "kiosk.toml"
    conf.write_text(
        f'[profiles.sim]\nreader = "sim:{profile}"\nstate_dir = "{tmp_path}"\n'
        f'certificates = {{ revocation = "{revocation}"{crls} }}\n'
    )
    done = run_kiosk(
        "card",
        "auth",
        "--config",
        str(conf),
        "--trust",
        str(test_pki),
        "--json",
        stdin=f"{TEST_PIN}\n",
    )
    verdict = json.loads(done.stdout)["certificate"]
    assert (verdict["valid"], verdict["revocation"]) == (valid, status), verdict
    assert done.returncode == (0 if valid else 1)
