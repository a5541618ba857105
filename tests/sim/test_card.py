"""The virtual CIE answers the plain-read APDUs of PROTOCOL.md §1-2 byte for byte, on every
chip family. APDUs are written out as hex, as the clients send them, not built with the
terminal's codec."""

from __future__ import annotations

import pytest

from kiosk.sim import families
from kiosk.sim.apdu import parse
from kiosk.sim.card import VirtualCie
from kiosk.sim.profile import Behaviours, new_profile

NIS = b"910718464654"
IAS_AID_SELECT = "00 A4 04 0C 0D A0 00 00 00 30 80 00 00 00 09 81 60 01"
CIE_DF_SELECT = "00 A4 04 0C 06 A0 00 00 00 00 39"

# The ATRs PROTOCOL.md §1.1 gives in full (NXP's published one is marked truncated there).
PUBLISHED_ATRS = {
    "Gemalto": "3B 8F 80 01 80 31 80 65 B0 85 04 00 11 12 0F FF 82 90 00 8A",
    "STM": "3B 8B 80 01 80 66 47 50 00 B8 00 7F 82 90 00 2E",
    "STM2": "3B 80 80 01 01",
    "STM3": "3B 8B 80 01 80 66 47 50 00 B8 00 94 82 90 00 C5",
}
# The TCK column of the same table, for the families whose middle bytes it elides.
PUBLISHED_TCK = {"Actalis": 0x88, "Actalis 2023": 0x8A, "Actalis B946": 0x85,
                 "Bit4id": 0x8B, "Bit4id 2023": 0x8D, "Bit4id B9547": 0x80}


def card(family: str = "NXP", **behaviours: object) -> VirtualCie:
    profile = new_profile(family)
    profile.behaviours = Behaviours.model_validate(behaviours)
    return VirtualCie(profile)


def send(c: VirtualCie, apdu: str) -> str:
    answer = c.apdu(bytes.fromhex(apdu))
    assert answer is not None
    return answer.hex(" ").upper()


@pytest.mark.parametrize("family", sorted(PUBLISHED_ATRS))
def test_atr_is_the_published_one(family: str) -> None:
    assert card(family).atr == bytes.fromhex(PUBLISHED_ATRS[family])


@pytest.mark.parametrize("family", sorted(PUBLISHED_TCK))
def test_atr_checksum_matches_the_published_table(family: str) -> None:
    assert card(family).atr[-1] == PUBLISHED_TCK[family]


@pytest.mark.parametrize("family", families.FAMILIES)
class TestEveryFamily:
    def test_ias_by_aid_and_by_mf(self, family: str) -> None:
        c = card(family)
        assert send(c, IAS_AID_SELECT) == "90 00"
        assert send(c, "00 A4 00 00") == "90 00"

    def test_ef_sn_icc_holds_the_nis_in_bcd(self, family: str) -> None:
        c = card(family)
        send(c, IAS_AID_SELECT)
        fcp = send(c, "00 A4 02 04 02 D0 03")
        assert fcp.startswith("62 ") and fcp.endswith("90 00")
        answer = bytes.fromhex(send(c, "00 B0 00 00 0C"))
        assert answer[-2:] == b"\x90\x00"
        assert answer[5:11].hex() == NIS.decode()

    def test_nis_by_sfi(self, family: str) -> None:
        c = card(family)
        send(c, IAS_AID_SELECT)
        assert send(c, CIE_DF_SELECT) == "90 00"
        assert bytes.fromhex(send(c, "00 B0 81 00 0C")) == NIS + b"\x90\x00"

    def test_nis_by_fid(self, family: str) -> None:
        c = card(family)
        send(c, "00 A4 00 00")
        send(c, "00 A4 04 04 06 A0 00 00 00 00 39")
        assert send(c, "00 A4 02 0C 02 10 01") == "90 00"
        assert bytes.fromhex(send(c, "00 B0 00 00 0C")) == NIS + b"\x90\x00"

    def test_ef_atr_by_fid_and_by_sfi(self, family: str) -> None:
        c = card(family)
        ef_atr = families.ef_atr_for(family)
        send(c, "00 A4 00 0C 02 3F 00")
        assert send(c, "00 A4 02 0C 02 2F 01") == "90 00"
        assert bytes.fromhex(send(c, "00 B0 00 00 00")) == ef_atr + b"\x62\x82"
        c.reset()
        answer = bytes.fromhex(send(c, f"00 B0 9D 00 {len(ef_atr):02X}"))
        assert answer == ef_atr + b"\x90\x00"


def test_read_crossing_the_end_gives_6282_and_past_it_6b00() -> None:
    c = card()
    send(c, CIE_DF_SELECT)
    send(c, "00 A4 02 0C 02 10 01")
    assert bytes.fromhex(send(c, "00 B0 00 08 10")) == NIS[8:] + b"\x62\x82"
    assert send(c, "00 B0 00 0C 01") == "6B 00"
    assert send(c, "00 B0 00 40 01") == "6B 00"


@pytest.mark.parametrize(
    ("apdu", "sw"),
    [
        ("00 A4 04 0C 06 A0 00 00 00 00 99", "6A 82"),  # unknown AID
        ("00 A4 02 0C 02 12 34", "6A 82"),  # unknown EF
        ("00 B0 9F 00 01", "6A 82"),  # unknown SFI
        ("00 A4 04 0C 00", "6A 82"),  # no AID given: nothing to select
        ("00 A4 04 7F 06 A0 00 00 00 00 39", "6A 86"),  # P2 neither 00, 04 nor 0C
        ("00 A4 08 0C 02 3F 00", "6A 86"),  # select by path: not supported
        ("00 B0 00 00 0C", "69 86"),  # no current EF
        ("00 B0 00 00", "67 00"),  # READ BINARY without Le
        ("00 12 00 00", "6D 00"),  # unknown instruction
        ("80 B0 00 00 01", "6E 00"),  # class not supported
        ("00 A4", "67 00"),  # too short
        ("00 A4 04 0C 06 A0 00", "67 00"),  # Lc longer than the data
        ("00 C0 00 00 10", "69 85"),  # GET RESPONSE with nothing pending
    ],
)
def test_error_status_words(apdu: str, sw: str) -> None:
    assert send(card(), apdu) == sw


def test_extended_length_apdus_are_understood() -> None:
    c = card()
    assert send(c, "00 A4 04 0C 00 00 06 A0 00 00 00 00 39") == "90 00"
    assert bytes.fromhex(send(c, "00 B0 81 00 00 00 0C")) == NIS + b"\x90\x00"


def test_parse_cases() -> None:
    assert parse(bytes.fromhex("00 B0 00 00 00")).le == 256
    assert parse(bytes.fromhex("00 B0 00 00 00 00 00")).le == 65536
    command = parse(bytes.fromhex("00 22 41 A6 02 AA BB 00"))
    assert (command.data, command.le) == (b"\xaa\xbb", 256)


def test_long_answers_go_through_61xx_and_get_response() -> None:
    c = card(max_response=5)
    send(c, CIE_DF_SELECT)
    assert send(c, "00 B0 81 00 0C") == "39 31 30 37 31 61 07"
    assert bytes.fromhex(send(c, "00 C0 00 00 07")) == NIS[5:] + b"\x90\x00"
    assert send(c, "00 C0 00 00 07") == "69 85"


def test_wrong_le_gets_6cxx_when_the_profile_says_so() -> None:
    c = card(wrong_le="6Cxx")
    send(c, CIE_DF_SELECT)
    assert send(c, "00 B0 81 00 20") == "6C 0C"
    assert bytes.fromhex(send(c, "00 B0 81 00 0C")) == NIS + b"\x90\x00"


def test_tear_after_n_apdus() -> None:
    c = card(tear_after_apdus=2)
    assert c.apdu(bytes.fromhex(IAS_AID_SELECT)) is not None
    assert c.apdu(bytes.fromhex(CIE_DF_SELECT)) is not None
    assert c.apdu(bytes.fromhex("00 B0 81 00 0C")) is None


def test_reset_forgets_the_current_file() -> None:
    c = card()
    send(c, CIE_DF_SELECT)
    send(c, "00 A4 02 0C 02 10 01")
    c.reset()
    assert send(c, "00 B0 00 00 0C") == "69 86"


def test_every_family_says_which_table_it_comes_from() -> None:
    assert set(families.SOURCES) == set(families.FAMILIES)
    opencie_only = {f for f, source in families.SOURCES.items() if "opencie" in source}
    assert opencie_only == {"Actalis B946"}
