"""After every operation, successful or not, the test PIN and PUK are nowhere: not in a log
line, an exception text, the command's output, or any file (DESIGN.md §7)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import TEST_NEW_PIN, TEST_PIN, TEST_PUK, run_kiosk
from tests.secret_scan import findings


@pytest.mark.slow
def test_no_secret_survives_the_operations(issued_card: Callable[..., Path], test_pki: Path,
                                           tmp_path: Path) -> None:
    profile = issued_card()
    reader = f"sim:{profile}"
    steps = [
        (["card", "auth", "--trust", str(test_pki)], f"{TEST_PIN}\n"),
        (["card", "auth"], f"{TEST_PUK}\n"),  # a wrong PIN that is the PUK
        (["card", "change-pin"], f"{TEST_PIN}\n{TEST_NEW_PIN}\n{TEST_NEW_PIN}\n"),
        (["card", "change-pin"], f"{TEST_NEW_PIN}\n{TEST_PIN}\n{TEST_PUK}\n"),  # mismatch
        (["card", "auth"], f"{TEST_PIN}\n"),  # the old PIN: wrong now
        (["card", "auth"], f"{TEST_PIN}x\n"),  # malformed
        (["card", "unblock"], f"{TEST_PUK}\n{TEST_PIN}\n{TEST_PIN}\n"),
        (["card", "status"], ""),
    ]
    transcript = tmp_path / "transcript.txt"
    with transcript.open("w") as out:
        for args, stdin in steps:
            for as_json in ([], ["--json"]):
                done = run_kiosk("--log-level", "DEBUG", *args, "--reader", reader, *as_json,
                                 stdin=stdin)
                out.write(done.stdout + done.stderr)
    text = transcript.read_text()
    assert "WRONG_PIN" in text and "NEW_PIN_MISMATCH" in text and "pin_unblocked" in text
    assert "APDU 0C 20 00 81" in text  # DEBUG logging was on: headers are logged, data never
    assert findings(tmp_path, [TEST_PIN, TEST_PUK, TEST_NEW_PIN]) == []
