"""The nfcpy backend over nfcpy's udp link, with the virtual card in a subprocess
(``kiosk sim card --nfc udp:…``): the same flows as through pcscd, over raw ISO-DEP."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.cie import ids
from kiosk.cie.apdu import Command
from kiosk.cie.info import read_card_info
from kiosk.hardware.errors import CardRemoved, NoCard, NoReader
from kiosk.hardware.monitor import ReaderMonitor
from kiosk.hardware.nfc import Ats, pcsc_atr
from kiosk.hardware.reader import (
    CardInserted,
    CardLeft,
    ReaderAttached,
    ReaderEvent,
    open_reader,
)
from kiosk.sim import families
from kiosk.sim.nfc_link import ats
from kiosk.sim.profile import DEMO_IDENTITY, CardProfile, new_profile
from tests.conftest import TEST_NEW_PIN, TEST_PIN, TEST_PUK, CardSubprocess, collect, run_kiosk
from tests.secret_scan import findings

NIS = DEMO_IDENTITY["nis"]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("0.0.0.0", 0))  # where nfcpy's card side binds
        port: int = probe.getsockname()[1]
        return port


def inserted(events: list[ReaderEvent]) -> bool:
    return any(isinstance(event, CardInserted) for event in events)


class NfcCard(CardSubprocess):
    """``kiosk sim card --profile … --nfc udp:127.0.0.1:PORT`` running: the card lies in
    the field of the reader ``uri``."""

    def __init__(self, profile: Path, port: int) -> None:
        super().__init__(profile, "--nfc", f"udp:127.0.0.1:{port}")
        self.uri = f"nfc:udp:127.0.0.1:{port}"

    def wait(self) -> bytes:
        """Wait until a reader finds the card in its field; its ATR."""
        reader = open_reader(self.uri)
        try:
            event = collect(reader, inserted)[-1]
            assert isinstance(event, CardInserted)
            return event.atr
        finally:
            reader.close()

    def remove(self) -> None:
        self.end()


@pytest.fixture
def field() -> Iterator[Callable[..., NfcCard]]:
    """Lay virtual cards in the field of a reader of their own; each is taken away at the end."""
    cards: list[NfcCard] = []

    def lay(profile: Path, wait: bool = True) -> NfcCard:
        card = NfcCard(profile, free_udp_port())
        cards.append(card)
        if wait:
            card.wait()
        return card

    try:
        yield lay
    finally:
        for card in cards:
            card.remove()


Field = Callable[..., NfcCard]
Card = Callable[..., Path]


def kiosk_card(card: NfcCard, command: str, *args: str,
               stdin: str = "") -> tuple[int, dict[str, Any]]:
    done = run_kiosk("card", command, "--reader", card.uri, "--json", *args, stdin=stdin)
    return done.returncode, json.loads(done.stdout)


def auth(card: NfcCard, pki: Path, pin: str) -> tuple[int, dict[str, Any]]:
    return kiosk_card(card, "auth", "--trust", str(pki), stdin=f"{pin}\n")


@pytest.mark.parametrize("family", families.FAMILIES)
def test_the_ats_gives_the_atr_a_pcsc_reader_shows(family: str) -> None:
    atr = families.atr_for(family)
    assert pcsc_atr(Ats.parse(ats(atr)).historical) == atr


def test_an_ats_without_historical_bytes_is_the_stm2_atr() -> None:
    assert pcsc_atr(b"") == bytes.fromhex("3B 80 80 01 01")


def test_absent_ats_interface_bytes_take_their_defaults() -> None:
    assert Ats.parse(bytes.fromhex("03 05 AA")) == Ats(64, 4096 / 13.56e6 * 2**4, b"\xaa")
    with pytest.raises(ValueError, match="malformed ATS"):
        Ats.parse(bytes.fromhex("05 78"))


@pytest.mark.parametrize("family", ["NXP", "Gemalto", "STM2", "Bit4id B9547"])
def test_card_info_over_nfc(field: Field, make_profile: Callable[..., Path],
                            family: str) -> None:
    card = field(make_profile(family=family))
    done = run_kiosk("card", "info", "--reader", card.uri, "--json")
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert (info["nis"], info["chip_family"]) == (NIS, family)
    assert bytes.fromhex(info["atr"]) == families.atr_for(family)


def test_a_chip_the_ats_does_not_name_is_told_by_ef_atr(field: Field, tmp_path: Path) -> None:
    profile = tmp_path / "unnamed.json"
    new_profile("NXP").save(profile)
    document = json.loads(profile.read_text())
    document.update(family="generic", atr="3B8880014B494F534B3030316D")
    profile.write_text(json.dumps(document))
    card = field(profile)
    done = run_kiosk("card", "info", "--reader", card.uri, "--json")
    assert done.returncode == 0, done.stderr
    assert (json.loads(done.stdout)["chip_family"], json.loads(done.stdout)["nis"]) == (
        "NXP", NIS)


@pytest.mark.slow
def test_insert_and_remove_produce_events(field: Field,
                                          make_profile: Callable[..., Path]) -> None:
    profile = make_profile()
    port = free_udp_port()
    reader = open_reader(f"nfc:udp:127.0.0.1:{port}")
    try:
        first = collect(reader, lambda ev: any(isinstance(e, ReaderAttached) for e in ev))
        assert not inserted(first)
        name = first[0].reader
        card = NfcCard(profile, port)
        try:
            arrived = collect(reader, inserted)
            assert arrived[-1] == CardInserted(name, families.atr_for("NXP"))
            with reader.session() as session:  # a session in between reports nothing
                assert session.run(read_card_info(session.atr)).nis == NIS
            assert not reader.poll(0.5)
        finally:
            card.remove()
        assert collect(reader, lambda ev: CardLeft(name) in ev)[-1] == CardLeft(name)
    finally:
        reader.close()


def test_extended_apdus_are_chained_both_ways(field: Field, issued_card: Card) -> None:
    profile = issued_card()
    card = field(profile)
    reader = open_reader(card.uri)
    try:
        with reader.session() as session:
            assert session.transmit(Command(0x00, 0xA4, 0x00, 0x00, data=b"\x3f\x00")).ok
            assert session.transmit(Command(0x00, 0xA4, 0x02, 0x0C, data=b"\xd0\x04")).ok
            # 302 bytes back: more than one frame (at most 253 bytes of data) can carry.
            answer = session.transmit(Command(0x00, 0xB0, 0, 0, le=300))
            assert (answer.sw, answer.data) == (0x9000, CardProfile.load(profile).files[
                "mf:D004"][:300])
            # 307 bytes out: a cut command would be malformed (6700), not an unknown AID.
            assert session.transmit(Command(0x00, 0xA4, 0x04, 0x0C, data=bytes(300))).sw == 0x6A82
    finally:
        reader.close()


def test_a_monitor_thread_polls_while_a_session_exchanges(
    field: Field, make_profile: Callable[..., Path]
) -> None:
    card = field(make_profile())
    reader = open_reader(card.uri)
    events: list[ReaderEvent] = []
    monitor = ReaderMonitor(reader, events.append, interval=0.05)
    monitor.start()
    try:
        deadline = time.monotonic() + 10
        while not inserted(events):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        for _ in range(3):
            with reader.session() as session:
                for _ in range(100):
                    assert session.transmit(Command(0x00, 0xA4, 0x04, 0x0C, data=ids.CIE_AID)).ok
            time.sleep(0.3)  # the monitor takes the card up again between sessions
    finally:
        monitor.stop()
        reader.close()
    assert [type(event) for event in events] == [ReaderAttached, CardInserted]


@pytest.mark.parametrize("behaviour", [{"max_response": 5}, {"wrong_le": "6Cxx"}])
def test_61xx_and_6cxx_are_resolved_over_nfc(
    field: Field, make_profile: Callable[..., Path], behaviour: dict[str, object]
) -> None:
    card = field(make_profile(**behaviour))
    reader = open_reader(card.uri)
    try:
        with reader.session() as session:
            assert session.run(read_card_info(session.atr)).nis == NIS
    finally:
        reader.close()


@pytest.mark.slow
@pytest.mark.parametrize("tear", [{"tear_after_apdus": 2}, {"leave_after_apdus": 2}],
                         ids=["while-an-answer-is-awaited", "right-after-an-answer"])
def test_card_removed_mid_read(field: Field, make_profile: Callable[..., Path],
                               tear: dict[str, int]) -> None:
    # The card answers RATS and two commands, then leaves the field.
    card = field(make_profile(**tear))
    reader = open_reader(card.uri)
    try:
        with reader.session() as session, pytest.raises(CardRemoved) as caught:
            session.run(read_card_info(session.atr))
        assert caught.value.code == "CARD_REMOVED"
    finally:
        reader.close()
    done = run_kiosk("card", "info", "--reader", card.uri, "--json")
    assert (done.returncode, json.loads(done.stdout)["error"]["code"]) == (1, "NO_CARD")


def test_reset_returns_the_atr_and_forgets_the_selection(
    field: Field, make_profile: Callable[..., Path]
) -> None:
    card = field(make_profile())
    reader = open_reader(card.uri)
    try:
        with reader.session() as session:
            session.run(read_card_info(session.atr))
            assert session.reset() == session.atr
            assert session.transmit(Command(0x00, 0xB0, 0x00, 0x00, le=12)).sw == 0x6986
    finally:
        reader.close()


def test_no_card() -> None:
    reader = open_reader(f"nfc:udp:127.0.0.1:{free_udp_port()}")
    try:
        with pytest.raises(NoCard), reader.session():
            pass
    finally:
        reader.close()


def test_no_device() -> None:
    reader = open_reader("nfc:tty:NoSuchPort:pn532")
    try:
        assert reader.readers() == []
        assert reader.poll(0.1) == []
        with pytest.raises(NoReader), reader.session():
            pass
    finally:
        reader.close()
    done = run_kiosk("card", "info", "--reader", "nfc:tty:NoSuchPort:pn532", "--json")
    assert (done.returncode, json.loads(done.stdout)["error"]["code"]) == (1, "NO_READER")


# -- the IAS flows, as over pcscd (tests/hardware/test_pcsc_ias.py) -------------------------


@pytest.mark.slow
def test_authentication_status_and_wrong_pin(field: Field, issued_card: Card,
                                             test_pki: Path) -> None:
    card = field(issued_card("Gemalto"))
    code, result = auth(card, test_pki, TEST_PIN)
    assert code == 0, result
    assert (result["codice_fiscale"], result["given_name"], result["surname"]) == (
        "RSSMRA95A58H501Z", "MARIA", "ROSSI")
    assert result["certificate"] == {"valid": True, "reason": None, "revocation": "unknown"}
    assert result["signature_valid"] is True
    assert auth(card, test_pki, "00000000") == (
        1, {"error": {"code": "WRONG_PIN", "message": "wrong PIN", "tries_left": 2}})
    code, status = kiosk_card(card, "status")
    assert (code, status["chip_family"], status["pin_tries_left"], status["puk_tries_left"]) == (
        0, "Gemalto", 2, 10)


@pytest.mark.slow
def test_change_pin(field: Field, issued_card: Card, test_pki: Path) -> None:
    card = field(issued_card())
    code, result = kiosk_card(card, "change-pin",
                              stdin=f"{TEST_PIN}\n{TEST_NEW_PIN}\n{TEST_NEW_PIN}\n")
    assert (code, result["pin_changed"]) == (0, True)
    assert auth(card, test_pki, TEST_NEW_PIN)[0] == 0
    code, result = auth(card, test_pki, TEST_PIN)
    assert (code, result["error"]["code"], result["error"]["tries_left"]) == (1, "WRONG_PIN", 2)


@pytest.mark.slow
@pytest.mark.parametrize("tear", [9, 20])
def test_removal_during_authentication_then_a_clean_retry(
    field: Field, issued_card: Card, test_pki: Path, tear: int
) -> None:
    """Torn during DH and during the protected reads respectively."""
    card = field(issued_card(name="torn", tear_after_apdus=tear))
    code, result = auth(card, test_pki, TEST_PIN)
    assert (code, result["error"]["code"]) == (1, "CARD_REMOVED")
    card = field(issued_card(name="again"))
    code, result = auth(card, test_pki, TEST_PIN)
    assert code == 0, result


@pytest.mark.slow
def test_no_secret_in_the_debug_log(field: Field, issued_card: Card, test_pki: Path,
                                    tmp_path: Path) -> None:
    """nfcpy logs every frame at DEBUG; the driver keeps it quiet."""
    card = field(issued_card())
    done = run_kiosk("--log-level", "DEBUG", "card", "auth", "--reader", card.uri,
                     "--trust", str(test_pki), stdin=f"{TEST_PIN}\n")
    assert done.returncode == 0, done.stderr
    assert "APDU 0C 20 00 81" in done.stderr
    (tmp_path / "transcript.txt").write_text(done.stdout + done.stderr)
    assert findings(tmp_path, [TEST_PIN, TEST_PUK, TEST_NEW_PIN]) == []


@pytest.mark.slow
def test_identity_with_pace_and_bac_over_nfc(field: Field, issued_card: Card,
                                             test_pki: Path) -> None:
    """The ICAO flow over nfcpy: PACE's extended GENERAL AUTHENTICATE, chained I-blocks."""
    card = field(issued_card())
    code, result = kiosk_card(card, "read-id", "--anchors", str(test_pki), stdin="123456\n")
    assert code == 0, result
    assert (result["codice_fiscale"], result["access"], result["passive_auth"],
            result["chip_auth"]) == ("RSSMRA95A58H501Z", "PACE", "trusted", "passed")
    code, result = kiosk_card(card, "read-id", "--bac", "--anchors", str(test_pki),
                              stdin=f"CA00000AA 950118 {result['date_of_expiry']}\n")
    assert (code, result["access"]) == (0, "BAC")
    code, result = kiosk_card(card, "read-id", stdin="000000\n")
    assert (code, result["error"]["code"]) == (1, "WRONG_CAN")
