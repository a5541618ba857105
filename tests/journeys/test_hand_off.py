"""Journeys 6 and 7, hand-offs to the anagrafe desk, on the in-process virtual card: the CAN
opens PACE, the kiosk shows what the chip says (with its photo) once passive and chip
authentication passed, asks how the codes should come and files a ticket through the
TicketDesk port, whose number the citizen takes to the desk. The real desk (the outbox, the
uplink, the back-office) is tested end to end in tests/test_app_tickets.py; here a desk that
keeps what it was given stands in for it, as a port allows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kiosk.cie.datagroups import ImageFormat
from kiosk.journeys import Choice, EndReason, JourneyId, Phase, Screen
from kiosk.journeys.context import Notice
from kiosk.journeys.events import CharacterTyped, Confirmed, DigitDeleted
from kiosk.journeys.hand_off import valid_email
from kiosk.journeys.ports import (
    Delivery,
    FiledTicket,
    HandOff,
    PhoneIdentity,
    PhoneLink,
    PhoneRefused,
    TicketKind,
)
from kiosk.journeys.views import Back
from kiosk.sim.icao_issuing import DEMO_CAN
from tests.journeys.harness import Kiosk

Card = Callable[..., Path]


@dataclass
class Desk:
    """Keeps the hand-offs and numbers them; ``online`` says what the uplink would."""

    online: bool = True
    filed: list[HandOff] = field(default_factory=list)

    def file(self, hand_off: HandOff) -> FiledTicket | None:
        self.filed.append(hand_off)
        return FiledTicket(f"ATRIO1-{len(self.filed):03d}", self.online)


def at_counter(k: Kiosk, lost: Choice, request: Choice) -> None:
    """From the attract screen to the hand-off journey, through the lost-codes menu."""
    k.open(Choice.LOST_CODES)
    k.choose(lost)
    assert k.choose(Choice.GO_TO_COUNTER).screen is Screen.REPRINT_AT_COUNTER
    assert k.view.options == (request,) and k.view.back is Back.PREVIOUS
    intro = k.choose(request)
    assert intro.screen is Screen.HANDOFF_INTRO and intro.options == (Choice.CONTINUE,)


def read_card(k: Kiosk, can: str = DEMO_CAN) -> None:
    assert k.choose(Choice.CONTINUE).screen is Screen.LAY_CARD
    pad = k.insert()
    assert pad.screen is Screen.ENTER_CAN and pad.pad is not None and pad.pad.length == 6
    k.type(can)


def type_text(k: Kiosk, text: str) -> None:
    for character in text:
        k.send(CharacterTyped(character))


@pytest.fixture
def kiosk(issued_card: Card, test_pki: Path) -> Kiosk:
    return Kiosk(issued_card(), test_pki, tickets=Desk())


def desk_of(k: Kiosk) -> Desk:
    desk = k.session.services.tickets
    assert isinstance(desk, Desk)
    return desk


def test_a_reprint_reads_the_card_with_the_can_and_files_a_ticket_with_the_e_mail(
        kiosk: Kiosk) -> None:
    at_counter(kiosk, Choice.LOST_BOTH, Choice.REQUEST_REPRINT)
    read_card(kiosk)
    shown = kiosk.view
    assert shown.screen is Screen.HANDOFF_IDENTITY and shown.options == (Choice.CONTINUE,)
    assert shown.facts["given_name"] and shown.facts["surname"]
    assert shown.facts["document_number"]
    assert shown.photo is not None and shown.photo[:4] == bytes.fromhex("0000000C")
    assert kiosk.choose(Choice.CONTINUE).screen is Screen.HANDOFF_DELIVERY
    assert kiosk.view.options == (Choice.DELIVERY_COUNTER, Choice.DELIVERY_EMAIL)
    assert kiosk.choose(Choice.DELIVERY_EMAIL).screen is Screen.ENTER_EMAIL
    type_text(kiosk, "mario.rossi@")
    refused = kiosk.send(Confirmed())
    assert refused.screen is Screen.ENTER_EMAIL
    assert refused.facts["notice"] == Notice.EMAIL_INVALID.value
    type_text(kiosk, "comune.example.itx")
    kiosk.send(DigitDeleted())
    ticket = kiosk.send(Confirmed())
    assert ticket.screen is Screen.TICKET_FILED and ticket.options == (Choice.DONE,)
    assert ticket.facts["ticket_number"] == "ATRIO1-001"
    assert ticket.facts["desk"] == "handoff.desk.sees_it"
    (filed,) = desk_of(kiosk).filed
    assert (filed.kind, filed.delivery) == (TicketKind.REPRINT, Delivery.COUNTER_AND_EMAIL)
    assert filed.email == "mario.rossi@comune.example.it"
    who = filed.identity
    assert not isinstance(who, PhoneIdentity)
    assert (who.passive_auth, who.chip_auth) == ("trusted", "passed")
    assert who.photo is not None and who.photo.format is ImageFormat.JP2
    assert who.given_name == shown.facts["given_name"]
    assert kiosk.session.journey is not None
    assert kiosk.session.journey.ctx.secrets_wiped  # the CAN went with the card job
    kiosk.choose(Choice.DONE)
    assert kiosk.session.phase is Phase.ATTRACT and kiosk.session.ended == [EndReason.DONE]
    assert ("journey.outcome", {"journey": "reprint-codes", "outcome": "TICKET_FILED"}) \
        in kiosk.audit.events


def test_the_puk_asked_at_the_counter_files_a_puk_recovery_ticket(kiosk: Kiosk) -> None:
    desk_of(kiosk).online = False
    at_counter(kiosk, Choice.LOST_PUK, Choice.REQUEST_PUK_AT_COUNTER)
    assert kiosk.view.journey == JourneyId.PUK_AT_COUNTER.value
    read_card(kiosk)
    kiosk.choose(Choice.CONTINUE)
    ticket = kiosk.choose(Choice.DELIVERY_COUNTER)
    assert ticket.screen is Screen.TICKET_FILED
    assert ticket.facts["desk"] == "handoff.desk.when_link_back"  # offline: it waits
    (filed,) = desk_of(kiosk).filed
    assert (filed.kind, filed.delivery, filed.email) == (
        TicketKind.PUK_RECOVERY, Delivery.COUNTER, None)


def test_a_wrong_can_says_so_and_lets_the_citizen_type_it_again(kiosk: Kiosk) -> None:
    at_counter(kiosk, Choice.LOST_BOTH, Choice.REQUEST_REPRINT)
    read_card(kiosk, can="000000" if DEMO_CAN != "000000" else "111111")
    wrong = kiosk.view
    assert wrong.screen is Screen.ERROR and wrong.error is not None
    assert wrong.error.code == "WRONG_CAN" and wrong.options == (Choice.RETRY,)
    assert kiosk.choose(Choice.RETRY).screen is Screen.ENTER_CAN  # the card still lies there
    kiosk.type(DEMO_CAN)
    assert kiosk.view.screen is Screen.HANDOFF_IDENTITY


def test_a_card_whose_data_does_not_chain_to_a_trusted_csca_files_no_ticket(
        issued_card: Card, test_pki: Path) -> None:
    k = Kiosk(issued_card(), test_pki, tickets=Desk())
    k.session.services.certificates = type(k.session.services.certificates)(
        k.session.services.certificates.anchors)  # no CSCA: passive authentication fails
    at_counter(k, Choice.LOST_BOTH, Choice.REQUEST_REPRINT)
    read_card(k)
    view = k.view
    assert view.screen is Screen.HANDOFF_NOT_VERIFIED
    assert view.facts["passive"] == "handoff.passive.untrusted"
    assert view.facts["chip"] == "handoff.chip.passed"
    assert desk_of(k).filed == []


def test_without_a_desk_the_citizen_is_sent_to_the_counter(issued_card: Card,
                                                           test_pki: Path) -> None:
    k = Kiosk(issued_card(), test_pki)
    at_counter(k, Choice.LOST_BOTH, Choice.REQUEST_REPRINT)
    read_card(k)
    k.choose(Choice.CONTINUE)
    assert k.choose(Choice.DELIVERY_COUNTER).screen is Screen.TICKET_NOT_FILED


PHONE_CODE = "482913"
CITIZEN = PhoneIdentity("GIUSEPPINA", "VERDEMARE", "VRDGPP80A41H501X", "smartphone")


class Provider:
    """The back-office's smartphone login as a port: one link, redeemed by its one code."""

    def link(self) -> PhoneLink | PhoneRefused:
        return PhoneLink("login-0123456789abcdef", "https://comune.example.it/phone/x")

    def redeem(self, login_id: str, code: str) -> PhoneIdentity | PhoneRefused:
        return CITIZEN if code == PHONE_CODE else PhoneRefused("PHONE_CODE_WRONG")


def logged_in_by_phone(k: Kiosk) -> None:
    """Attract screen → "continue with smartphone" → the QR, the code → back to the menu."""
    assert k.open(Choice.CONTINUE_WITH_PHONE).screen is Screen.PHONE_QR
    k.choose(Choice.HAVE_CODE)
    assert k.type(PHONE_CODE).screen is Screen.PHONE_IDENTIFIED
    k.choose(Choice.CONTINUE)
    assert k.session.identity == CITIZEN and k.session.phase is Phase.MENU


def test_a_session_bound_by_the_smartphone_files_its_identity_without_reading_the_card(
        issued_card: Card, test_pki: Path) -> None:
    k = Kiosk(issued_card(), test_pki, tickets=Desk(), phone=Provider())
    logged_in_by_phone(k)
    k.choose(Choice.LOST_CODES)
    k.choose(Choice.LOST_BOTH)
    k.choose(Choice.GO_TO_COUNTER)
    shown = k.choose(Choice.REQUEST_REPRINT)  # no intro, no card, no CAN
    assert shown.screen is Screen.HANDOFF_IDENTITY and shown.photo is None
    assert dict(shown.facts) == {
        "given_name": "GIUSEPPINA", "surname": "VERDEMARE",
        "codice_fiscale": "VRDGPP80A41H501X", "source": "handoff.identity.from_smartphone",
        "asked": "handoff.identity.is_it_you"}
    k.choose(Choice.CONTINUE)
    assert k.choose(Choice.DELIVERY_COUNTER).screen is Screen.TICKET_FILED
    (filed,) = desk_of(k).filed
    assert filed.identity == CITIZEN and filed.kind is TicketKind.REPRINT
    assert k.card is not None and k.card.log == []  # the card was never spoken to


def test_an_unbound_session_still_reads_the_card_for_a_hand_off(
        issued_card: Card, test_pki: Path) -> None:
    k = Kiosk(issued_card(), test_pki, tickets=Desk(), phone=Provider())
    assert k.session.identity is None
    at_counter(k, Choice.LOST_PUK, Choice.REQUEST_PUK_AT_COUNTER)
    read_card(k)
    assert k.view.screen is Screen.HANDOFF_IDENTITY and k.view.photo is not None
    k.choose(Choice.CONTINUE)
    k.choose(Choice.DELIVERY_COUNTER)
    (filed,) = desk_of(k).filed
    assert not isinstance(filed.identity, PhoneIdentity)
    assert filed.identity.passive_auth == "trusted"


@pytest.mark.parametrize(("address", "valid"), [
    ("mario.rossi@comune.example.it", True), ("a+b@x.it", True), ("mario@localhost", False),
    ("mario rossi@x.it", False), ("@x.it", False), ("mario@@x.it", False),
    ("x" * 250 + "@x.it", False),
])
def test_what_the_kiosk_takes_for_an_e_mail_address(address: str, valid: bool) -> None:
    assert valid_email(address) is valid
