"""Mutual TLS through the real nginx and application: every certificate that is not a live
kiosk's is refused with a code, revocation in the database cuts a kiosk off at its very next
request, and no header or field a kiosk sends can make it another kiosk."""

from __future__ import annotations

import datetime as dt
import ssl
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlalchemy import update

from kiosk.backoffice.models import Certificate, Kiosk
from kiosk.uplink.schemas import CommandKind
from tests.backoffice.messages import event, heartbeat, kiosk_row, stored_events
from tests.backoffice.stack import Stack, client_context

NOW = dt.datetime.now(dt.UTC)
DIGITAL_SIGNATURE = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
NON_REPUDIATION_ONLY = x509.KeyUsage(False, True, False, False, False, False, False, False, False)


def forged_context(stack: Stack, tmp_path: Path, *, issuer: tuple[ec.EllipticCurvePrivateKey,
                   x509.Name] | None = None, not_before: dt.datetime = NOW - dt.timedelta(1),
                   not_after: dt.datetime = NOW + dt.timedelta(1),
                   usage: x509.KeyUsage = DIGITAL_SIGNATURE,
                   purposes: tuple[x509.ObjectIdentifier, ...] = (
                       ExtendedKeyUsageOID.CLIENT_AUTH,)) -> ssl.SSLContext:
    """A client certificate made here, by the stack's CA unless ``issuer`` says otherwise."""
    ca = stack.ca
    signer, issuer_name = issuer or (ca.key, ca.certificate.subject)
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "forged")]))
        .issuer_name(issuer_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage(list(purposes)), critical=False)
        .sign(signer, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "forged.pem", tmp_path / "forged.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return client_context(stack.ca_file, cert_file, key_file)


def other_ca() -> tuple[ec.EllipticCurvePrivateKey, x509.Name]:
    return ec.generate_private_key(ec.SECP256R1()), x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, "CIE kiosk back-office CA localhost")])


def refusal(stack: Stack, context: ssl.SSLContext) -> tuple[int, str, str]:
    with stack.client(context=context) as client:
        answer = client.post("/api/v1/heartbeat", json=heartbeat())
    error = answer.json()["error"]
    return answer.status_code, error["code"], error["message"]


def test_no_certificate_is_refused(backoffice_stack: Stack) -> None:
    status, code, _ = refusal(backoffice_stack, client_context(backoffice_stack.ca_file))
    assert (status, code) == (403, "CLIENT_CERT_REQUIRED")


@pytest.mark.parametrize(("case", "reason"), [
    ("another CA, same name", "unable to"),
    ("expired", "expired"),
    ("not yet valid", "not yet valid"),
    ("server authentication only", "purpose"),
    ("no digital signature", "purpose"),
])
def test_a_certificate_that_does_not_verify_is_refused_by_nginx(
        backoffice_stack: Stack, tmp_path: Path, case: str, reason: str) -> None:
    hour = dt.timedelta(hours=1)
    options = {
        "another CA, same name": {"issuer": other_ca()},
        "expired": {"not_before": NOW - 3 * hour, "not_after": NOW - hour},
        "not yet valid": {"not_before": NOW + hour, "not_after": NOW + 3 * hour},
        "server authentication only": {"purposes": (ExtendedKeyUsageOID.SERVER_AUTH,)},
        "no digital signature": {"usage": NON_REPUDIATION_ONLY},
    }[case]
    context = forged_context(backoffice_stack, tmp_path, **options)  # type: ignore[arg-type]
    status, code, message = refusal(backoffice_stack, context)
    assert (status, code) == (403, "CLIENT_CERT_INVALID")
    assert reason in message


def test_a_good_certificate_the_database_never_issued_is_refused(
        backoffice_stack: Stack, tmp_path: Path) -> None:
    """Signed by the CA's key but not by the registry (a CA key used outside it)."""
    status, code, _ = refusal(backoffice_stack, forged_context(backoffice_stack, tmp_path))
    assert (status, code) == (403, "CLIENT_CERT_UNKNOWN")


def _serial(path: Path) -> str:
    return format(x509.load_pem_x509_certificate(path.read_bytes()).serial_number, "x")


def test_a_certificate_revoked_only_in_the_database_is_cut_off_at_the_next_request(
        backoffice_stack: Stack) -> None:
    kiosk = backoffice_stack.enroll()
    with backoffice_stack.client(kiosk) as client:  # one keep-alive connection throughout
        assert client.post("/api/v1/heartbeat", json=heartbeat()).status_code == 200
        with backoffice_stack.sessions.begin() as session:
            session.execute(update(Certificate).where(Certificate.serial == _serial(kiosk.cert))
                            .values(revoked_at=dt.datetime.now(dt.UTC)))
        answer = client.post("/api/v1/heartbeat", json=heartbeat())
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "CLIENT_CERT_REVOKED"


def test_a_kiosk_revoked_only_in_the_database_is_cut_off_at_the_next_request(
        backoffice_stack: Stack) -> None:
    kiosk = backoffice_stack.enroll()
    with backoffice_stack.client(kiosk) as client:
        assert client.get("/api/v1/commands").status_code == 200
        with backoffice_stack.sessions.begin() as session:
            session.execute(update(Kiosk).where(Kiosk.name == kiosk.name)
                            .values(revoked_at=dt.datetime.now(dt.UTC)))
        answer = client.get("/api/v1/commands")
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "KIOSK_REVOKED"


@pytest.mark.slow
def test_a_revoked_kiosks_batch_is_refused_and_none_of_it_is_stored(
        backoffice_stack: Stack) -> None:
    """On PostgreSQL the identity check and the insert are one statement (events.py): the
    refusal must still keep its code and write nothing, not even the kiosk's last contact."""
    kiosk = backoffice_stack.enroll()
    with backoffice_stack.sessions.begin() as session:
        session.execute(update(Kiosk).where(Kiosk.name == kiosk.name)
                        .values(revoked_at=dt.datetime.now(dt.UTC)))
    with backoffice_stack.client(kiosk) as client:
        answer = client.post("/api/v1/events", json={"events": [event(1), event(2)]})
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "KIOSK_REVOKED"
    assert stored_events(backoffice_stack, kiosk.name) == []
    assert kiosk_row(backoffice_stack, kiosk.name).last_seen_at is None


def test_kiosk_revoke_cuts_off_at_once_and_nginx_refuses_too_once_it_has_the_new_crl(
        backoffice_stack: Stack) -> None:
    """``kiosk revoke`` marks the database (the application refuses at the next request) and
    rewrites the CRL, which serve hands to nginx by a reload, with nothing restarted."""
    kiosk = backoffice_stack.enroll()
    with backoffice_stack.client(kiosk) as client:
        assert client.get("/api/v1/commands").status_code == 200
        done = backoffice_stack.cli("kiosk", "revoke", kiosk.name)
        assert done.returncode == 0, done.stderr
        answer = client.get("/api/v1/commands")
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] in {"KIOSK_REVOKED", "CLIENT_CERT_INVALID"}
    deadline = time.monotonic() + 20
    while True:  # new connections: the old one belongs to a worker nginx has retired
        status, code, message = refusal(backoffice_stack, kiosk.ssl_context())
        if code == "CLIENT_CERT_INVALID" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert (status, code) == (403, "CLIENT_CERT_INVALID")
    assert "revoked" in message


def test_forged_certificate_headers_never_become_the_callers_identity(
        backoffice_stack: Stack) -> None:
    """Kiosk A sends kiosk B's certificate in X-Client-Cert with X-Client-Verify: SUCCESS;
    nginx overwrites both, and the heartbeat lands on A's row."""
    a, b = backoffice_stack.enroll(), backoffice_stack.enroll()
    forged = {"X-Client-Cert": quote(b.cert.read_text()), "X-Client-Verify": "SUCCESS"}
    with backoffice_stack.client(a) as client:
        answer = client.post("/api/v1/heartbeat", headers=forged,
                             json=heartbeat(state="locked"))
    assert answer.status_code == 200
    assert kiosk_row(backoffice_stack, a.name).state == "locked"
    assert kiosk_row(backoffice_stack, b.name).last_heartbeat is None
    # Without a certificate the same headers get nowhere: not on the API ...
    with backoffice_stack.client(context=client_context(backoffice_stack.ca_file)) as client:
        refused = client.post("/api/v1/heartbeat", headers=forged, json=heartbeat())
    assert refused.json()["error"]["code"] == "CLIENT_CERT_REQUIRED"
    # ... nor through the enrollment or the web listener, which serve nothing else.
    for listener in (backoffice_stack.enroll_url, backoffice_stack.web_url):
        with backoffice_stack.client(context=client_context(backoffice_stack.ca_file)) as client:
            sideways = client.post(f"{listener}/api/v1/heartbeat", headers=forged,
                                   json=heartbeat())
        assert sideways.status_code == 404
        assert sideways.json()["error"]["code"] == "NOT_FOUND"
    assert kiosk_row(backoffice_stack, b.name).last_heartbeat is None


def test_kiosk_a_can_neither_read_nor_acknowledge_kiosk_bs_commands(
        backoffice_stack: Stack) -> None:
    a, b = backoffice_stack.enroll(), backoffice_stack.enroll()
    for_b = backoffice_stack.issue(b.name, CommandKind.LOCK, "per B")
    with backoffice_stack.client(a) as client:
        assert client.get("/api/v1/commands").json() == {"commands": []}
        ack = client.post(f"/api/v1/commands/{for_b}/ack", json={"ok": True})
    assert ack.status_code == 404
    assert ack.json()["error"]["code"] == "COMMAND_NOT_FOUND"
    with backoffice_stack.client(b) as client:
        pending = client.get("/api/v1/commands").json()["commands"]
    assert [command["id"] for command in pending] == [for_b]


def test_kiosk_a_cannot_touch_kiosk_bs_events_even_with_the_same_keys(
        backoffice_stack: Stack) -> None:
    a, b = backoffice_stack.enroll(), backoffice_stack.enroll()
    batch = {"events": [event(1, "journey.started")]}
    with backoffice_stack.client(b) as client:
        assert client.post("/api/v1/events", json=batch).status_code == 200
    echoed = {"events": [{**batch["events"][0], "kind": "journey.outcome"}]}
    with backoffice_stack.client(a) as client:
        assert client.post("/api/v1/events", json=echoed).json() == {
            "acked": [batch["events"][0]["key"]]}
    assert [row.kind for row in stored_events(backoffice_stack, b.name)] == ["journey.started"]
    assert [row.kind for row in stored_events(backoffice_stack, a.name)] == ["journey.outcome"]
