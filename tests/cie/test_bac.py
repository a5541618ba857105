"""BAC against the worked example of ICAO 9303-11 Appendix D (D.1-D.4)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kiosk.cie import bac
from kiosk.cie.apdu import Command, Response
from kiosk.cie.errors import ProtocolError, WrongMrz
from kiosk.cie.flow import drive
from kiosk.cie.mrz import MrzKey, check_digit
from kiosk.cie.sm import SecureChannel

MRZ = MrzKey("L898902C", "690806", "940623")
RND_ICC = bytes.fromhex("4608F91988702212")
RND_IFD = bytes.fromhex("781723860C06C226")
K_IFD = bytes.fromhex("0B795240CB7049B01C19B33E32804F0B")
MUTUAL_AUTHENTICATE = bytes.fromhex(
    "008200002872C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A728"
)
CARD_ANSWER = bytes.fromhex(
    "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449"
)
# D.4: the first protected command of the session, SELECT EF.COM.
SELECT_EF_COM = bytes.fromhex("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800")


def appendix_d_random() -> Callable[[int], bytes]:
    draws = [RND_IFD, K_IFD]
    return lambda size: draws.pop(0)


def card(*answers: Response) -> tuple[list[bytes], Callable[[Command], Response]]:
    sent: list[bytes] = []
    queue = list(answers)

    def exchange(command: Command) -> Response:
        sent.append(command.encode())
        return queue.pop(0)

    return sent, exchange


def test_check_digits_and_mrz_information() -> None:
    assert [check_digit(f) for f in ("L898902C<", "690806", "940623")] == ["3", "1", "6"]
    assert MRZ.information() == b"L898902C<369080619406236"
    assert repr(MRZ) == "<MRZ key>"


def test_key_seed() -> None:
    assert bac.key_seed(MRZ) == bytes.fromhex("239AB9CB282DAF66231DC5A4DF6BFBAE")


def test_appendix_d_session() -> None:
    sent, exchange = card(Response(RND_ICC, 0x9000), Response(CARD_ANSWER, 0x9000))
    channel = drive(bac.establish(MRZ, appendix_d_random()), exchange)
    assert sent == [bytes.fromhex("0084000008"), MUTUAL_AUTHENTICATE]
    assert isinstance(channel, SecureChannel)
    assert channel.ssc == bytes.fromhex("887022120C06C226")
    # Session keys KS_enc/KS_mac and SSC as published: the first protected command matches.
    [select] = channel.protect(Command(0x00, 0xA4, 0x02, 0x0C, bytes.fromhex("011E")))
    assert select.encode() == SELECT_EF_COM


@pytest.mark.parametrize("sw", [0x6300, 0x6982])
def test_wrong_mrz(sw: int) -> None:
    _, exchange = card(Response(RND_ICC, 0x9000), Response(b"", sw))
    with pytest.raises(WrongMrz) as caught:
        drive(bac.establish(MRZ, appendix_d_random()), exchange)
    assert caught.value.code == "WRONG_MRZ"


@pytest.mark.parametrize("index", [0, 17, 31, 32, 39])
def test_tampered_card_answer_is_refused(index: int) -> None:
    tampered = bytearray(CARD_ANSWER)
    tampered[index] ^= 0x01
    _, exchange = card(Response(RND_ICC, 0x9000), Response(bytes(tampered), 0x9000))
    with pytest.raises(ProtocolError):
        drive(bac.establish(MRZ, appendix_d_random()), exchange)


@pytest.mark.parametrize(
    "answers",
    [
        [Response(b"", 0x6D00)],
        [Response(RND_ICC[:7], 0x9000)],
        [Response(RND_ICC, 0x9000), Response(CARD_ANSWER[:39], 0x9000)],
        [Response(RND_ICC, 0x9000), Response(b"", 0x6A80)],
    ],
)
def test_other_refusals_are_protocol_errors(answers: list[Response]) -> None:
    _, exchange = card(*answers)
    with pytest.raises(ProtocolError):
        drive(bac.establish(MRZ, appendix_d_random()), exchange)


def test_challenge_not_returned_is_refused() -> None:
    _, exchange = card(Response(bytes(8), 0x9000), Response(CARD_ANSWER, 0x9000))
    with pytest.raises(ProtocolError):
        drive(bac.establish(MRZ, appendix_d_random()), exchange)


@pytest.mark.parametrize(
    ("number", "birth", "expiry"),
    [
        ("", "690806", "940623"),
        ("l898902c", "690806", "940623"),
        ("L898902C", "6908", "940623"),
        ("L898902C", "690806", "94O623"),
        ("L898902C", "690806", "\uff19\uff14\uff10\uff16\uff12\uff13"),  # full-width
    ],
)
def test_bad_mrz_keys_fail_when_built(number: str, birth: str, expiry: str) -> None:
    with pytest.raises(ValueError):
        MrzKey(number, birth, expiry)
