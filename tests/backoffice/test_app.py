"""The application on its own (no nginx), on a real database: what it does with the headers
nginx forwards when they are not what nginx sends for a verified kiosk, its own body limit,
and the level-3 record where the Comune asked for the codice fiscale. Through nginx these
cases cannot be made (nginx overwrites the headers and has its own limit), which is why the
application checks them too."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kiosk.backoffice.app import create_app
from kiosk.backoffice.ca import CertificateAuthority
from kiosk.backoffice.config import BackofficeConfig
from kiosk.backoffice.models import Event, Verification
from kiosk.backoffice.registry import Registry
from kiosk.sim import pki as sim_pki
from tests.backoffice.csr import make_csr
from tests.backoffice.messages import event, heartbeat

CODICE_FISCALE = "BNCLRA85M41F205X"


@pytest.fixture(scope="module")
def card_pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("card-pki")
    sim_pki.create(directory)
    return directory


@pytest.fixture
def card_pki(card_pki_dir: Path) -> sim_pki.TestPki:
    return sim_pki.load(card_pki_dir)


@pytest.fixture
def config(backoffice_config: BackofficeConfig, card_pki_dir: Path) -> BackofficeConfig:
    return BackofficeConfig.model_validate({
        **backoffice_config.model_dump(),
        "server": {"body_limit_bytes": 4096},
        "level3": {"anchors": [str(card_pki_dir / sim_pki.AUTH_CA_FILE)],
                   "revocation": "off", "record_codice_fiscale": True},
    })


class AppClient:
    """Requests straight into the ASGI app, on an event loop in a thread (as Starlette's
    TestClient does; its httpx flavour is deprecated), with the app's lifespan around."""

    def __init__(self, portal: BlockingPortal, client: httpx.AsyncClient) -> None:
        self.portal, self.client = portal, client

    def post(self, path: str, **options: Any) -> httpx.Response:
        return self.portal.call(partial(self.client.post, path, **options))


@pytest.fixture
def client(config: BackofficeConfig, ca: CertificateAuthority) -> Iterator[AppClient]:
    app = create_app(config)
    with start_blocking_portal() as portal, \
            portal.wrap_async_context_manager(app.router.lifespan_context(app)):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                   base_url="http://backoffice")
        try:
            yield AppClient(portal, client)
        finally:
            portal.call(client.aclose)


@pytest.fixture
def kiosk_headers(sessions: sessionmaker[Session], ca: CertificateAuthority) -> dict[str, str]:
    """The headers nginx sends for an enrolled kiosk."""
    registry = Registry(sessions, ca)
    token = registry.add_kiosk("atrio-1", hours=1)
    enrolled = registry.redeem(token.split(".")[1], make_csr())
    return {"X-Client-Cert": quote(enrolled.certificate_pem), "X-Client-Verify": "SUCCESS"}


@pytest.mark.parametrize(("verify", "code"), [
    (None, "CLIENT_CERT_REQUIRED"),
    ("", "CLIENT_CERT_REQUIRED"),
    ("FAILED:certificate has expired", "CLIENT_CERT_INVALID"),
    ("success", "CLIENT_CERT_INVALID"),
    ("SUCCESS ", "CLIENT_CERT_INVALID"),
    ("NONE", "CLIENT_CERT_INVALID"),
])
def test_only_a_verification_of_exactly_success_is_accepted(
        client: AppClient, kiosk_headers: dict[str, str], verify: str | None,
        code: str) -> None:
    headers = {"X-Client-Cert": kiosk_headers["X-Client-Cert"]}
    if verify is not None:
        headers["X-Client-Verify"] = verify
    answer = client.post("/api/v1/heartbeat", headers=headers, json=heartbeat())
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == code


def test_a_certificate_header_that_is_not_a_certificate_is_refused(
        client: AppClient) -> None:
    answer = client.post("/api/v1/heartbeat", json=heartbeat(),
                         headers={"X-Client-Cert": "-----BEGIN%20CERT", "X-Client-Verify":
                                  "SUCCESS"})
    assert answer.json()["error"]["code"] == "CLIENT_CERT_INVALID"


def test_the_application_has_its_own_body_limit_even_without_a_length(
        client: AppClient, kiosk_headers: dict[str, str],
        sessions: sessionmaker[Session]) -> None:
    batch = b'{"events": [' + b",".join(
        f'{{"key": "k{i:07d}", "seq": {i}, "at": "2026-01-01T00:00:00Z", "kind": "a"}}'.encode()
        for i in range(1, 100)) + b"]}"
    assert len(batch) > 4096

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(batch), 1000):
            yield batch[start:start + 1000]

    answer = client.post("/api/v1/events", headers=kiosk_headers, content=chunks())
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "BODY_TOO_LARGE"
    with sessions() as session:
        assert session.scalars(select(Event)).all() == []


def test_the_codice_fiscale_is_recorded_where_the_comune_asked_for_it(
        client: AppClient, kiosk_headers: dict[str, str], card_pki: sim_pki.TestPki,
        sessions: sessionmaker[Session]) -> None:
    key = rsa.generate_private_key(65537, 2048)
    certificate = sim_pki.issue_auth_certificate(card_pki, key.public_key(), {
        "codice_fiscale": CODICE_FISCALE, "surname": "BIANCHI", "given_name": "LAURA"})
    nonce = client.post("/api/v1/l3/nonce", headers=kiosk_headers).json()
    challenge = base64.b64decode(nonce["nonce"])
    answer = client.post("/api/v1/l3/verify", headers=kiosk_headers, json={
        "nonce_id": nonce["nonce_id"],
        "certificate": base64.b64encode(certificate.public_bytes(Encoding.DER)).decode(),
        "signature": base64.b64encode(
            key.sign(challenge, padding.PKCS1v15(), hashes.SHA256())).decode(),
        "card_serial": "CA00000AA", "nis": "123456789012"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["works"] is True
    assert answer.json()["revocation"] == "not-checked"
    with sessions() as session:
        row = session.get_one(Verification, answer.json()["verification_id"])
    assert row.codice_fiscale == CODICE_FISCALE


def test_an_event_batch_and_a_heartbeat_with_nginxs_headers_are_accepted(
        client: AppClient, kiosk_headers: dict[str, str]) -> None:
    assert client.post("/api/v1/heartbeat", headers=kiosk_headers,
                       json=heartbeat()).status_code == 200
    answer = client.post("/api/v1/events", headers=kiosk_headers,
                         json={"events": [event(1)]})
    assert answer.status_code == 200
