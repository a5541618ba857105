"""Hand-off tickets at the back-office, through the real stack on SQLite and PostgreSQL:
``POST /api/v1/tickets`` stores a ticket once however often it comes, keeps the chip's photo
as sent and a browser copy made from it, and refuses what is wrong with a code; the clerks'
operations (kiosk/backoffice/tickets.py) record who did what and when, and let only one clerk
claim a ticket; the retention purge leaves none of the citizen's data in the database."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import select, update

from kiosk.backoffice import tickets
from kiosk.backoffice.models import Kiosk as KioskRow
from kiosk.backoffice.models import Ticket as TicketRow
from kiosk.sim.face import portrait
from kiosk.uplink.schemas import Ticket
from tests.backoffice.stack import Stack, prepare_stack
from tests.test_app_uplink import database_text, wait_for

PHOTO = portrait()
PERSON = {"given_name": "GIUSEPPINA", "surname": "VERDEMARE", "codice_fiscale":
          "VRDGPP80A41H501X", "document_number": "CA12345ZX", "date_of_birth": "1980-01-01"}
EMAIL = "giuseppina.verdemare@comune.example.it"


def ticket(number: str = "ATRIO1-001", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "key": uuid.uuid4().hex, "number": number, "kind": "reprint",
        "at": dt.datetime.now(dt.UTC).isoformat(), "delivery": "counter_and_email",
        "email": EMAIL, "identity_source": "chip",
        "identity": {**PERSON, "photo": base64.b64encode(PHOTO).decode(), "photo_format": "jp2",
                     "passive_auth": "trusted", "chip_auth": "passed",
                     "data_groups": {"01": "match", "02": "match"}},
    }
    body.update(changes)
    return body


def rows(stack: Stack, number: str) -> list[TicketRow]:
    with stack.session() as db:
        return list(db.scalars(select(TicketRow).where(TicketRow.number == number)))


def unique_number() -> str:
    return f"T{uuid.uuid4().int % 10**6:06d}-001"


def test_a_ticket_sent_twice_is_stored_once_with_its_photo_as_sent_and_for_the_browser(
        backoffice_stack: Stack) -> None:
    kiosk = backoffice_stack.enroll()
    number = unique_number()
    body = ticket(number)
    with backoffice_stack.client(kiosk) as client:
        first = client.post("/api/v1/tickets", json=body)
        again = client.post("/api/v1/tickets", json=body)  # the acknowledgement was lost
    assert first.status_code == again.status_code == 200, first.text
    assert first.json() == again.json() == {"key": body["key"], "number": number}
    (row,) = rows(backoffice_stack, number)
    assert row.photo == PHOTO and row.photo_format == "jp2"
    assert row.photo_browser is not None and row.photo_browser[:3] == b"\xff\xd8\xff"
    assert (row.status, row.passive_auth, row.chip_auth) == ("open", "trusted", "passed")
    assert row.codice_fiscale == PERSON["codice_fiscale"] and row.email == EMAIL


@pytest.mark.parametrize(("change", "status", "code"), [
    ({"identity": {**PERSON, "photo": "not base64!", "passive_auth": "trusted",
                   "chip_auth": "passed"}}, 422, "BODY_INVALID"),
    ({"delivery": "counter"}, 422, "BODY_INVALID"),  # an e-mail without its delivery
    ({"email": "not an address"}, 422, "BODY_INVALID"),
    ({"kind": "reprint-everything"}, 422, "BODY_INVALID"),
    ({"can": "123456"}, 422, "BODY_INVALID"),  # no field for it: refused, not dropped
    ({"identity_source": "smartphone"}, 422, "BODY_INVALID"),  # with a chip's photo, verdicts
    ({"identity": {**PERSON, "passive_auth": "not-applicable", "chip_auth": "passed"}},
     422, "BODY_INVALID"),  # a chip ticket with a verdict it did not check
])
def test_a_wrong_ticket_gets_a_coded_4xx_and_stores_nothing(
        backoffice_stack: Stack, change: dict[str, Any], status: int, code: str) -> None:
    kiosk = backoffice_stack.enroll()
    number = unique_number()
    with backoffice_stack.client(kiosk) as client:
        answer = client.post("/api/v1/tickets", json=ticket(number, **change))
    assert answer.status_code == status and answer.json()["error"]["code"] == code
    assert rows(backoffice_stack, number) == []


PHONE_PERSON = {key: PERSON[key] for key in ("given_name", "surname", "codice_fiscale")}


def test_a_ticket_from_the_smartphone_login_is_stored_without_chip_data(
        backoffice_stack: Stack) -> None:
    kiosk = backoffice_stack.enroll()
    number = unique_number()
    body = ticket(number, delivery="counter", email=None, identity_source="smartphone",
                  identity={**PHONE_PERSON, "passive_auth": "not-applicable",
                            "chip_auth": "not-applicable"})
    with backoffice_stack.client(kiosk) as client:
        answer = client.post("/api/v1/tickets", json=body)
    assert answer.status_code == 200 and answer.json()["number"] == number
    (row,) = rows(backoffice_stack, number)
    assert (row.identity_source, row.passive_auth, row.chip_auth) == (
        "smartphone", "not-applicable", "not-applicable")
    assert (row.given_name, row.surname, row.codice_fiscale) == tuple(PHONE_PERSON.values())
    assert (row.photo, row.photo_browser, row.document_number, row.date_of_birth) == (
        None, None, None, None)


def test_a_ticket_without_a_kiosk_certificate_is_refused(backoffice_stack: Stack) -> None:
    number = unique_number()
    with backoffice_stack.client() as client:
        answer = client.post("/api/v1/tickets", json=ticket(number))
    assert answer.status_code in {400, 403}
    assert rows(backoffice_stack, number) == []


def filed(stack: Stack) -> int:
    kiosk = stack.enroll()
    number = unique_number()
    with stack.client(kiosk) as client:
        assert client.post("/api/v1/tickets", json=ticket(number)).status_code == 200
    (row,) = rows(stack, number)
    return row.id


def test_a_clerk_claims_and_completes_a_ticket_and_a_second_claim_is_refused(
        backoffice_stack: Stack) -> None:
    ticket_id = filed(backoffice_stack)
    now = dt.datetime.now(dt.UTC)
    with backoffice_stack.sessions.begin() as db:
        queued = {line.id: line for line in tickets.queue(db.connection())}
        assert queued[ticket_id].status == "open"
        with pytest.raises(tickets.TicketError) as early:
            tickets.complete(db.connection(), ticket_id, "anna", now)
        assert early.value.code == "TICKET_NOT_CLAIMED"
        tickets.claim(db.connection(), ticket_id, "anna", now)
        with pytest.raises(tickets.TicketError) as twice:
            tickets.claim(db.connection(), ticket_id, "bruno", now)
        assert twice.value.code == "TICKET_NOT_OPEN"
        tickets.complete(db.connection(), ticket_id, "anna", now)
        detail = tickets.get(db.connection(), ticket_id)
        assert ticket_id not in {line.id for line in tickets.queue(db.connection())}
    assert (detail.status, detail.claimed_by, detail.closed_by) == ("completed", "anna", "anna")
    assert detail.claimed_at is not None and detail.closed_at is not None
    assert detail.verified and detail.photo_browser is not None


def test_a_refusal_needs_its_reason_and_keeps_it(backoffice_stack: Stack) -> None:
    ticket_id = filed(backoffice_stack)
    now = dt.datetime.now(dt.UTC)
    with backoffice_stack.sessions.begin() as db:
        with pytest.raises(tickets.TicketError) as bare:
            tickets.refuse(db.connection(), ticket_id, "anna", "  ", now)
        assert bare.value.code == "REASON_REQUIRED"
        tickets.refuse(db.connection(), ticket_id, "anna", "the face is not the card's", now)
        detail = tickets.get(db.connection(), ticket_id)
        with pytest.raises(tickets.TicketError) as missing:
            tickets.get(db.connection(), 10**9)
    assert (detail.status, detail.refusal_reason) == ("refused", "the face is not the card's")
    assert missing.value.code == "TICKET_NOT_FOUND"


@pytest.mark.slow
def test_the_purge_deletes_a_closed_tickets_personal_data_from_the_database(
        backoffice_stack: Stack) -> None:
    closed, still_open = filed(backoffice_stack), filed(backoffice_stack)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(
        days=backoffice_stack.config.tickets.retention_days + 1)
    with backoffice_stack.sessions.begin() as db:
        tickets.claim(db.connection(), closed, "anna", long_ago)
        tickets.complete(db.connection(), closed, "anna", long_ago)
    done = backoffice_stack.cli("tickets", "purge", "--json")
    assert done.returncode == 0, done.stderr
    assert '"purged":' in done.stdout
    with backoffice_stack.sessions.begin() as db:
        gone = tickets.get(db.connection(), closed)
        kept = tickets.get(db.connection(), still_open)
    assert gone.purged_at is not None and gone.status == "completed"
    assert all(getattr(gone, name) is None for name in tickets.PERSONAL)
    assert kept.codice_fiscale == PERSON["codice_fiscale"]  # open: not due
    with backoffice_stack.sessions.begin() as db:  # every one goes, to scan for nothing
        for line in tickets.queue(db.connection()):
            tickets.refuse(db.connection(), line.id, "anna", f"not {PERSON['surname']}",
                           long_ago)
        db.execute(update(TicketRow).values(closed_at=long_ago))  # the other tests' too
    assert backoffice_stack.cli("tickets", "purge").returncode == 0
    everything = database_text(backoffice_stack)
    for value in [*PERSON.values(), EMAIL]:
        assert value.encode() not in everything, f"{value} still in the database"
    assert PHOTO[:64] not in everything and repr(PHOTO[:16]).encode() not in everything


@pytest.mark.slow
def test_serve_purges_what_is_past_retention_on_its_own() -> None:
    stack = prepare_stack(tickets={"retention_days": 1, "purge_minutes": 1})
    try:
        name, _ = stack.add_kiosk()
        two_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
        with stack.sessions.begin() as db:
            kiosk_id = db.scalar(select(KioskRow.id).where(KioskRow.name == name))
            assert kiosk_id is not None
            filed_ticket = Ticket.model_validate(ticket(unique_number()))
            tickets.store(db.connection(), kiosk_id, filed_ticket, photo=PHOTO, browser=None,
                          now=two_days_ago)
            ticket_id = db.scalar(select(TicketRow.id).where(TicketRow.key == filed_ticket.key))
            assert ticket_id is not None
            tickets.claim(db.connection(), ticket_id, "anna", two_days_ago)
            tickets.complete(db.connection(), ticket_id, "anna", two_days_ago)
        stack.start()

        def purged() -> bool:
            with stack.sessions.begin() as db:
                return tickets.get(db.connection(), ticket_id).purged_at is not None

        wait_for(purged)
        with stack.sessions.begin() as db:
            assert tickets.get(db.connection(), ticket_id).photo is None
    finally:
        stack.close()
