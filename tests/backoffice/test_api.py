"""The kiosk API through the real stack (nginx with mutual TLS, the application's workers, the
database), on SQLite and on PostgreSQL: what a kiosk sends is stored once and in order, what
is wrong is refused with a code and stores nothing, and commands reach a waiting kiosk."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

import httpx
import pytest

from kiosk.uplink.schemas import CommandKind
from tests.backoffice.messages import event, event_count, heartbeat, kiosk_row, stored_events
from tests.backoffice.stack import Stack, start_stack
from tests.postgres_daemon import PrivatePostgres


def test_a_heartbeat_is_kept_on_the_kiosks_row(backoffice_stack: Stack) -> None:
    kiosk = backoffice_stack.enroll()
    with backoffice_stack.client(kiosk) as client:
        answer = client.post("/api/v1/heartbeat", json=heartbeat(
            state="in-journey", journey="verify_pin", outbox_depth=7, outbox_alarm=True))
    assert answer.status_code == 200, answer.text
    assert "server_time" in answer.json()
    row = kiosk_row(backoffice_stack, kiosk.name)
    assert (row.state, row.outbox_depth, row.outbox_alarm) == ("in-journey", 7, True)
    assert row.last_heartbeat is not None and row.last_heartbeat["journey"] == "verify_pin"
    assert row.last_seen_at is not None and row.last_heartbeat_at is not None


def test_a_batch_sent_twice_is_stored_once_and_acknowledged_both_times(
        backoffice_stack: Stack) -> None:
    kiosk = backoffice_stack.enroll()
    batch = {"events": [event(1), event(2, "journey.outcome", code="PIN_OK")]}
    keys = [item["key"] for item in batch["events"]]
    with backoffice_stack.client(kiosk) as client:
        first = client.post("/api/v1/events", json=batch)
        again = client.post("/api/v1/events", json=batch)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() == {"acked": keys}
    stored = stored_events(backoffice_stack, kiosk.name)
    assert [row.key for row in stored] == keys
    assert stored[1].data == {"code": "PIN_OK"}


def test_events_are_kept_in_the_kiosks_order(backoffice_stack: Stack) -> None:
    kiosk = backoffice_stack.enroll()
    shuffled = [event(seq) for seq in (3, 1, 4, 2)]
    later = [event(seq) for seq in (6, 5)]
    with backoffice_stack.client(kiosk) as client:
        assert client.post("/api/v1/events", json={"events": shuffled}).status_code == 200
        assert client.post("/api/v1/events", json={"events": later}).status_code == 200
    assert [row.seq for row in stored_events(backoffice_stack, kiosk.name)] == [1, 2, 3, 4, 5, 6]


def test_a_batch_counts_as_the_kiosks_contact(backoffice_stack: Stack) -> None:
    kiosk = backoffice_stack.enroll()
    before = dt.datetime.now(dt.UTC)
    with backoffice_stack.client(kiosk) as client:
        assert client.post("/api/v1/events", json={"events": [event(1)]}).status_code == 200
    seen = kiosk_row(backoffice_stack, kiosk.name).last_seen_at
    assert seen is not None and seen >= before


def test_an_oversized_body_is_refused_with_a_code_and_nothing_is_stored(
        backoffice_stack: Stack) -> None:
    kiosk = backoffice_stack.enroll()
    limit = backoffice_stack.config.server.body_limit_bytes
    padding = "x" * 600
    batch = {"events": [event(seq, note=padding) for seq in range(1, 500)]}
    before = event_count(backoffice_stack)
    with backoffice_stack.client(kiosk) as client:
        body = httpx.Request("POST", "/", json=batch).read()
        assert len(body) > limit
        answer = client.post("/api/v1/events", content=body,
                             headers={"content-type": "application/json"})
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "BODY_TOO_LARGE"
    assert event_count(backoffice_stack) == before


@pytest.mark.parametrize(("method", "path", "body", "status", "code"), [
    ("POST", "/api/v1/events", b"{not json", 400, "BODY_MALFORMED"),
    ("POST", "/api/v1/events", b'{"events": [{"key": "short"}]}', 422, "BODY_INVALID"),
    ("POST", "/api/v1/events", b'{"events": [], "extra": 1}', 422, "BODY_INVALID"),
    ("POST", "/api/v1/heartbeat", b'{"state": "asleep"}', 422, "BODY_INVALID"),
    ("POST", "/api/v1/nowhere", b"{}", 404, "NOT_FOUND"),
    ("DELETE", "/api/v1/events", b"", 405, "METHOD_NOT_ALLOWED"),
    ("GET", "/api/v1/commands?wait=31", b"", 400, "QUERY_INVALID"),
    ("GET", "/api/v1/commands?wait=soon", b"", 400, "QUERY_INVALID"),
    ("GET", "/api/v1/commands?wait=%C2%B2", b"", 400, "QUERY_INVALID"),
])
def test_a_wrong_request_gets_a_coded_4xx_and_stores_nothing(
        backoffice_stack: Stack, method: str, path: str, body: bytes, status: int,
        code: str) -> None:
    kiosk = backoffice_stack.enroll()
    before = event_count(backoffice_stack)
    with backoffice_stack.client(kiosk) as client:
        answer = client.request(method, path, content=body,
                                headers={"content-type": "application/json"})
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code
    assert event_count(backoffice_stack) == before
    assert kiosk_row(backoffice_stack, kiosk.name).last_heartbeat is None


def test_an_event_time_without_its_offset_is_refused(backoffice_stack: Stack) -> None:
    kiosk = backoffice_stack.enroll()
    naive = {**event(1), "at": "2026-12-06T10:00:00"}
    with backoffice_stack.client(kiosk) as client:
        answer = client.post("/api/v1/events", json={"events": [naive]})
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "BODY_INVALID"
    assert stored_events(backoffice_stack, kiosk.name) == []


def test_pending_commands_are_answered_at_once_and_stay_until_acknowledged(
        backoffice_stack: Stack) -> None:
    kiosk = backoffice_stack.enroll()
    command_id = backoffice_stack.issue(kiosk.name, CommandKind.NOTICE, "chiuso alle 12")
    with backoffice_stack.client(kiosk) as client:
        first = client.get("/api/v1/commands", params={"wait": 30}).json()["commands"]
        again = client.get("/api/v1/commands").json()["commands"]
        ack = client.post(f"/api/v1/commands/{command_id}/ack", json={"ok": True})
        after = client.get("/api/v1/commands").json()["commands"]
    assert [item["id"] for item in first] == [item["id"] for item in again] == [command_id]
    assert first[0]["kind"] == "notice" and first[0]["message"] == "chiuso alle 12"
    assert ack.status_code == 200 and ack.json() == {}
    assert after == []


def test_an_empty_long_poll_ends_with_an_empty_list(backoffice_stack: Stack) -> None:
    kiosk = backoffice_stack.enroll()
    with backoffice_stack.client(kiosk) as client:
        answer = client.get("/api/v1/commands", params={"wait": 1})
    assert answer.status_code == 200
    assert answer.json() == {"commands": []}


@dataclass
class Poll:
    started: float
    ended: float
    commands: list[dict[str, object]]


def _poll_until_a_command(client: httpx.Client, polls: list[Poll]) -> None:
    """Long-polls of wait=2, one after the other, until one brings a command."""
    deadline = time.time() + 120
    while time.time() < deadline:
        started = time.time()
        commands = client.get("/api/v1/commands", params={"wait": 2}).json()["commands"]
        polls.append(Poll(started, time.time(), commands))
        if commands:
            return


@pytest.mark.slow
def test_a_command_from_the_cli_reaches_waiting_kiosks_within_their_two_second_poll(
        backoffice_stack: Stack) -> None:
    """Two kiosks wait at once (with two workers, most likely on different ones); a clerk's
    command from another process reaches each within the wait=2 poll that was open when the
    command was committed (or by the next one, when the commit fell between two): by NOTIFY
    on PostgreSQL, by the workers' polling on SQLite."""
    kiosks = [backoffice_stack.enroll(), backoffice_stack.enroll()]
    polls: dict[str, list[Poll]] = {kiosk.name: [] for kiosk in kiosks}
    clients = [backoffice_stack.client(kiosk) for kiosk in kiosks]
    threads = [threading.Thread(target=_poll_until_a_command, args=(client, polls[kiosk.name]))
               for kiosk, client in zip(kiosks, clients, strict=True)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(0.5)  # both are waiting
        for kiosk in kiosks:
            done = backoffice_stack.cli("command", kiosk.name, "lock", "--message", "guasto",
                                        "--json")
            assert done.returncode == 0, done.stderr
        for thread in threads:
            thread.join(150)
    finally:
        for client in clients:
            client.close()
    for kiosk in kiosks:
        last = polls[kiosk.name][-1]
        assert [item["kind"] for item in last.commands] == ["lock"], polls[kiosk.name][-3:]
        assert last.commands[0]["message"] == "guasto"
        created = _created_at(last.commands[0])
        # Open when the command was made; or the next one, when the commit fell between two.
        before = polls[kiosk.name][-2:-1]
        assert last.started < created or (before and before[0].ended > created), polls
        print(f"{kiosk.name}: delivered {last.ended - created:.3f} s after the commit")


def _created_at(command: dict[str, object]) -> float:
    return dt.datetime.fromisoformat(str(command["created_at"])).timestamp()


@pytest.mark.parametrize(("args", "code"), [
    (("nobody-here", "lock"), "KIOSK_NOT_FOUND"),
    (("{kiosk}", "notice"), "BAD_INPUT"),
])
def test_the_command_cli_refuses_an_unknown_kiosk_and_a_notice_without_words(
        sqlite_stack: Stack, args: tuple[str, str], code: str) -> None:
    kiosk = sqlite_stack.enroll()
    done = sqlite_stack.cli("command", *(arg.format(kiosk=kiosk.name) for arg in args))
    assert done.returncode == 2
    assert code in done.stderr
    with sqlite_stack.client(kiosk) as client:
        assert client.get("/api/v1/commands").json() == {"commands": []}


@pytest.mark.slow
def test_a_database_gone_away_is_a_coded_503_and_the_kiosk_may_send_again(
        postgres: PrivatePostgres) -> None:
    """PostgreSQL's hot requests run on psycopg's own pool (direct.py), not SQLAlchemy: its
    errors must still be DATABASE_UNAVAILABLE, which a kiosk retries, not an internal error."""
    url = postgres.create_database("gone_away")
    with start_stack(url) as stack:
        kiosk = stack.enroll()
        with stack.client(kiosk) as client:
            assert client.post("/api/v1/heartbeat", json=heartbeat()).status_code == 200
            postgres.drop_database("gone_away")  # ends every connection of the pools
            answers = [client.post(path, json=body) for path, body in 2 * (
                ("/api/v1/heartbeat", heartbeat()), ("/api/v1/events", {"events": [event(1)]}))]
        log = stack.log.read_text()
    for answer in answers:  # (each from the application: none a 502 from nginx)
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"]["code"] == "DATABASE_UNAVAILABLE"
    assert "Traceback" not in log
