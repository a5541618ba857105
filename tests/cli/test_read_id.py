"""``kiosk card read-id``: PACE with the CAN (or BAC), the data groups, passive and chip
authentication, against the virtual CIE in-process and through a real pcscd."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from kiosk.cie import icao
from kiosk.cie.errors import CieError
from kiosk.cie.link import CardLink
from kiosk.cie.secret import Secret
from kiosk.hardware.reader import CardReader
from kiosk.hardware.virtual import VirtualDriver
from kiosk.sim.card import VirtualCie
from kiosk.sim.profile import CardProfile
from tests.conftest import CardProcess, run_kiosk
from tests.pcsc_daemon import PrivatePcscd

Card = Callable[..., Path]
CAN = "123456"
IDENTITY = {
    "given_name": "MARIA",
    "surname": "ROSSI",
    "codice_fiscale": "RSSMRA95A58H501Z",
    "date_of_birth": "1995-01-18",
    "document_number": "CA00000AA",
}


def read_id(reader: str, *args: str, stdin: str = f"{CAN}\n") -> tuple[int, dict[str, Any]]:
    done = run_kiosk("card", "read-id", "--reader", reader, "--json", *args, stdin=stdin)
    return done.returncode, json.loads(done.stdout)


def edited(profile: Path, key: str, change: Callable[[bytes], bytes]) -> Path:
    document = json.loads(profile.read_text())
    document["files"][key] = change(bytes.fromhex(document["files"][key])).hex()
    profile.write_text(json.dumps(document))
    return profile


def test_identity_with_the_can(issued_card: Card, test_pki: Path, tmp_path: Path) -> None:
    photo = tmp_path / "face.jp2"
    code, result = read_id(
        f"sim:{issued_card()}", "--anchors", str(test_pki), "--photo", str(photo)
    )
    assert code == 0, result
    assert {key: result[key] for key in IDENTITY} == IDENTITY
    assert (result["access"], result["passive_auth"], result["chip_auth"]) == (
        "PACE",
        "trusted",
        "passed",
    )
    assert set(result["data_groups"].values()) == {"match"}
    assert {"01", "02", "0B", "0E"} <= set(result["data_groups"])
    with Image.open(io.BytesIO(photo.read_bytes())) as image:
        image.load()
        assert image.format == "JPEG2000" and min(image.size) >= 200


def test_a_test_card_is_untrusted_under_the_italian_csca(issued_card: Card) -> None:
    code, result = read_id(f"sim:{issued_card()}")
    assert (code, result["passive_auth"], result["chip_auth"]) == (1, "untrusted", "passed")


def test_bac_with_the_mrz(issued_card: Card, test_pki: Path) -> None:
    profile = issued_card()
    _, first = read_id(f"sim:{profile}", "--anchors", str(test_pki))
    key = f"{first['document_number']} 950118 {first['date_of_expiry']}"
    code, result = read_id(f"sim:{profile}", "--bac", "--anchors", str(test_pki), stdin=key + "\n")
    assert code == 0, result
    assert (result["access"], result["codice_fiscale"]) == ("BAC", "RSSMRA95A58H501Z")
    code, result = read_id(
        f"sim:{profile}", "--bac", stdin=f"CA00000AB 950118 {first['date_of_expiry']}\n"
    )
    assert (code, result["error"]["code"]) == (1, "WRONG_MRZ")


def test_wrong_can(issued_card: Card) -> None:
    code, result = read_id(f"sim:{issued_card()}", stdin="654321\n")
    assert (code, result["error"]["code"]) == (1, "WRONG_CAN")
    code, result = read_id(f"sim:{issued_card()}", stdin="12345\n")
    assert code == 2


def test_a_tampered_data_group_is_a_mismatch(issued_card: Card, test_pki: Path) -> None:
    profile = edited(issued_card(), "icao:010B", lambda dg: dg.replace(b"ROSSI", b"RUSSO"))
    code, result = read_id(f"sim:{profile}", "--anchors", str(test_pki))
    assert code == 1
    assert result["data_groups"]["0B"] == "mismatch"
    assert result["data_groups"]["01"] == "match"
    assert result["passive_auth"] == "invalid"


def test_a_chip_whose_key_is_not_dg14s_fails_chip_authentication(
    issued_card: Card, test_pki: Path
) -> None:
    code, result = read_id(f"sim:{issued_card(chip_key_mismatch=True)}", "--anchors", str(test_pki))
    assert (code, result["chip_auth"], result["passive_auth"]) == (1, "failed", "trusted")


def test_removal_mid_read(issued_card: Card) -> None:
    code, result = read_id(f"sim:{issued_card(tear_after_apdus=12)}")
    assert (code, result["error"]["code"]) == (1, "CARD_REMOVED")


def test_extended_length_reads(issued_card: Card, test_pki: Path) -> None:
    code, result = read_id(f"sim:{issued_card()}", "--extended", "--anchors", str(test_pki))
    assert (code, result["passive_auth"]) == (0, "trusted")


def _short_apdu_reader(profile: Path) -> CardReader:
    driver = VirtualDriver(extended_apdus=False)
    driver.insert(VirtualCie(CardProfile.load(profile)))
    return CardReader(driver)


def test_a_reader_without_extended_apdus_gets_a_clear_error(issued_card: Card) -> None:
    reader = _short_apdu_reader(issued_card())
    with reader.session() as session, pytest.raises(CieError) as caught:
        session.run(icao.read_identity(Secret.from_digits(bytearray(CAN.encode()))))
    assert caught.value.code == "READER_NO_EXTENDED_APDU"


def test_two_reads_on_one_card_session_run_one_pace(issued_card: Card) -> None:
    """Reading the identity, then what a ticket needs, is one PACE: the second read goes on
    with the channel chip authentication left, on the same card session."""
    driver = VirtualDriver()
    card = VirtualCie(CardProfile.load(issued_card()))
    sent: list[bytes] = []
    real = card.apdu

    def logged(raw: bytes) -> bytes | None:
        sent.append(raw)
        return real(raw)

    card.apdu = logged  # type: ignore[method-assign]
    driver.insert(card)
    link = CardLink()
    with CardReader(driver).session() as session:
        for _ in range(2):
            read = session.run(icao.read_identity(
                Secret.from_digits(bytearray(CAN.encode())), link=link))
            assert read.chip_authentication.result.value == "passed"
    assert sum(raw[:4] == bytes.fromhex("0022C1A4") for raw in sent) == 1  # MSE SET AT: PACE
    assert link.opened == 1 and link.icao is not None and link.icao.usable
    link.wipe()
    assert link.icao is None


@pytest.mark.pcscd
@pytest.mark.slow
def test_through_pcscd(
    pcscd: PrivatePcscd, lay_card: Callable[..., CardProcess], issued_card: Card, test_pki: Path
) -> None:
    profile = issued_card("Gemalto")
    lay_card(profile)
    reader = f"pcsc:{pcscd.reader}"
    code, result = read_id(reader, "--anchors", str(test_pki))
    assert code == 0, result
    assert {key: result[key] for key in IDENTITY} == IDENTITY
    code, result = read_id(
        reader,
        "--bac",
        "--anchors",
        str(test_pki),
        stdin=f"CA00000AA 950118 {result['date_of_expiry']}\n",
    )
    assert (code, result["access"]) == (0, "BAC")
    code, result = read_id(reader, stdin="000000\n")
    assert (code, result["error"]["code"]) == (1, "WRONG_CAN")
    code, result = read_id(reader, "--extended", "--anchors", str(test_pki))
    assert code == 0, result


@pytest.mark.pcscd
def test_removal_mid_read_through_pcscd(
    pcscd: PrivatePcscd, lay_card: Callable[..., CardProcess], issued_card: Card
) -> None:
    lay_card(issued_card(tear_after_apdus=15))
    code, result = read_id(f"pcsc:{pcscd.reader}")
    assert (code, result["error"]["code"]) == (1, "CARD_REMOVED")
