"""The PC/SC backend through a real pcscd and vpcd, with the virtual card in a subprocess."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.cie.apdu import Command
from kiosk.cie.info import read_card_info
from kiosk.hardware.errors import CardRemoved, NoCard, NoReader, ReaderUnavailable
from kiosk.hardware.reader import (
    CardInserted,
    CardLeft,
    ReaderAttached,
    ReaderDetached,
    open_reader,
)
from kiosk.sim.profile import DEMO_IDENTITY
from tests.conftest import CardProcess, collect, run_kiosk
from tests.pcsc_daemon import PrivatePcscd

pytestmark = pytest.mark.pcscd

NIS = DEMO_IDENTITY["nis"]
Lay = Callable[..., CardProcess]


@pytest.mark.parametrize("family", ["NXP", "Gemalto", "STM2", "Bit4id B9547"])
def test_card_info_through_pcscd(
    pcscd: PrivatePcscd, lay_card: Lay, make_profile: Callable[..., Path], family: str
) -> None:
    lay_card(make_profile(family=family))
    done = run_kiosk("card", "info", "--reader", f"pcsc:{pcscd.reader}", "--json")
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert info["nis"] == NIS
    assert info["chip_family"] == family
    assert info["reader"] == pcscd.reader


def test_insert_and_remove_produce_events(pcscd: PrivatePcscd, lay_card: Lay,
                                          make_profile: Callable[..., Path]) -> None:
    reader = open_reader(f"pcsc:{pcscd.reader}")
    try:
        first = collect(reader, lambda ev: any(isinstance(e, ReaderAttached) for e in ev))
        assert ReaderAttached(pcscd.reader) in first
        assert not any(isinstance(e, CardInserted) for e in first)
        card = lay_card(make_profile(), wait=False)
        inserted = collect(reader, lambda ev: any(isinstance(e, CardInserted) for e in ev))
        assert inserted[-1].reader == pcscd.reader
        assert isinstance(inserted[-1], CardInserted)
        assert inserted[-1].atr.startswith(bytes.fromhex("3B8F8001"))
        card.remove()
        left = collect(reader, lambda ev: CardLeft(pcscd.reader) in ev)
        assert left[-1] == CardLeft(pcscd.reader)
    finally:
        reader.close()


@pytest.mark.slow
def test_running_backend_survives_pcscd_restart(pcscd: PrivatePcscd, lay_card: Lay,
                                                make_profile: Callable[..., Path]) -> None:
    lay_card(make_profile())
    reader = open_reader(f"pcsc:{pcscd.reader}")
    try:
        collect(reader, lambda ev: any(isinstance(e, CardInserted) for e in ev))
        with reader.session() as session:
            assert session.run(read_card_info(session.atr)).nis == NIS
        pcscd.stop()
        gone = collect(reader, lambda ev: ReaderDetached(pcscd.reader) in ev)
        assert CardLeft(pcscd.reader) in gone
        with pytest.raises(ReaderUnavailable):
            reader.readers()
        pcscd.restart()
        # The card still lies on the reader: it reconnects to the new vpcd by itself.
        back = collect(reader, lambda ev: any(isinstance(e, CardInserted) for e in ev))
        assert ReaderAttached(pcscd.reader) in back
        with reader.session() as session:
            assert session.run(read_card_info(session.atr)).nis == NIS
    finally:
        reader.close()


def test_card_removed_mid_read(pcscd: PrivatePcscd, lay_card: Lay,
                               make_profile: Callable[..., Path]) -> None:
    # The card answers the ATR and two commands, then leaves the field.
    lay_card(make_profile(tear_after_apdus=2))
    reader = open_reader(f"pcsc:{pcscd.reader}")
    try:
        with reader.session() as session, pytest.raises(CardRemoved) as caught:
            session.run(read_card_info(session.atr))
        assert caught.value.code == "CARD_REMOVED"
    finally:
        reader.close()


def test_card_removed_mid_read_exit_code(pcscd: PrivatePcscd, lay_card: Lay,
                                         make_profile: Callable[..., Path]) -> None:
    lay_card(make_profile(tear_after_apdus=1))
    done = run_kiosk("card", "info", "--reader", f"pcsc:{pcscd.reader}", "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout)["error"]["code"] == "CARD_REMOVED"


@pytest.mark.parametrize("behaviour", [{"max_response": 5}, {"wrong_le": "6Cxx"}])
def test_61xx_and_6cxx_are_resolved_by_the_backend(
    pcscd: PrivatePcscd,
    lay_card: Lay,
    make_profile: Callable[..., Path],
    behaviour: dict[str, object],
) -> None:
    lay_card(make_profile(**behaviour))
    reader = open_reader(f"pcsc:{pcscd.reader}")
    try:
        with reader.session() as session:
            assert session.run(read_card_info(session.atr)).nis == NIS
    finally:
        reader.close()


def test_no_card(pcscd: PrivatePcscd) -> None:
    reader = open_reader(f"pcsc:{pcscd.reader}")
    try:
        with pytest.raises(NoCard), reader.session():
            pass
    finally:
        reader.close()
    done = run_kiosk("card", "info", "--reader", f"pcsc:{pcscd.reader}", "--json")
    assert (done.returncode, json.loads(done.stdout)["error"]["code"]) == (1, "NO_CARD")


def test_no_reader(pcscd: PrivatePcscd) -> None:
    reader = open_reader("pcsc:No Such Reader")
    try:
        with pytest.raises(NoReader), reader.session():
            pass
    finally:
        reader.close()
    done = run_kiosk("card", "info", "--reader", "pcsc:No Such Reader", "--json")
    assert (done.returncode, json.loads(done.stdout)["error"]["code"]) == (1, "NO_READER")


def test_no_pcsc_service(tmp_path: Path) -> None:
    env = dict(os.environ, PCSCLITE_CSOCK_NAME=str(tmp_path / "nobody-listens"))
    done = run_kiosk("card", "info", "--reader", "pcsc", "--json", env=env)
    error = json.loads(done.stdout)["error"]
    assert (done.returncode, error["code"]) == (1, "READER_UNAVAILABLE")


def test_a_card_that_is_not_a_cie(pcscd: PrivatePcscd, lay_card: Lay, tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text(json.dumps({
        "format": "kiosk-sim-card/1", "family": "generic", "atr": "3B8880014B494F534B3030316D",
        "files": {"mf:2F00": "00"},
    }))
    lay_card(other)
    done = run_kiosk("card", "info", "--reader", f"pcsc:{pcscd.reader}", "--json")
    assert (done.returncode, json.loads(done.stdout)["error"]["code"]) == (1, "NOT_A_CIE")


def test_reset_returns_the_atr_and_forgets_the_selection(
    pcscd: PrivatePcscd, lay_card: Lay, make_profile: Callable[..., Path]
) -> None:
    lay_card(make_profile())
    reader = open_reader(f"pcsc:{pcscd.reader}")
    try:
        with reader.session() as session:
            session.run(read_card_info(session.atr))
            assert session.reset() == session.atr
            # After a reset no EF is current: the card no longer knows EF.ID_Servizi.
            assert session.transmit(Command(0x00, 0xB0, 0x00, 0x00, le=12)).sw == 0x6986
    finally:
        reader.close()


def test_a_refused_extended_apdu_is_answered_6700(
    pcscd: PrivatePcscd, lay_card: Lay, make_profile: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A reader whose driver refuses extended APDUs (vpcd accepts them, so the refusal is
    played here): the flow sees 6700, as many readers answer, not a reader error."""
    from smartcard import scard

    lay_card(make_profile())
    real = scard.SCardTransmit

    def short_only(card: object, pci: object, apdu: list[int]) -> tuple[int, list[int]]:
        if len(apdu) > 5 and apdu[4] == 0:
            return scard.SCARD_E_NOT_TRANSACTED, []
        return real(card, pci, apdu)  # type: ignore[no-any-return]

    reader = open_reader(f"pcsc:{pcscd.reader}")
    try:
        with reader.session() as session:
            session.run(read_card_info(session.atr))  # the CIE application is now selected
            monkeypatch.setattr(scard, "SCardTransmit", short_only)
            answer = session.transmit(Command(0x00, 0xB0, 0x81, 0x00, le=300))
            assert answer.sw == 0x6700
            assert session.transmit(Command(0x00, 0xB0, 0x81, 0x00, le=12)).ok
    finally:
        reader.close()
