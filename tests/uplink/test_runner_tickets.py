"""Tickets through the kiosk's :class:`Uplink` against the real back-office (SQLite and
PostgreSQL): filed through the TicketDesk port, sent before the events, deleted once
acknowledged; a ticket the back-office refuses as malformed is set aside in the outbox, with
the refusal's code, instead of holding up every ticket and event behind it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

import pytest
from sqlalchemy import select

from kiosk.backoffice.models import Kiosk, Ticket
from kiosk.uplink.tickets import ticket_maker
from tests.backoffice.messages import stored_events
from tests.backoffice.stack import Stack
from tests.uplink.home import KioskHome
from tests.uplink.test_outbox_tickets import hand_off
from tests.uplink.test_runner import eventually, running

pytestmark = pytest.mark.slow  # a real back-office per database kind


def numbers(stack: Stack, kiosk: str) -> list[str]:
    with stack.session() as db:
        return list(db.scalars(select(Ticket.number).join(Kiosk).where(Kiosk.name == kiosk)
                               .order_by(Ticket.id)))


def test_a_refused_ticket_is_set_aside_and_the_rest_goes_on(
        enrolled: Callable[..., KioskHome], backoffice_stack: Stack) -> None:
    home = enrolled()
    with running(home, ticket_prefix="ATRIO1") as uplink:
        uplink.stop()  # nothing sent while the outbox is laid out
        refused = uplink.outbox.put_ticket(ticket_maker(hand_off(), "ATRIO1"))
        with sqlite3.connect(home.uplink_dir / "outbox.db") as db:  # as an older kiosk wrote it
            body = refused.model_dump(mode="json")
            body["at"] = refused.at.replace(tzinfo=None).isoformat()  # no UTC offset: refused
            db.execute("UPDATE tickets SET body = ? WHERE key = ?",
                       (json.dumps(body), refused.key))
    with running(home, ticket_prefix="ATRIO1") as uplink:
        filed = uplink.file(hand_off())
        assert filed is not None and filed.number == "ATRIO1-002"
        uplink.record("journey.outcome", {"outcome": "TICKET_FILED"})
        eventually(lambda: numbers(backoffice_stack, home.name) == ["ATRIO1-002"],
                   "the good ticket stored")
        eventually(lambda: len(stored_events(backoffice_stack, home.name)) == 1,
                   "the event behind it stored")
        assert uplink.outbox.tickets(10) == []
    with sqlite3.connect(home.uplink_dir / "outbox.db") as db:
        kept = db.execute("SELECT key, refused FROM tickets").fetchall()
    assert kept == [(refused.key, "BODY_INVALID")]
