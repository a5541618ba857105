"""Level-3 authentication, PIN change and unblock through a real pcscd and vpcd, as a
technician runs them: the CLI in one process, the virtual CIE in another."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_NEW_PIN, TEST_PIN, TEST_PUK, CardProcess, run_kiosk
from tests.pcsc_daemon import PrivatePcscd

pytestmark = [pytest.mark.pcscd, pytest.mark.slow]
Card = Callable[..., Path]
Lay = Callable[..., CardProcess]


def kiosk_card(pcscd: PrivatePcscd, command: str, *args: str,
               stdin: str = "") -> tuple[int, dict[str, Any]]:
    done = run_kiosk("card", command, "--reader", f"pcsc:{pcscd.reader}", "--json", *args,
                     stdin=stdin)
    return done.returncode, json.loads(done.stdout)


def auth(pcscd: PrivatePcscd, pki: Path, pin: str) -> tuple[int, dict[str, Any]]:
    return kiosk_card(pcscd, "auth", "--trust", str(pki), stdin=f"{pin}\n")


def test_authentication(pcscd: PrivatePcscd, lay_card: Lay, issued_card: Card,
                        test_pki: Path) -> None:
    lay_card(issued_card("Gemalto"))
    code, result = auth(pcscd, test_pki, TEST_PIN)
    assert code == 0, result
    assert (result["codice_fiscale"], result["given_name"], result["surname"]) == (
        "RSSMRA95A58H501Z", "MARIA", "ROSSI")
    assert result["certificate"] == {"valid": True, "reason": None, "revocation": "unknown"}
    assert result["signature_valid"] is True
    assert result["sod"] == {"signature_valid": True, "chain": "trusted",
                             "files": {"A2": "match", "A3": "match"}}
    # The same card judged without its CA: the signature holds, the certificate is untrusted.
    code, result = kiosk_card(pcscd, "auth", stdin=f"{TEST_PIN}\n")
    assert code == 1
    assert result["certificate"]["valid"] is False
    assert result["certificate"]["reason"].startswith("untrusted")
    assert result["signature_valid"] is True


def test_wrong_pins_block_then_the_puk_unblocks(pcscd: PrivatePcscd, lay_card: Lay,
                                                issued_card: Card, test_pki: Path) -> None:
    lay_card(issued_card())
    for left in (2, 1):
        assert auth(pcscd, test_pki, "00000000") == (
            1, {"error": {"code": "WRONG_PIN", "message": "wrong PIN", "tries_left": left}})
    code, result = auth(pcscd, test_pki, "00000000")
    assert (code, result["error"]["code"]) == (1, "PIN_BLOCKED")
    code, status = kiosk_card(pcscd, "status")
    assert (status["pin_tries_left"], status["puk_tries_left"], status["digital_identity"]) == (
        0, 10, "pin-blocked")
    code, result = kiosk_card(pcscd, "unblock",
                              stdin=f"{TEST_PUK}\n{TEST_NEW_PIN}\n{TEST_NEW_PIN}\n")
    assert (code, result) == (0, {"reader": pcscd.reader, "pin_unblocked": True})
    assert auth(pcscd, test_pki, TEST_NEW_PIN)[0] == 0


def test_change_pin(pcscd: PrivatePcscd, lay_card: Lay, issued_card: Card,
                    test_pki: Path) -> None:
    lay_card(issued_card())
    code, result = kiosk_card(pcscd, "change-pin",
                              stdin=f"{TEST_PIN}\n{TEST_NEW_PIN}\n{TEST_NEW_PIN}\n")
    assert (code, result["pin_changed"]) == (0, True)
    assert auth(pcscd, test_pki, TEST_NEW_PIN)[0] == 0
    code, result = auth(pcscd, test_pki, TEST_PIN)
    assert (code, result["error"]["code"], result["error"]["tries_left"]) == (1, "WRONG_PIN", 2)


def test_ten_wrong_puks_and_the_tries_left_guard(pcscd: PrivatePcscd, lay_card: Lay,
                                                 issued_card: Card, tmp_path: Path) -> None:
    profile = issued_card()
    card = lay_card(profile)
    wrong = f"00000000\n{TEST_NEW_PIN}\n{TEST_NEW_PIN}\n"
    for left in range(9, 2, -1):
        code, result = kiosk_card(pcscd, "unblock", stdin=wrong)
        assert (code, result["error"]["code"], result["error"]["tries_left"]) == (
            1, "WRONG_PUK", left)
    for left in (3, 2, 1):
        code, result = kiosk_card(pcscd, "unblock", stdin=wrong)
        assert (code, result["error"]["code"], result["error"]["tries_left"]) == (
            1, "CONFIRMATION_REQUIRED", left)
        code, result = kiosk_card(pcscd, "unblock", "--confirm-last-tries", stdin=wrong)
        assert result["error"]["code"] == ("WRONG_PUK" if left > 1 else "PUK_BLOCKED")
    # The card says so for ever, even after it left the reader and came back.
    card.remove()
    lay_card(profile)
    code, status = kiosk_card(pcscd, "status")
    assert (status["puk_tries_left"], status["digital_identity"]) == (0, "dead")
    code, result = kiosk_card(pcscd, "unblock", "--confirm-last-tries",
                              stdin=f"{TEST_PUK}\n{TEST_NEW_PIN}\n{TEST_NEW_PIN}\n")
    assert (code, result["error"]["code"]) == (1, "PUK_BLOCKED")


def test_unknown_tries_need_the_confirmation(pcscd: PrivatePcscd, lay_card: Lay,
                                             issued_card: Card, test_pki: Path) -> None:
    lay_card(issued_card(empty_verify=False))
    code, status = kiosk_card(pcscd, "status")
    assert (code, status["pin_tries_left"], status["puk_tries_left"]) == (0, None, None)
    right = f"{TEST_PUK}\n{TEST_NEW_PIN}\n{TEST_NEW_PIN}\n"
    code, result = kiosk_card(pcscd, "unblock", stdin=right)
    assert (code, result["error"]["code"], result["error"]["tries_left"]) == (
        1, "CONFIRMATION_REQUIRED", None)
    assert kiosk_card(pcscd, "unblock", "--confirm-last-tries", stdin=right)[0] == 0
    assert auth(pcscd, test_pki, TEST_NEW_PIN)[0] == 0


@pytest.mark.parametrize("tear", [3, 9, 14, 20])
def test_removal_during_authentication_then_a_clean_retry(
    pcscd: PrivatePcscd, lay_card: Lay, issued_card: Card, test_pki: Path, tear: int
) -> None:
    """Torn during the plain phase, DH, DAPP and the protected reads respectively."""
    lay_card(issued_card(name="torn", tear_after_apdus=tear))
    code, result = auth(pcscd, test_pki, TEST_PIN)
    assert (code, result["error"]["code"]) == (1, "CARD_REMOVED")
    lay_card(issued_card(name="again"))  # a card that stays, with the torn card's counters
    code, result = auth(pcscd, test_pki, TEST_PIN)
    assert code == 0, result
    assert kiosk_card(pcscd, "status")[1]["pin_tries_left"] == 3
