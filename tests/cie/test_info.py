"""The card-info flow against the in-process virtual card, and against hostile answers."""

from __future__ import annotations

import random

import pytest

from kiosk.cie.apdu import Command, Response
from kiosk.cie.atr import ChipFamily
from kiosk.cie.errors import CieError, NotACie, ProtocolError
from kiosk.cie.flow import drive
from kiosk.cie.info import read_card_info
from kiosk.sim import families
from kiosk.sim.card import VirtualCie
from kiosk.sim.profile import CardProfile, new_profile

NIS = "910718464654"


def exchange_with(card: VirtualCie, log: list[bytes] | None = None):  # type: ignore[no-untyped-def]
    def exchange(command: Command) -> Response:
        raw = command.encode()
        if log is not None:
            log.append(raw)
        answer = card.apdu(raw)
        assert answer is not None
        return Response.parse(answer)
    return exchange


@pytest.mark.parametrize("family", families.FAMILIES)
def test_info_on_every_family(family: str) -> None:
    card = VirtualCie(new_profile(family))
    sent: list[bytes] = []
    info = drive(read_card_info(card.atr), exchange_with(card, sent))
    assert (info.family, info.nis) == (ChipFamily(family), NIS)
    assert sent[-1] == bytes.fromhex("00B081000C")
    assert sent[-2] == bytes.fromhex("00A4040C06A00000000039")
    expected_ias = "00A40000" if family.startswith(("NXP", "Actalis", "Bit4id")) else (
        "00A4040C0DA0000000308000000009816001")
    assert sent[0] == bytes.fromhex(expected_ias)


def test_unknown_atr_falls_back_to_ef_atr() -> None:
    profile = new_profile("Gemalto")
    profile.atr = bytes.fromhex("3B8880014B494F534B3030316D")
    card = VirtualCie(profile)
    info = drive(read_card_info(card.atr), exchange_with(card))
    assert (info.family, info.nis) == (ChipFamily.GEMALTO, NIS)


def generic_card() -> VirtualCie:
    return VirtualCie(CardProfile(family="generic", atr=bytes.fromhex("3B80800100"),
                                  files={"mf:2F00": b"\x00"}))


def test_a_card_without_the_cie_applications_is_not_a_cie() -> None:
    card = generic_card()
    with pytest.raises(NotACie) as caught:
        drive(read_card_info(card.atr), exchange_with(card))
    assert caught.value.code == "NOT_A_CIE"


def test_a_nis_that_is_not_twelve_digits_is_not_a_cie() -> None:
    profile = new_profile()
    profile.files["cie:1001"] = b"ABCDEFGHIJKL"
    card = VirtualCie(profile)
    with pytest.raises(NotACie):
        drive(read_card_info(card.atr), exchange_with(card))


def test_a_refused_read_is_a_protocol_error_with_its_status_word() -> None:
    def refuse_reads(command: Command) -> Response:
        return Response(b"", 0x6982 if command.ins == 0xB0 else 0x9000)
    with pytest.raises(ProtocolError) as caught:
        drive(read_card_info(bytes.fromhex("3B8F800180318065B085040011120FFF8290008A")),
              refuse_reads)
    assert caught.value.details()["sw"] == "6982"


@pytest.mark.parametrize("seed", range(200))
def test_hostile_answers_give_a_coded_error_or_a_result(seed: int) -> None:
    """Like h11's fuzz invariant: whatever the card says, the flow returns or raises CieError."""
    rng = random.Random(seed)
    honest = VirtualCie(new_profile(rng.choice(families.FAMILIES)))

    def garble(command: Command) -> Response:
        answer = honest.apdu(command.encode()) or b""
        mutation = rng.randrange(4)
        if mutation == 0:
            answer = answer[: rng.randrange(len(answer) + 1)]
        elif mutation == 1 and answer:
            i = rng.randrange(len(answer))
            answer = answer[:i] + bytes((rng.randrange(256),)) + answer[i + 1 :]
        elif mutation == 2:
            answer = rng.randbytes(rng.randrange(300))
        return Response.parse(answer)

    try:
        info = drive(read_card_info(honest.atr), garble)
    except CieError as error:
        assert error.code in {"NOT_A_CIE", "PROTOCOL_ERROR"}
    else:
        assert len(info.nis) == 12 and info.nis.isdigit()
