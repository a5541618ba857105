"""The virtual CIE's ICAO applet driven with hand-built APDUs (tests/sim/icao_terminal.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from asn1crypto import cms
from Crypto.Util.number import isPrime
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from PIL import Image

from kiosk.sim import pki, rfc5114
from kiosk.sim.card import VirtualCie
from kiosk.sim.issuing import issue
from kiosk.sim.profile import Behaviours, CardProfile
from tests.sim.icao_terminal import ICAO_AID, OK, IcaoTerminal
from tests.sim.terminal import parse

CAN = "271828"
BIRTH = dt.date(1995, 1, 18)
EXPIRY = dt.date(2034, 1, 18)
# Document number, birth date, expiry, each with its check digit (ICAO 9303-3 §4.9, by hand).
MRZ_INFORMATION = "CA00000AA4" + "9501186" + "3401181"
GROUPS = {"0101": 1, "0102": 2, "010B": 11, "010C": 12, "010E": 14}
SECURITY = b"\x69\x82"


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pki.TestPki]:
    authority = pki.new()
    path = tmp_path_factory.mktemp("icao") / "card.json"
    issue(authority, can=CAN, expiry=EXPIRY).save(path)
    return path, authority


@pytest.fixture
def fresh(
    issued: tuple[Path, pki.TestPki], tmp_path: Path
) -> Callable[..., IcaoTerminal]:
    def make(**behaviours: object) -> IcaoTerminal:
        path = tmp_path / "card.json"
        shutil.copy(issued[0], path)
        profile = CardProfile.load(path)
        if behaviours:
            profile.behaviours = Behaviours.model_validate(behaviours)
        return IcaoTerminal(VirtualCie(profile))

    return make


def files(terminal: IcaoTerminal) -> dict[str, bytes]:
    return terminal.card.profile.files


def open_lds(terminal: IcaoTerminal) -> None:
    assert terminal.pace(CAN) == OK
    assert terminal.send("A4040C", ICAO_AID) == (b"", OK)


# -- the group and EF.CardAccess ---------------------------------------------------------------


def test_the_pace_group_is_rfc_5114s_2048_bit_group_with_a_256_bit_subgroup() -> None:
    assert rfc5114.P.bit_length() == 2048 and rfc5114.Q.bit_length() == 256
    assert isPrime(rfc5114.P) and isPrime(rfc5114.Q)
    assert (rfc5114.P - 1) % rfc5114.Q == 0 and pow(rfc5114.G, rfc5114.Q, rfc5114.P) == 1


def test_ef_cardaccess_is_a_real_cards_and_readable_in_plain(
    fresh: Callable[..., IcaoTerminal],
) -> None:
    terminal = fresh()
    real = bytes.fromhex("31 14 30 12 06 0A 04 00 7F 00 07 02 02 04 01 01 02 01 02 02 01 02")
    assert terminal.plain("00A4000C023F00")[1] == OK
    assert terminal.plain("00A4020C02011C")[1] == OK
    assert terminal.plain("00B0000000") == (real, b"\x62\x82")
    assert terminal.plain("00B09C0016") == (real, OK)


# -- PACE ------------------------------------------------------------------------------------


@pytest.mark.parametrize("parameter_id", [True, False])
def test_pace_with_the_can_opens_secure_messaging(
    fresh: Callable[..., IcaoTerminal], parameter_id: bool
) -> None:
    terminal = fresh()
    assert terminal.pace(CAN, parameter_id=parameter_id) == OK
    assert terminal.send("A4040C", ICAO_AID) == (b"", OK)
    assert terminal.read("0101") == files(terminal)["icao:0101"]


def test_a_wrong_can_fails_at_the_last_step_with_6300_and_opens_nothing(
    fresh: Callable[..., IcaoTerminal],
) -> None:
    terminal = fresh()
    assert terminal.pace("000000") == b"\x63\x00"
    terminal.k_enc = terminal.k_mac = bytes(range(16))  # whatever the terminal would guess
    wrapped = terminal.wrap(bytes.fromhex("0CA4040C"), ICAO_AID, None)
    assert terminal.raw(wrapped) == b"\x68\x82"  # no channel to unwrap it
    assert terminal.pace(CAN) == OK  # and a CAN has no try counter to run down


def test_pace_steps_out_of_order_are_refused(fresh: Callable[..., IcaoTerminal]) -> None:
    terminal = fresh()
    assert terminal.plain("10860000027C0000")[1] == b"\x69\x85"  # no MSE SET AT
    mse = bytes.fromhex("0022C1A40F800A04007F00070202040101830102")
    assert terminal.plain(mse)[1] == OK
    assert terminal.plain("00860000027C0000")[1] == b"\x69\x85"  # GA1 without chaining


def test_pace_with_the_mrz_or_another_protocol_is_refused(
    fresh: Callable[..., IcaoTerminal],
) -> None:
    terminal = fresh()
    assert terminal.plain("0022C1A40F800A04007F00070202040101830101")[1] == b"\x6a\x88"
    assert terminal.plain("0022C1A40F800A04007F00070202040202830102")[1] == b"\x6a\x80"


def test_ga2_answers_in_one_piece_to_an_extended_le_and_through_61xx_to_a_short_one(
    fresh: Callable[..., IcaoTerminal],
) -> None:
    terminal = fresh()
    assert terminal.plain("0022C1A40F800A04007F00070202040101830102")[1] == OK
    assert terminal.plain("10860000027C0000")[1] == OK
    mapping = pow(rfc5114.G, 5, rfc5114.P).to_bytes(256, "big")
    body = bytes.fromhex("7C 82 01 04 81 82 01 00") + mapping
    answer = terminal.raw(bytes.fromhex("10860000000108") + body + b"\x00\x00")
    assert answer[-2:] == OK and len(answer) == 266
    terminal = fresh()
    assert terminal.plain("0022C1A40F800A04007F00070202040101830102")[1] == OK
    assert terminal.plain("10860000027C0000")[1] == OK
    answer = terminal.raw(bytes.fromhex("10860000000108") + body)
    assert answer[-2] == 0x61


def test_a_mapping_key_outside_the_subgroup_is_refused(fresh: Callable[..., IcaoTerminal]) -> None:
    terminal = fresh()
    assert terminal.plain("0022C1A40F800A04007F00070202040101830102")[1] == OK
    assert terminal.plain("10860000027C0000")[1] == OK
    order_two = (rfc5114.P - 1).to_bytes(256, "big")
    body = bytes.fromhex("7C 82 01 04 81 82 01 00") + order_two
    assert terminal.raw(bytes.fromhex("10860000000108") + body + b"\x00\x00") == b"\x6a\x80"


# -- BAC -------------------------------------------------------------------------------------


def test_bac_with_the_mrz_opens_secure_messaging(fresh: Callable[..., IcaoTerminal]) -> None:
    terminal = fresh()
    assert terminal.bac(MRZ_INFORMATION) == OK
    assert terminal.read("010B") == files(terminal)["icao:010B"]


def test_bac_with_a_wrong_mrz_fails_with_6300(fresh: Callable[..., IcaoTerminal]) -> None:
    terminal = fresh()
    assert terminal.bac(MRZ_INFORMATION.replace("9501186", "9501197")) == b"\x63\x00"
    assert terminal.plain("0082000028" + "00" * 40 + "28")[1] == b"\x69\x85"  # challenge used


# -- access to the LDS -----------------------------------------------------------------------


def test_data_groups_are_not_readable_in_plain(fresh: Callable[..., IcaoTerminal]) -> None:
    terminal = fresh()
    assert terminal.plain(bytes.fromhex("00A4040C07") + ICAO_AID)[1] == OK
    assert terminal.plain("00B0810004")[1] == SECURITY
    assert terminal.plain("00A4020C020101")[1] == OK
    assert terminal.plain("00B0000004")[1] == SECURITY


def test_an_ias_channel_does_not_open_the_lds(fresh: Callable[..., IcaoTerminal]) -> None:
    terminal = fresh()
    terminal.key_agreement()  # DH needs no password: it must not unlock the data groups
    assert terminal.send("A4040C", ICAO_AID) == (b"", OK)
    assert terminal.send("B08100", le=4) == (b"", SECURITY)


def test_every_file_reads_under_sm_and_answers_stay_within_231_bytes(
    fresh: Callable[..., IcaoTerminal],
) -> None:
    terminal = fresh()
    open_lds(terminal)
    for fid in ("011E", *GROUPS, "011D"):
        assert terminal.read(fid) == files(terminal)[f"icao:{fid}"]
    assert terminal.send("A4020C", bytes.fromhex("0102")) == (b"", OK)
    piece, sw = terminal.send("B00000", le=256)
    assert sw == OK and len(piece) == 0xE7


def test_ef_com_lists_the_groups_on_the_card(fresh: Callable[..., IcaoTerminal]) -> None:
    terminal = fresh()
    com = parse(files(terminal)["icao:011E"])[0x60]
    inner = parse(com)
    assert inner[0x5F01] == b"0107" and inner[0x5F36] == b"040000"
    assert inner[0x5C] == bytes.fromhex("61 75 6B 6C 6E")


# -- contents --------------------------------------------------------------------------------


def test_dg1_holds_a_td1_mrz_with_valid_check_digits(fresh: Callable[..., IcaoTerminal]) -> None:
    mrz = parse(parse(files(fresh())["icao:0101"])[0x61])[0x5F1F].decode("ascii")
    lines = [mrz[i : i + 30] for i in range(0, 90, 30)]
    assert lines[0] == "C<ITACA00000AA4<<<<<<<<<<<<<<<"
    assert lines[1][:18] == "9501186F3401181ITA"
    assert lines[2] == "ROSSI<<MARIA".ljust(30, "<")

    def digit(text: str) -> str:
        values = [int(c) if c.isdigit() else 0 if c == "<" else ord(c) - 55 for c in text]
        return str(sum(v * (7, 3, 1)[i % 3] for i, v in enumerate(values)) % 10)

    composite = lines[0][5:] + lines[1][:7] + lines[1][8:15] + lines[1][18:29]
    assert lines[1][29] == digit(composite)


def test_dg11_and_dg12_carry_the_personal_and_document_details(
    fresh: Callable[..., IcaoTerminal],
) -> None:
    dg11 = parse(parse(files(fresh())["icao:010B"])[0x6B])
    assert dg11[0x5F0E] == b"ROSSI<<MARIA" and dg11[0x5F10] == b"RSSMRA95A58H501Z"
    assert dg11[0x5F2B] == b"19950118" and dg11[0x5C] == bytes.fromhex("5F0E5F105F2B5F115F42")
    dg12 = parse(parse(files(fresh())["icao:010C"])[0x6C])
    assert dg12[0x5F26] == dt.date.today().strftime("%Y%m%d").encode()
    assert dg12[0x5F19]


def test_dg2_is_a_facial_record_with_a_jpeg_2000_face(fresh: Callable[..., IcaoTerminal]) -> None:
    terminal = fresh()
    open_lds(terminal)
    group = parse(parse(terminal.read("0102"))[0x75])[0x7F61]
    assert parse(group)[0x02] == b"\x01"
    instance = parse(parse(group)[0x7F60])
    header = parse(instance[0xA1])
    assert header[0x81] == b"\x02" and header[0x87] == b"\x01\x01" and header[0x88] == b"\x00\x08"
    record = instance[0x5F2E]
    assert record[:8] == b"FAC\x00010\x00" and int.from_bytes(record[8:12], "big") == len(record)
    assert record[14 + 6] == 2  # female, like the codice fiscale says
    image = record[14 + 20 + 12 :]
    assert record[14 + 20 + 1] == 1  # JPEG 2000
    assert image[:12] == bytes.fromhex("0000000C6A5020200D0A870A")
    assert 5_000 < len(image) < 15_000
    with Image.open(io.BytesIO(image)) as face:
        face.load()
        assert face.size == (240, 320)


# -- passive authentication -------------------------------------------------------------------


def security_object(sod: bytes) -> cms.SignedData:
    return cms.ContentInfo.load(parse(sod)[0x77])["content"]


def test_ef_sod_signs_every_data_group_and_verifies(
    fresh: Callable[..., IcaoTerminal], issued: tuple[Path, pki.TestPki]
) -> None:
    terminal = fresh()
    open_lds(terminal)
    signed = security_object(terminal.read("011D"))
    signer = signed["signer_infos"][0]
    content = signed["encap_content_info"]["content"].contents
    attributes = {a["type"].native: a["values"][0].native for a in signer["signed_attrs"]}
    assert attributes["message_digest"] == hashlib.sha512(content).digest()
    certificate = issued[1].document_signer.certificate
    public = certificate.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    public.verify(
        signer["signature"].native,
        b"\x31" + signer["signed_attrs"].dump()[1:],  # signed as a SET, stored as [0]
        padding.PSS(padding.MGF1(hashes.SHA512()), 64),
        hashes.SHA512(),
    )
    certificate.verify_directly_issued_by(issued[1].csca.certificate)
    from kiosk.sim.sod import LdsSecurityObject  # the structure only, to read the hashes

    hashes_by_group = {
        entry["data_group_number"].native: entry["data_group_hash_value"].native
        for entry in LdsSecurityObject.load(content)["data_group_hash_values"]
    }
    assert sorted(hashes_by_group) == sorted(GROUPS.values())
    for fid, group in GROUPS.items():
        assert hashes_by_group[group] == hashlib.sha512(terminal.read(fid)).digest()


def test_a_data_group_tampered_in_the_profile_no_longer_matches_ef_sod(
    fresh: Callable[..., IcaoTerminal],
) -> None:
    terminal = fresh()
    path = terminal.card.profile.path
    assert path is not None
    text = path.read_text()
    dg11 = files(terminal)["icao:010B"].hex().upper()
    path.write_text(text.replace(dg11, dg11.replace("524F535349", "524F535359")))  # ROSSY
    terminal = IcaoTerminal(VirtualCie(CardProfile.load(path)))
    open_lds(terminal)
    content = security_object(terminal.read("011D"))["encap_content_info"]["content"].contents
    assert hashlib.sha512(terminal.read("010B")).digest() not in content


# -- chip authentication --------------------------------------------------------------------


def test_chip_authentication_with_the_dg14_key_switches_to_new_keys(
    fresh: Callable[..., IcaoTerminal],
) -> None:
    terminal = fresh()
    open_lds(terminal)
    assert terminal.chip_authentication(terminal.read("010E")) == OK
    assert terminal.ssc == 0
    assert terminal.read("0101") == files(terminal)["icao:0101"]


def test_chip_authentication_after_bac_works_too(fresh: Callable[..., IcaoTerminal]) -> None:
    terminal = fresh()
    assert terminal.bac(MRZ_INFORMATION) == OK
    assert terminal.chip_authentication(terminal.read("010E")) == OK
    assert terminal.read("010C") == files(terminal)["icao:010C"]


def test_a_chip_whose_key_is_not_dg14s_fails_under_the_new_keys(
    fresh: Callable[..., IcaoTerminal],
) -> None:
    terminal = fresh(chip_key_mismatch=True)
    open_lds(terminal)
    assert terminal.chip_authentication(terminal.read("010E")) == OK  # said under the old keys
    wrapped = terminal.wrap(bytes.fromhex("0CA4020C"), bytes.fromhex("0101"), None)
    assert terminal.raw(wrapped) == b"\x69\x88"  # the card cannot verify our MAC
    assert terminal.card.apdu(wrapped) == b"\x68\x82"  # and the channel is gone


# -- what the profile keeps -----------------------------------------------------------------


def test_the_profile_keeps_no_can_digits_only_the_derived_key(
    issued: tuple[Path, pki.TestPki],
) -> None:
    text = issued[0].read_text()
    assert CAN not in text and CAN.encode().hex() not in text.lower()
    profile = CardProfile.load(issued[0])
    assert profile.icao is not None
    k_pi = hashlib.sha1(CAN.encode() + b"\x00\x00\x00\x03").digest()[:16]
    assert profile.icao.pace_key == k_pi
    assert profile.identity["date_of_birth"] == BIRTH.isoformat()
    assert profile.identity["expiry"] == EXPIRY.isoformat()
