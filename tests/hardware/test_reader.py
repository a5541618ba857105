"""The reader frontend over the in-process virtual driver."""

from __future__ import annotations

import pytest

from kiosk.cie.apdu import Command
from kiosk.cie.errors import ProtocolError
from kiosk.cie.ids import CIE_AID, IAS_AID
from kiosk.cie.info import read_card_info
from kiosk.cie.steps import Step
from kiosk.hardware.errors import BadReaderUri, CardRemoved, NoCard, NoReader
from kiosk.hardware.reader import CardInserted, CardLeft, CardReader, ReaderAttached, open_reader
from kiosk.hardware.virtual import VirtualDriver
from kiosk.sim.card import VirtualCie
from kiosk.sim.profile import Behaviours, new_profile

NIS = "910718464654"


def virtual(**behaviours: object) -> tuple[CardReader, VirtualDriver, VirtualCie]:
    reader = open_reader("sim")
    assert isinstance(reader.driver, VirtualDriver)
    profile = new_profile()
    profile.behaviours = Behaviours.model_validate(behaviours)
    return reader, reader.driver, VirtualCie(profile)


def test_events_follow_the_card() -> None:
    reader, driver, card = virtual()
    assert reader.poll(0.01) == [ReaderAttached(VirtualDriver.READER)]
    assert reader.poll(0.01) == []
    driver.insert(card)
    driver.remove()
    assert reader.poll(0.01) == [CardInserted(VirtualDriver.READER, card.atr),
                                 CardLeft(VirtualDriver.READER)]


def test_session_reads_the_card() -> None:
    reader, driver, card = virtual()
    with pytest.raises(NoCard):
        reader.session().__enter__()
    driver.insert(card)
    with reader.session() as session:
        assert session.reader == VirtualDriver.READER
        assert session.run(read_card_info(session.atr)).nis == NIS


@pytest.mark.parametrize("behaviours", [{"max_response": 1}, {"max_response": 7},
                                        {"wrong_le": "6Cxx"}])
def test_transport_status_words_are_resolved(behaviours: dict[str, object]) -> None:
    reader, driver, card = virtual(**behaviours)
    driver.insert(card)
    with reader.session() as session:
        assert session.run(read_card_info(session.atr)).nis == NIS
        answer = session.transmit(Command(0x00, 0xB0, 0x81, 0x00, le=0x20))
        assert (answer.data, answer.sw) == (NIS.encode(), 0x6282 if not behaviours.get(
            "wrong_le") else 0x9000)


def test_6cxx_for_a_command_without_le_is_a_protocol_error() -> None:
    class Stubborn:
        atr = b"\x3b\x00"
        in_field = True

        def reset(self) -> None:
            pass

        def apdu(self, raw: bytes) -> bytes:
            return b"\x6c\x10"

    reader = open_reader("sim")
    assert isinstance(reader.driver, VirtualDriver)
    reader.driver.insert(Stubborn())
    with reader.session() as session, pytest.raises(ProtocolError):
        session.transmit(Command(0x00, 0xA4, 0x04, 0x0C, b"\xa0"))


def test_endless_61xx_is_cut_off() -> None:
    class Chatty:
        atr = b"\x3b\x00"
        in_field = True

        def reset(self) -> None:
            pass

        def apdu(self, raw: bytes) -> bytes:
            return bytes(256) + b"\x61\x00"

    reader = open_reader("sim")
    assert isinstance(reader.driver, VirtualDriver)
    reader.driver.insert(Chatty())
    with reader.session() as session, pytest.raises(ProtocolError):
        session.transmit(Command(0x00, 0xB0, 0x00, 0x00, le=256))


def test_removal_during_the_exchange() -> None:
    reader, driver, card = virtual(tear_after_apdus=1)
    driver.insert(card)
    with reader.session() as session, pytest.raises(CardRemoved):
        session.run(read_card_info(session.atr))
    assert driver.card is None
    assert CardLeft(VirtualDriver.READER) in reader.poll(0.01)


def test_removal_between_exchanges() -> None:
    reader, driver, card = virtual()
    driver.insert(card)
    with reader.session() as session:
        driver.remove()
        with pytest.raises(CardRemoved):
            session.transmit(Command(0x00, 0xA4, 0x00, 0x00))


def test_reader_names_and_uris() -> None:
    reader, driver, card = virtual()
    driver.insert(card)
    with pytest.raises(NoReader):
        reader.session("Some other reader").__enter__()
    with pytest.raises(BadReaderUri):
        open_reader("usb:0001")
    assert CardReader(driver, name="Nope").readers() == []
    with pytest.raises(NoReader):
        CardReader(driver, name="Nope").session().__enter__()


def test_reset_forgets_the_current_file() -> None:
    reader, driver, card = virtual()
    driver.insert(card)
    with reader.session() as session:
        session.run(read_card_info(session.atr))
        assert session.reset() == card.atr
        assert session.transmit(Command(0x00, 0xB0, 0x00, 0x00, le=12)).sw == 0x6986


def test_a_card_taken_away_after_an_answer() -> None:
    """The answer arrives; the next command finds no card, and the reader reports it left."""
    reader, driver, card = virtual(leave_after_apdus=2)
    driver.insert(card)
    with reader.session() as session:
        assert session.transmit(Command(0x00, 0xA4, 0x04, 0x0C, IAS_AID)).ok
        assert session.transmit(Command(0x00, 0xA4, 0x04, 0x0C, CIE_AID)).ok
        with pytest.raises(CardRemoved):
            session.transmit(Command(0x00, 0xB0, 0x81, 0x00, le=12))
    assert driver.card is None
    assert CardLeft(VirtualDriver.READER) in reader.poll(0.01)


def test_a_lost_answer_to_a_pin_command_is_reported_in_doubt() -> None:
    """The session marks the error with the step whose answer was lost, when that step may
    have changed the card; ``kiosk card --json`` prints it."""
    reader, driver, card = virtual(leave_after_apdus=1)
    driver.insert(card)
    with reader.session() as session:
        session.transmit(Command(0x00, 0xA4, 0x04, 0x0C, IAS_AID))
        with pytest.raises(CardRemoved) as caught:
            session.transmit(Command(0x0C, 0x24, 0x00, 0x81, bytes(10), step=Step.CHANGE_PIN))
    assert caught.value.in_doubt is Step.CHANGE_PIN
    details = caught.value.details()
    assert details["code"] == "CARD_REMOVED" and details["in_doubt"] == "change-pin"
    assert details["message"].endswith("the PIN may have been changed")


def test_a_lost_answer_to_a_read_is_no_doubt() -> None:
    reader, driver, card = virtual(leave_after_apdus=1)
    driver.insert(card)
    with reader.session() as session:
        session.transmit(Command(0x00, 0xA4, 0x04, 0x0C, IAS_AID))
        with pytest.raises(CardRemoved) as caught:
            session.transmit(Command(0x00, 0xB0, 0x81, 0x00, le=12, step=Step.READ))
    assert caught.value.in_doubt is None and "in_doubt" not in caught.value.details()
