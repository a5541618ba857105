"""Enrollment through the real nginx (the listener without client certificates) and renewal
over mutual TLS: a token enrolls one key once; everything else is refused with a code."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from kiosk.uplink.schemas import CA_PATH, ENROLL_PATH
from tests.backoffice.csr import make_csr, new_key
from tests.backoffice.messages import heartbeat
from tests.backoffice.stack import Stack, client_context, start_stack


def post_enroll(stack: Stack, secret: str, csr: str | None = None) -> httpx.Response:
    with httpx.Client(verify=client_context(stack.ca_file), timeout=30) as client:
        return client.post(f"{stack.enroll_url}{ENROLL_PATH}",
                           json={"token": secret, "csr": csr or make_csr()})


def secret_of(token: str) -> str:
    return token.split(".")[1]


def test_the_ca_is_served_without_a_client_certificate_and_matches_the_token_pin(
        backoffice_stack: Stack) -> None:
    _name, token = backoffice_stack.add_kiosk()
    with httpx.Client(verify=client_context(backoffice_stack.ca_file)) as client:
        answer = client.get(f"{backoffice_stack.enroll_url}{CA_PATH}")
    assert answer.status_code == 200
    assert answer.text == backoffice_stack.ca.certificate_pem()
    assert token.split(".")[2] == backoffice_stack.ca.pin()


def test_a_token_enrolls_the_csrs_key_under_the_name_the_back_office_gave(
        backoffice_stack: Stack) -> None:
    name, token = backoffice_stack.add_kiosk()
    key = new_key()
    answer = post_enroll(backoffice_stack, secret_of(token), make_csr(key, subject="someone"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    certificate = x509.load_pem_x509_certificate(body["certificate"].encode())
    assert body["kiosk"] == name
    assert certificate.subject.rfc4514_string() == f"CN={name}"
    assert certificate.public_key() == key.public_key()
    assert body["ca"] == backoffice_stack.ca.certificate_pem()
    assert body["api_url"].endswith(f":{backoffice_stack.api_url.rsplit(':', 1)[1]}")


@pytest.mark.parametrize("case", ["reused", "wrong"])
def test_a_reused_or_wrong_token_is_refused(backoffice_stack: Stack, case: str) -> None:
    _name, token = backoffice_stack.add_kiosk()
    secret = secret_of(token)
    if case == "reused":
        assert post_enroll(backoffice_stack, secret).status_code == 200
    else:
        secret = secret[::-1]
    answer = post_enroll(backoffice_stack, secret)
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "TOKEN_INVALID"


def test_a_bad_csr_is_refused_and_spends_no_token(backoffice_stack: Stack) -> None:
    _name, token = backoffice_stack.add_kiosk()
    refused = post_enroll(backoffice_stack, secret_of(token), "-----BEGIN CERTIFICATE REQ")
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "CSR_INVALID"
    assert post_enroll(backoffice_stack, secret_of(token)).status_code == 200


def test_two_concurrent_enrollments_with_one_token_give_one_certificate(
        backoffice_stack: Stack) -> None:
    _name, token = backoffice_stack.add_kiosk()
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: post_enroll(backoffice_stack, secret_of(token)),
                                range(2)))
    assert sorted(answer.status_code for answer in answers) == [200, 403]


def test_a_kiosk_renews_its_certificate_over_mutual_tls(backoffice_stack: Stack,
                                                        tmp_path: Path) -> None:
    """The renewed certificate is for the kiosk that called, whatever the CSR's subject, and
    it works at once."""
    kiosk = backoffice_stack.enroll()
    key = new_key()
    with backoffice_stack.client(kiosk) as client:
        answer = client.post("/api/v1/renew", json={"csr": make_csr(key, subject="someone")})
    assert answer.status_code == 200, answer.text
    renewed = x509.load_pem_x509_certificate(answer.json()["certificate"].encode())
    assert renewed.subject.rfc4514_string() == f"CN={kiosk.name}"
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_text(answer.json()["certificate"])
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = client_context(backoffice_stack.ca_file, cert_file, key_file)
    with backoffice_stack.client(context=context) as client:
        assert client.post("/api/v1/heartbeat", json=heartbeat()).status_code == 200


def test_renewal_needs_a_client_certificate(backoffice_stack: Stack) -> None:
    with backoffice_stack.client() as client:
        answer = client.post("/api/v1/renew", json={"csr": make_csr()})
    assert answer.json()["error"]["code"] == "CLIENT_CERT_REQUIRED"


@pytest.mark.slow
def test_enrollment_is_rate_limited_per_address() -> None:
    """One a minute (nginx lets a minute's worth through at once): the third request from
    one address within the minute gets 429, with the API's error shape."""
    with start_stack(rate_per_minute=1, workers=1) as stack:
        statuses = [post_enroll(stack, "not-a-token-at-all").status_code for _ in range(3)]
        answer = post_enroll(stack, "not-a-token-at-all")
    assert statuses[:2] == [403, 403]
    assert statuses[2] == 429
    assert answer.status_code == 429
    assert answer.json()["error"]["code"] == "RATE_LIMITED"


def test_the_api_listener_does_not_enroll(backoffice_stack: Stack) -> None:
    """Enrollment is rate-limited on its own listener; the API's does not offer it at all."""
    _name, token = backoffice_stack.add_kiosk()
    with backoffice_stack.client(backoffice_stack.enroll()) as client:
        answer = client.post(ENROLL_PATH, json={"token": secret_of(token), "csr": make_csr()})
        ca = client.get(CA_PATH)
    assert (answer.status_code, ca.status_code) == (404, 404)
    assert answer.json()["error"]["code"] == "NOT_FOUND"
    assert post_enroll(backoffice_stack, secret_of(token)).status_code == 200
