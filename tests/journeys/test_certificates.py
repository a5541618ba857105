"""The certificate verdict as the citizen sees it, on the certificate of a virtual CIE."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from kiosk.cie.certificate import Revocation
from kiosk.journeys.certificates import CertificatePolicy, CertificateState
from kiosk.sim.profile import CardProfile
from tests.journeys.harness import policy
from tests.pki_helpers import card_serial, crl

Card = Callable[..., Path]


def certificate_file(profile: Path) -> bytes:
    return CardProfile.load(profile).files["cie:1003"]


def test_verdicts(issued_card: Card, test_pki: Path) -> None:
    profile = issued_card()
    padded = certificate_file(profile)
    trusted = policy(test_pki)
    check = trusted.judge(padded)
    assert check.state is CertificateState.VALID and check.valid
    assert check.holder is not None and check.holder.surname == "ROSSI"
    assert check.revocation == "unknown"  # soft-fail without a CRL
    assert check.expires is not None
    assert CertificatePolicy([]).judge(padded).state is CertificateState.UNTRUSTED
    later = replace(trusted, now=lambda: datetime(2999, 1, 1, tzinfo=UTC))
    assert later.judge(padded).state is CertificateState.EXPIRED
    assert trusted.judge(b"\x00" * 64).state is CertificateState.UNREADABLE
    revoked = replace(trusted, crls=[crl(test_pki, [card_serial(profile)])],
                      revocation=Revocation.HARD_FAIL)
    assert revoked.judge(padded).state is CertificateState.REVOKED
