""""Test my PIN" judged by the Comune's back-office, through the Level3Checker port: the card
signs the back-office's nonce, the back-office's verdict is the one shown, the kiosk falls back
to its own check when the back-office cannot be reached and says so, and no PIN ever reaches
the checker. The real checker (the uplink, over mTLS) is tested end to end with the
back-office; here a scripted one stands in for it, as a port allows."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kiosk.journeys import Choice, Screen, View
from kiosk.journeys.jobs import CheckedBy, _signed
from kiosk.journeys.ports import CardProof, Nonce, RemoteVerdict
from tests.conftest import TEST_PIN
from tests.journeys.harness import Kiosk

Card = Callable[..., Path]
NONCE = Nonce("n-0001-abcdef", bytes(range(32)))
GOOD = RemoteVerdict(7, works=True, certificate="valid", signature_valid=True,
                     revocation="good")
REVOKED = RemoteVerdict(8, works=False, certificate="revoked", signature_valid=True,
                        revocation="revoked")


@dataclass
class BackOffice:
    """A scripted checker that keeps what it was given and on which thread."""

    nonce_given: Nonce | None = NONCE
    verdict: RemoteVerdict | None = GOOD
    proofs: list[tuple[Nonce, CardProof]] = field(default_factory=list)
    threads: list[str] = field(default_factory=list)

    def nonce(self) -> Nonce | None:
        self.threads.append(threading.current_thread().name)
        return self.nonce_given

    def verify(self, nonce: Nonce, proof: CardProof) -> RemoteVerdict | None:
        self.threads.append(threading.current_thread().name)
        self.proofs.append((nonce, proof))
        return self.verdict


def authenticate(profile: Path, pki: Path, checker: BackOffice | None, pin: str = TEST_PIN,
             *, threaded: bool = False) -> View:
    kiosk = Kiosk(profile, pki, level3=checker, threaded=threaded)
    try:
        kiosk.open(Choice.TEST_PIN)
        kiosk.insert()
        return kiosk.type(pin)
    finally:
        kiosk.close()


def test_the_card_signs_the_back_offices_nonce_and_its_verdict_is_shown(
        issued_card: Card, test_pki: Path) -> None:
    office = BackOffice()
    view = authenticate(issued_card(), test_pki, office, threaded=True)
    assert view.screen is Screen.PIN_WORKS
    assert view.facts["checked_by"] == CheckedBy.BACK_OFFICE.value
    assert view.facts["works_for_entra_con_cie"] is True
    assert view.facts["certificate"] == "certificate.valid"
    assert (view.facts["given_name"], view.facts["surname"]) == ("MARIA", "ROSSI")
    [(nonce, proof)] = office.proofs
    assert nonce is NONCE
    assert _signed(proof.certificate, NONCE.value, proof.signature)  # SHA-256 of the nonce
    assert proof.nis and proof.card_serial
    assert office.threads == ["card-worker", "card-worker"]  # never the UI thread


def test_a_revoked_verdict_overrides_a_locally_valid_certificate(issued_card: Card,
                                                                 test_pki: Path) -> None:
    offline = authenticate(issued_card(name="a"), test_pki, BackOffice(nonce_given=None))
    assert offline.facts["certificate"] == "certificate.valid"  # the kiosk alone finds it good
    view = authenticate(issued_card(name="b"), test_pki, BackOffice(verdict=REVOKED))
    assert view.facts["certificate"] == "certificate.revoked"
    assert view.facts["revocation"] == "revoked"
    assert view.facts["works_for_entra_con_cie"] is False
    assert view.facts["checked_by"] == CheckedBy.BACK_OFFICE.value
    assert view.facts["codice_fiscale"] == "RSSMRA95A58H501Z"  # still read from the card


@pytest.mark.parametrize("office", [BackOffice(nonce_given=None), BackOffice(verdict=None)],
                         ids=["no-nonce", "no-verdict"])
def test_offline_the_kiosk_checks_alone_and_says_so(issued_card: Card, test_pki: Path,
                                                    office: BackOffice) -> None:
    view = authenticate(issued_card(), test_pki, office)
    assert view.screen is Screen.PIN_WORKS
    assert view.facts["checked_by"] == CheckedBy.KIOSK_ONLY.value
    assert view.facts["certificate"] == "certificate.valid"
    assert view.facts["signature_valid"] is True  # over the nonce, or over its own challenge
    assert view.facts["works_for_entra_con_cie"] is True
    assert len(office.proofs) == (0 if office.nonce_given is None else 1)


def test_without_a_back_office_nothing_is_said_of_one(issued_card: Card,
                                                      test_pki: Path) -> None:
    view = authenticate(issued_card(), test_pki, None)
    assert view.screen is Screen.PIN_WORKS and view.facts["checked_by"] is None
    assert view.facts["works_for_entra_con_cie"] is True


def test_a_wrong_pin_sends_no_proof(issued_card: Card, test_pki: Path) -> None:
    office = BackOffice()
    assert authenticate(issued_card(), test_pki, office, "00000000").screen is Screen.WRONG_PIN
    assert office.proofs == []


def test_no_pin_ever_reaches_the_checker(issued_card: Card, test_pki: Path) -> None:
    office = BackOffice()
    authenticate(issued_card(), test_pki, office)
    [(nonce, proof)] = office.proofs
    forms = [TEST_PIN.encode(), bytes.fromhex(TEST_PIN), bytes(int(d) for d in TEST_PIN)]
    for value in (proof.certificate, proof.signature, proof.nis.encode(),
                  proof.card_serial.encode(), repr(proof).encode(), nonce.value):
        assert not [form for form in forms if form in value]
    assert set(CardProof.__slots__) == {"certificate", "signature", "card_serial", "nis"}
