"""EF.CardAccess: the real CIE vector, other PACE variants named, malformed files coded."""

from __future__ import annotations

import base64
import random
from collections.abc import Callable, Iterator

import pytest
from asn1crypto import core

from kiosk.cie.apdu import Command, Response
from kiosk.cie.card_access import (
    PACE_DH_GM_3DES,
    PaceInfo,
    choose_pace,
    parse_card_access,
    read_card_access,
)
from kiosk.cie.errors import CieError, PaceUnsupported, SecurityInfosMalformed
from kiosk.cie.flow import drive
from kiosk.cie.security_infos import protocol_name

REAL_CIE = base64.b64decode("MRQwEgYKBAB/AAcCAgQBAQIBAgIBAg==")


def der(tag: int, content: bytes) -> bytes:
    return bytes((tag, len(content))) + content


def pace_info(oid: str, version: int, parameter_id: int | None = None) -> bytes:
    body = core.ObjectIdentifier(oid).dump() + core.Integer(version).dump()
    if parameter_id is not None:
        body += core.Integer(parameter_id).dump()
    return der(0x30, body)


def security_infos(*infos: bytes) -> bytes:
    return der(0x31, b"".join(infos))


def test_real_cie_card_access() -> None:
    assert REAL_CIE.hex().upper() == "31143012060A04007F00070202040101020102020102"
    [info] = parse_card_access(REAL_CIE)
    assert info == PaceInfo("0.4.0.127.0.7.2.2.4.1.1", 2, 2)
    assert info.protocol == PACE_DH_GM_3DES
    assert info.name == "id-PACE-DH-GM-3DES-CBC-CBC v2, parameterId 2"
    assert info.supported
    assert choose_pace([info]) is info


@pytest.mark.parametrize(
    ("oid", "name"),
    [
        ("0.4.0.127.0.7.2.2.4.2.2", "id-PACE-ECDH-GM-AES-CBC-CMAC-128"),
        ("0.4.0.127.0.7.2.2.4.1.2", "id-PACE-DH-GM-AES-CBC-CMAC-128"),
        ("0.4.0.127.0.7.2.2.4.3.1", "id-PACE-DH-IM-3DES-CBC-CBC"),
        ("0.4.0.127.0.7.2.2.4.4.4", "id-PACE-ECDH-IM-AES-CBC-CMAC-256"),
        ("0.4.0.127.0.7.2.2.4.6.3", "id-PACE-ECDH-CAM-AES-CBC-CMAC-192"),
        ("0.4.0.127.0.7.2.2.4.9.9", "0.4.0.127.0.7.2.2.4.9.9"),
    ],
)
def test_other_variants_are_reported_by_name(oid: str, name: str) -> None:
    assert protocol_name(oid) == name
    offered = parse_card_access(security_infos(pace_info(oid, 2, 13)))
    with pytest.raises(PaceUnsupported) as caught:
        choose_pace(offered)
    assert name in str(caught.value)
    assert caught.value.code == "PACE_UNSUPPORTED"
    assert caught.value.details()["variant"] == f"{name} v2, parameterId 13"


@pytest.mark.parametrize(("version", "parameter_id"), [(1, 2), (2, 0), (2, None)])
def test_only_version_2_with_parameter_id_2_is_supported(
    version: int, parameter_id: int | None
) -> None:
    [info] = parse_card_access(security_infos(pace_info(PACE_DH_GM_3DES, version, parameter_id)))
    assert not info.supported


def test_supported_variant_is_chosen_among_others_and_non_pace_entries_skipped() -> None:
    data = security_infos(
        pace_info("0.4.0.127.0.7.2.2.4.2.2", 2, 13),
        pace_info("0.4.0.127.0.7.2.2.3.1.1", 1),  # a ChipAuthenticationInfo
        pace_info(PACE_DH_GM_3DES, 2, 2),
    )
    offered = parse_card_access(data)
    assert [info.protocol for info in offered] == ["0.4.0.127.0.7.2.2.4.2.2", PACE_DH_GM_3DES]
    assert choose_pace(offered).protocol == PACE_DH_GM_3DES


def test_no_pace_info_at_all() -> None:
    with pytest.raises(PaceUnsupported, match="no PACEInfo"):
        choose_pace(parse_card_access(security_infos()))


def mutations(data: bytes, count: int) -> Iterator[bytes]:
    rng = random.Random(4)
    for size in range(len(data)):
        yield data[:size]
    for _ in range(count):
        mutated = bytearray(data)
        mutated[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        yield bytes(mutated)


def test_malformed_card_access_is_a_coded_error() -> None:
    failures = 0
    for data in mutations(REAL_CIE, 300):
        try:
            choose_pace(parse_card_access(data))
        except CieError as error:
            assert isinstance(error, (SecurityInfosMalformed, PaceUnsupported))
            failures += 1
    assert failures > 0


def scripted(*answers: Response) -> tuple[list[bytes], Callable[[Command], Response]]:
    sent: list[bytes] = []
    queue = list(answers)

    def exchange(command: Command) -> Response:
        sent.append(command.encode())
        return queue.pop(0)

    return sent, exchange


def test_read_card_access_selects_the_mf_first() -> None:
    sent, exchange = scripted(
        Response(b"", 0x9000), Response(b"", 0x9000), Response(REAL_CIE, 0x6282)
    )
    assert drive(read_card_access(), exchange) == REAL_CIE
    assert sent[:2] == [bytes.fromhex("00A4000C023F00"), bytes.fromhex("00A4020C02011C")]


def test_missing_card_access_is_none() -> None:
    _, exchange = scripted(Response(b"", 0x9000), Response(b"", 0x6A82))
    assert drive(read_card_access(), exchange) is None
