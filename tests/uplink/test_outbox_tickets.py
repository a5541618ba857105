"""Hand-off tickets in the outbox: committed with a key and the kiosk's next number (which a
restart does not reset and a refused ticket does not spend), kept until the back-office's
acknowledgement deletes that one ticket, and never dropped for a full queue of events."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from kiosk.cie.datagroups import FaceImage, ImageFormat
from kiosk.cie.identity import IdentityReport
from kiosk.journeys.ports import Delivery, HandOff, PhoneIdentity, TicketKind
from kiosk.sim.face import portrait
from kiosk.uplink.outbox import Outbox, OutboxError
from kiosk.uplink.schemas import ChipAuth, IdentitySource, PassiveAuth
from kiosk.uplink.tickets import ticket_maker

PHOTO = portrait()
REPORT = IdentityReport(
    given_name="MARIA", surname="ROSSI", codice_fiscale="RSSMRA85T10A562S",
    date_of_birth="1985-12-10", document_number="CA00000AA", date_of_expiry="351210",
    passive_auth="trusted", chip_auth="passed", data_groups={"01": "match", "02": "match"},
    photo=FaceImage(ImageFormat.JP2, PHOTO), access="PACE")


def hand_off(email: str | None = "maria.rossi@comune.example.it") -> HandOff:
    delivery = Delivery.COUNTER_AND_EMAIL if email is not None else Delivery.COUNTER
    return HandOff(TicketKind.REPRINT, delivery, email, REPORT)


def test_a_ticket_comes_back_as_it_went_in_numbered_on_the_kiosks_counter(
        tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.db", max_events=100)
    first = box.put_ticket(ticket_maker(hand_off(), "ATRIO1"))
    second = box.put_ticket(ticket_maker(hand_off(None), "ATRIO1"))
    assert (first.number, second.number) == ("ATRIO1-001", "ATRIO1-002")
    assert first.key != second.key and first.at.tzinfo is not None
    assert box.tickets(10) == [first, second]
    (back,) = box.tickets(1)
    assert base64.b64decode(back.identity.photo or "") == PHOTO
    assert (back.identity.passive_auth.value, back.identity.chip_auth.value) == (
        "trusted", "passed")
    assert back.email == "maria.rossi@comune.example.it" and second.email is None
    assert box.depth() == 0  # tickets are not audit events


def test_the_number_survives_a_restart_and_only_the_acknowledged_ticket_leaves(
        tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.db", max_events=100)
    kept = box.put_ticket(ticket_maker(hand_off(), "ATRIO1"))
    acked = box.put_ticket(ticket_maker(hand_off(), "ATRIO1"))
    assert box.delete_ticket(acked.key) == 1
    assert box.delete_ticket("not-a-key-of-ours") == 0
    box.close()
    again = Outbox(tmp_path / "outbox.db", max_events=100)
    assert again.tickets(10) == [kept]
    assert again.put_ticket(ticket_maker(hand_off(), "ATRIO1")).number == "ATRIO1-003"


def test_a_ticket_the_schema_refuses_is_not_kept_and_spends_no_number(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.db", max_events=100)
    with pytest.raises(OutboxError) as refused:
        box.put_ticket(ticket_maker(hand_off("not an address"), "ATRIO1"))
    assert refused.value.code == "TICKET_INVALID"
    assert "not an address" not in str(refused.value)
    assert box.tickets(10) == []
    assert box.put_ticket(ticket_maker(hand_off(), "ATRIO1")).number == "ATRIO1-001"


def test_a_full_queue_of_events_drops_no_ticket(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.db", max_events=100)
    for n in range(100):
        box.put("test.tick", {"n": n})
    assert box.put("test.tick", {"n": 100}) is None  # full: the event is dropped
    ticket = box.put_ticket(ticket_maker(hand_off(), "ATRIO1"))
    assert box.tickets(10) == [ticket]


def test_a_smartphone_identity_goes_as_such_with_no_chip_data(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.db", max_events=100)
    phone = PhoneIdentity("MARIA", "ROSSI", "RSSMRA85T10A562S", "smartphone")
    box.put_ticket(ticket_maker(HandOff(TicketKind.PUK_RECOVERY, Delivery.COUNTER, None, phone),
                                "ATRIO1"))
    (back,) = box.tickets(1)
    assert back.identity_source is IdentitySource.SMARTPHONE
    who = back.identity
    assert (who.given_name, who.surname, who.codice_fiscale) == (
        "MARIA", "ROSSI", "RSSMRA85T10A562S")
    assert (who.passive_auth, who.chip_auth) == (
        PassiveAuth.NOT_APPLICABLE, ChipAuth.NOT_APPLICABLE)
    assert (who.photo, who.document_number, who.date_of_birth) == (None, None, None)
