"""The hand-off's receipt end to end: ``kiosk run``'s :class:`~kiosk.app.Kiosk` with the virtual
printer, enrolled into a real back-office. The citizen gets a ticket; the printer writes its PNG,
whose QR code a real decoder (zxing-cpp) reads back as the number the screen shows and the desk
filed; the lines python-escpos was asked to print (read back by the virtual printer's ESC/POS
interpreter) are in the citizen's language, with the Comune's name. With the printer out of
paper the ticket's screen tells the citizen to take a photo of the number instead, the
back-office learns ``receipt.failed`` with the printer's code only, and once the paper is back
the citizen prints it again.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.backoffice.models import Event
from kiosk.backoffice.models import Kiosk as KioskRow
from kiosk.hardware.printer.escpos_reader import Printout
from kiosk.hardware.printer.virtual import VirtualPrinter
from kiosk.journeys import Choice, Chosen, Language, Screen
from kiosk.ui.i18n import Catalog
from tests.backoffice.stack import Stack, backoffice_stack  # noqa: F401
from tests.hardware.printer.example import qr_texts
from tests.test_app_tickets import CAN, ask_for_a_reprint, start_kiosk, tickets_of
from tests.test_app_uplink import Online, pump_until, wait_for

COMUNE = "Comune di Forlì"
PRINTER = f"""[profiles.sim.printer]
uri = "virtual:receipts"
[profiles.sim.site]
comune = "{COMUNE}"
"""


@pytest.fixture
def online(tmp_path: Path, backoffice_stack: Stack) -> Iterator[Online]:  # noqa: F811
    started = start_kiosk(tmp_path, backoffice_stack, profile=PRINTER)
    try:
        yield started
    finally:
        started.kiosk.stop()


def paper(online: Online) -> VirtualPrinter:
    printer = online.kiosk.printer
    assert printer is not None and isinstance(printer.backend, VirtualPrinter)
    return printer.backend


def ticket_screen(online: Online, language: Language) -> dict[str, object]:
    """A reprint asked in ``language``, up to the ticket's screen once the printer answered;
    the view's facts."""
    ask_for_a_reprint(online, language)
    session = online.kiosk.session
    pump_until(online.kiosk, lambda: not session.busy)
    assert session.view.screen is Screen.TICKET_FILED
    return dict(session.view.facts)


def on_screen(online: Online) -> str:
    """Every line the kiosk's stage draws for the session's view (the test drove the session
    beside the loop, so the stage may not have drawn the last view yet)."""
    kiosk = online.kiosk
    kiosk.stage.enter(kiosk.session.view)
    return "\n".join(text for text, _ in kiosk.stage.draw(kiosk.surface).shown)


def next_citizen(online: Online) -> None:
    """"I'm done", and the card taken away: the attract screen again."""
    online.kiosk.session.handle(Chosen(Choice.DONE))
    online.kiosk.toggle_sim_card()
    pump_until(online.kiosk, lambda: not online.kiosk.session.card_present)


def events_of(stack: Stack, kiosk: str, kind: str) -> list[dict[str, object]]:
    with stack.session() as db:
        return list(db.scalars(select(Event.data).join(KioskRow, Event.kiosk_id == KioskRow.id)
                               .where(KioskRow.name == kiosk, Event.kind == kind)))


def text_of(printout: Printout) -> str:
    return "\n".join(line.text for line in printout.lines)


@pytest.mark.slow
@pytest.mark.parametrize("backoffice_stack", ["sqlite"], indirect=True)
def test_the_receipt_holds_the_number_the_desk_filed_in_the_citizens_language(
        online: Online) -> None:
    uplink = online.kiosk.uplink
    assert uplink is not None
    wait_for(uplink.online)
    italian = ticket_screen(online, Language.IT)
    assert italian["receipt"] == "handoff.receipt.printed" and italian["notice"] is None
    number = italian["ticket_number"]
    assert isinstance(number, str) and number in on_screen(online)
    wait_for(lambda: len(tickets_of(online.stack, online.name)) == 1)
    (row,) = tickets_of(online.stack, online.name)
    assert row.number == number == "ATRIO1-001"
    (png,) = paper(online).files
    assert qr_texts(png) == [number]  # the QR holds the number, and nothing else

    next_citizen(online)
    german = ticket_screen(online, Language.DE)
    assert german["ticket_number"] == "ATRIO1-002"
    assert qr_texts(paper(online).files[-1]) == ["ATRIO1-002"]
    printed_it, printed_de = (text_of(out) for out in paper(online).printouts)
    for printed, language, number in ((printed_it, "it", "ATRIO1-001"),
                                      (printed_de, "de", "ATRIO1-002")):
        words = Catalog(language)
        assert printed.splitlines()[0] == COMUNE
        assert words.text("receipt.title") in printed and number in printed
        assert words.text("receipt.qr_holds_the_number") in printed
        assert words.text("receipt.second_half_by_email") in printed.replace("\n", " ")
    assert "Il suo numero" in printed_it and "Ihre Nummer" in printed_de
    assert "Ihre Nummer" not in printed_it and "Il suo numero" not in printed_de
    for printed in (printed_it, printed_de):  # nothing of the citizen's on paper
        assert "mario.rossi" not in printed and CAN not in printed
        assert row.surname and row.surname not in printed
        assert row.codice_fiscale and row.codice_fiscale not in printed
    wait_for(lambda: len(events_of(online.stack, online.name, "receipt.printed")) == 2)


@pytest.mark.slow
@pytest.mark.parametrize("backoffice_stack", ["sqlite"], indirect=True)
def test_paper_out_says_take_a_photo_reports_the_code_and_prints_again_once_mended(
        online: Online) -> None:
    (paper(online).directory / "state").write_text("paper_out\n")
    facts = ticket_screen(online, Language.IT)
    assert facts["notice"] == "handoff.receipt.paper_out" and facts["receipt"] is None
    assert facts["ticket_number"] == "ATRIO1-001"  # on the screen all the same
    shown = on_screen(online)
    assert "ATRIO1-001" in shown and "fotografi il numero" in shown
    session = online.kiosk.session
    assert session.view.options == (Choice.PRINT_AGAIN, Choice.DONE)
    assert paper(online).files == []
    wait_for(lambda: events_of(online.stack, online.name, "receipt.failed")
             == [{"code": "PRINTER_PAPER_OUT"}])

    (paper(online).directory / "state").unlink()  # a clerk put a new roll in
    session.handle(Chosen(Choice.PRINT_AGAIN))
    pump_until(online.kiosk, lambda: session.view.facts["receipt"] == "handoff.receipt.printed")
    assert session.view.facts["notice"] is None
    (png,) = paper(online).files
    assert qr_texts(png) == ["ATRIO1-001"]
    wait_for(lambda: len(events_of(online.stack, online.name, "receipt.printed")) == 1)
