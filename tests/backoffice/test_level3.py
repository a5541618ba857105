"""Level-3 authentication checked by the back-office, through the real stack: a nonce for the
asking kiosk, good once and for a while; the card's signature over it (PKCS#1 v1.5, SHA-256,
as the card's key 81 makes it), its certificate's chain to the configured CIE anchors and
its revocation in the configured CRL file; the verdict recorded without the codice fiscale
(the Comune did not ask for it)."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select, update

from kiosk.backoffice.models import Nonce, Verification
from kiosk.sim import pki as sim_pki
from tests.backoffice.stack import Stack

IDENTITY = {"codice_fiscale": "RSSMRA80A01H501U", "surname": "ROSSI", "given_name": "MARIO"}
# EF 1003 as read from the card: the certificate, then the file's padding.
PADDING = bytes(64)


@dataclass(frozen=True)
class Card:
    key: rsa.RSAPrivateKey
    der: bytes
    serial: int

    def sign(self, challenge: bytes) -> bytes:
        return self.key.sign(challenge, padding.PKCS1v15(), hashes.SHA256())


def card(authority: sim_pki.TestPki) -> Card:
    key = rsa.generate_private_key(65537, 2048)
    certificate = sim_pki.issue_auth_certificate(authority, key.public_key(), IDENTITY)
    return Card(key, certificate.public_bytes(Encoding.DER) + PADDING,
                certificate.serial_number)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def nonce(client: httpx.Client) -> tuple[str, bytes]:
    answer = client.post("/api/v1/l3/nonce")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return body["nonce_id"], base64.b64decode(body["nonce"])


def proof(nonce_id: str, the_card: Card, signature: bytes) -> dict[str, Any]:
    return {"nonce_id": nonce_id, "certificate": b64(the_card.der),
            "signature": b64(signature), "card_serial": "CA00000AA", "nis": "123456789012"}


def verify(client: httpx.Client, body: dict[str, Any]) -> httpx.Response:
    return client.post("/api/v1/l3/verify", json=body)


@pytest.fixture(scope="module")
def other_pki() -> sim_pki.TestPki:
    return sim_pki.new()


def test_a_good_signature_by_a_trusted_card_works_and_is_recorded_without_the_cf(
        backoffice_stack: Stack) -> None:
    the_card = card(backoffice_stack.card_pki)
    with backoffice_stack.client(backoffice_stack.enroll()) as client:
        nonce_id, challenge = nonce(client)
        assert len(challenge) == 32
        answer = verify(client, proof(nonce_id, the_card, the_card.sign(challenge)))
    assert answer.status_code == 200, answer.text
    verdict = answer.json()
    assert verdict | {"verification_id": 0} == {
        "verification_id": 0, "works": True, "certificate": "valid", "signature_valid": True,
        "revocation": "good"}
    with backoffice_stack.session() as session:
        row = session.get_one(Verification, verdict["verification_id"])
    assert (row.works, row.nonce_id, row.codice_fiscale) == (True, nonce_id, None)


def test_a_signature_over_something_else_does_not_work(backoffice_stack: Stack) -> None:
    the_card = card(backoffice_stack.card_pki)
    with backoffice_stack.client(backoffice_stack.enroll()) as client:
        nonce_id, challenge = nonce(client)
        verdict = verify(client, proof(nonce_id, the_card, the_card.sign(challenge[::-1])))
    assert verdict.json()["works"] is False
    assert verdict.json()["signature_valid"] is False
    assert verdict.json()["certificate"] == "valid"


def test_a_nonce_is_good_once(backoffice_stack: Stack) -> None:
    the_card = card(backoffice_stack.card_pki)
    with backoffice_stack.client(backoffice_stack.enroll()) as client:
        nonce_id, challenge = nonce(client)
        body = proof(nonce_id, the_card, the_card.sign(challenge))
        assert verify(client, body).status_code == 200
        again = verify(client, body)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "NONCE_USED"


def test_an_expired_nonce_is_refused(backoffice_stack: Stack) -> None:
    the_card = card(backoffice_stack.card_pki)
    with backoffice_stack.client(backoffice_stack.enroll()) as client:
        nonce_id, challenge = nonce(client)
        with backoffice_stack.sessions.begin() as session:  # as if nonce_seconds had passed
            session.execute(update(Nonce).where(Nonce.id == nonce_id).values(
                expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
        answer = verify(client, proof(nonce_id, the_card, the_card.sign(challenge)))
    assert answer.status_code == 410
    assert answer.json()["error"]["code"] == "NONCE_EXPIRED"


def test_another_kiosks_nonce_is_not_found_and_stays_good_for_its_kiosk(
        backoffice_stack: Stack) -> None:
    the_card = card(backoffice_stack.card_pki)
    owner, thief = backoffice_stack.enroll(), backoffice_stack.enroll()
    with backoffice_stack.client(owner) as client:
        nonce_id, challenge = nonce(client)
    body = proof(nonce_id, the_card, the_card.sign(challenge))
    with backoffice_stack.client(thief) as client:
        stolen = verify(client, body)
    assert stolen.status_code == 404
    assert stolen.json()["error"]["code"] == "NONCE_NOT_FOUND"
    with backoffice_stack.client(owner) as client:
        assert verify(client, body).json()["works"] is True


def test_a_card_certificate_in_the_crl_file_is_revoked(backoffice_stack: Stack) -> None:
    the_card = card(backoffice_stack.card_pki)
    backoffice_stack.revoke_card(the_card.serial)
    with backoffice_stack.client(backoffice_stack.enroll()) as client:
        nonce_id, challenge = nonce(client)
        verdict = verify(client, proof(nonce_id, the_card, the_card.sign(challenge))).json()
    assert (verdict["works"], verdict["certificate"], verdict["revocation"]) == (
        False, "revoked", "revoked")
    assert verdict["signature_valid"] is True


def test_a_card_of_an_unconfigured_ca_is_untrusted(backoffice_stack: Stack,
                                                   other_pki: sim_pki.TestPki) -> None:
    the_card = card(other_pki)
    with backoffice_stack.client(backoffice_stack.enroll()) as client:
        nonce_id, challenge = nonce(client)
        verdict = verify(client, proof(nonce_id, the_card, the_card.sign(challenge))).json()
    assert (verdict["works"], verdict["certificate"]) == (False, "untrusted")


def test_a_certificate_that_is_not_one_is_unreadable(backoffice_stack: Stack) -> None:
    the_card = Card(rsa.generate_private_key(65537, 2048), b"\x30\x03garbage", 0)
    with backoffice_stack.client(backoffice_stack.enroll()) as client:
        nonce_id, challenge = nonce(client)
        verdict = verify(client, proof(nonce_id, the_card, the_card.sign(challenge))).json()
    assert (verdict["works"], verdict["certificate"], verdict["signature_valid"]) == (
        False, "unreadable", False)


def test_every_verdict_is_recorded_once(backoffice_stack: Stack) -> None:
    the_card = card(backoffice_stack.card_pki)
    with backoffice_stack.client(backoffice_stack.enroll()) as client:
        ids = []
        for _ in range(2):
            nonce_id, challenge = nonce(client)
            ids.append(nonce_id)
            verify(client, proof(nonce_id, the_card, the_card.sign(challenge)))
    with backoffice_stack.session() as session:
        recorded = session.scalars(select(Verification.nonce_id)
                                   .where(Verification.nonce_id.in_(ids))).all()
    assert sorted(recorded) == sorted(ids)
