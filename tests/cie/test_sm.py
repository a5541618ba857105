"""Secure messaging against a card side written here from pycryptodome primitives.

Nothing below calls kiosk.cie.des or kiosk.cie.tlv to build an expected value: a mistake shared by
the channel and its helpers would otherwise cancel out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from Crypto.Cipher import DES, DES3

from kiosk.cie.apdu import Command, Response
from kiosk.cie.des import encrypt_3des
from kiosk.cie.errors import SmError
from kiosk.cie.sm import SecureChannel, ias_session_keys, ssc_from_challenges

K_ENC = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
K_MAC = bytes.fromhex("89ABCDEF01234567F0E1D2C3B4A59687")
START = 0x00000000000000FE  # close to a byte boundary, so a wrong carry shows


def ref_pad(data: bytes) -> bytes:
    return data + b"\x80" + bytes(-(len(data) + 1) % 8)


def ref_mac(key: bytes, data: bytes) -> bytes:
    chain = DES.new(key[:8], DES.MODE_CBC, iv=bytes(8)).encrypt(ref_pad(data))[-8:]
    return DES.new(key[:8], DES.MODE_ECB).encrypt(DES.new(key[8:], DES.MODE_ECB).decrypt(chain))


def ref_encrypt(data: bytes, key: bytes = K_ENC) -> bytes:
    return DES3.new(key, DES3.MODE_CBC, iv=bytes(8)).encrypt(ref_pad(data))


def ref_object(tag: int, value: bytes) -> bytes:
    size = len(value)
    length = bytes((size,)) if size < 0x80 else bytes((0x81, size))
    return bytes((tag,)) + length + value


def ref_objects(body: bytes) -> Iterator[tuple[int, bytes]]:
    """Single-byte tags and lengths below 256: all a protected command of ours may hold."""
    pos = 0
    while pos < len(body):
        tag, size = body[pos], body[pos + 1]
        pos += 2
        if size == 0x81:
            size, pos = body[pos], pos + 1
        yield tag, body[pos : pos + size]
        pos += size


def card_opens(raw: bytes, ssc: int) -> tuple[bytes, bytes, bytes | None]:
    """What a card does with a protected command: check it and return header, data and DO97."""
    header, lc = raw[:4], raw[4]
    body, le = raw[5 : 5 + lc], raw[5 + lc :]
    assert le == b"\x00", "the SM APDU's own Le is always 00"
    objects = list(ref_objects(body))
    assert objects[-1][0] == 0x8E
    signed = ssc.to_bytes(8, "big") + ref_pad(header) + body[:-10]
    assert ref_mac(K_MAC, signed) == objects[-1][1], "MAC with the expected SSC"
    values = dict(objects[:-1])
    data = b""
    if 0x87 in values:
        assert values[0x87][0] == 0x01
        data = DES3.new(K_ENC, DES3.MODE_CBC, iv=bytes(8)).decrypt(values[0x87][1:])
    elif 0x85 in values:
        data = DES3.new(K_ENC, DES3.MODE_CBC, iv=bytes(8)).decrypt(values[0x85])
    if data:
        data = data.rstrip(b"\x00")[:-1]
    return header, data, values.get(0x97)


def card_answers(ssc: int, data: bytes = b"", sw: int = 0x9000, outer: int = 0x9000) -> Response:
    objects = ref_object(0x87, b"\x01" + ref_encrypt(data)) if data else b""
    objects += ref_object(0x99, sw.to_bytes(2, "big"))
    mac = ref_mac(K_MAC, ssc.to_bytes(8, "big") + objects)
    return Response(objects + ref_object(0x8E, mac), outer)


def channel(start: int = START) -> SecureChannel:
    return SecureChannel(K_ENC, K_MAC, start.to_bytes(8, "big"))


def test_icao_bac_worked_example() -> None:
    # ICAO 9303-11 Appendix D.4: SELECT EF.COM, then READ BINARY of its first 4 bytes.
    k_enc = bytes.fromhex("979EC13B1CBFE9DCD01AB0FED307EAE5")
    k_mac = bytes.fromhex("F1CB1F1FB5ADF208806B89DC579DC1F8")
    ssc = 0x887022120C06C226
    select = bytes.fromhex("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800")
    select_answer = bytes.fromhex("990290008E08FA855A5D4C50A8ED9000")
    read = bytes.fromhex("0CB000000D9701048E08ED6705417E96BA5500")
    read_answer = bytes.fromhex("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000")
    # The published values, checked first against pycryptodome.
    cryptogram = ref_encrypt(b"\x01\x1e", k_enc)
    assert select[8:16] == cryptogram
    assert select[18:26] == ref_mac(
        k_mac, (ssc + 1).to_bytes(8, "big") + ref_pad(select[:4]) + select[5:16]
    )
    assert select_answer[6:14] == ref_mac(k_mac, (ssc + 2).to_bytes(8, "big") + select_answer[:4])
    assert read_answer[17:25] == ref_mac(k_mac, (ssc + 4).to_bytes(8, "big") + read_answer[:15])

    sm = SecureChannel(k_enc, k_mac, ssc.to_bytes(8, "big"))
    assert [c.encode() for c in sm.protect(Command(0x00, 0xA4, 0x02, 0x0C, b"\x01\x1e"))] == [
        select
    ]
    assert sm.unprotect(Response.parse(select_answer)) == Response(b"", 0x9000)
    assert [c.encode() for c in sm.protect(Command(0x00, 0xB0, 0x00, 0x00, le=4))] == [read]
    assert sm.unprotect(Response.parse(read_answer)) == Response(bytes.fromhex("60145F01"), 0x9000)
    assert sm.ssc == (ssc + 4).to_bytes(8, "big")


def test_ias_keys_and_first_counter() -> None:
    secret = bytes(range(256))
    k_enc, k_mac = ias_session_keys(secret)
    assert k_enc == hashlib.sha256(secret + bytes.fromhex("00000001")).digest()[:16]
    assert k_mac == hashlib.sha256(secret + bytes.fromhex("00000002")).digest()[:16]
    sm = SecureChannel.for_ias(secret)
    assert sm.ssc == bytes.fromhex("0000000000000001")


def test_counter_after_dapp() -> None:
    rnd_icc, rnd_ifd = bytes.fromhex("0102030405060708"), bytes.fromhex("1112131415161718")
    assert ssc_from_challenges(rnd_icc, rnd_ifd) == bytes.fromhex("0506070815161718")
    sm = channel()
    sm.reset_ssc(ssc_from_challenges(rnd_icc, rnd_ifd))
    [command] = sm.protect(Command(0x00, 0x20, 0x00, 0x81, b"12345678"))
    assert card_opens(command.encode(), 0x0506070815161719)[1] == b"12345678"
    with pytest.raises(ValueError, match="8 bytes"):
        ssc_from_challenges(rnd_icc[:4], rnd_ifd)


@pytest.mark.parametrize(
    ("le", "do97"),
    [(None, None), (8, b"\x08"), (256, b"\x00"), (0x1000, b"\x10\x00"), (65536, b"\x00\x00")],
)
def test_even_ins_carries_do87_and_le_in_do97(le: int | None, do97: bytes | None) -> None:
    [command] = channel().protect(Command(0x00, 0x88, 0x00, 0x00, b"\xaa" * 8, le=le))
    raw = command.encode()
    assert raw[:4] == bytes.fromhex("0C880000")
    assert raw[5:8] == bytes.fromhex("871101")
    assert card_opens(raw, START + 1) == (raw[:4], b"\xaa" * 8, do97)


def test_odd_ins_carries_do85_and_no_data_no_cryptogram() -> None:
    [odd] = channel().protect(Command(0x00, 0xB1, 0x00, 0x00, bytes.fromhex("54020000"), le=256))
    assert odd.encode()[5:7] == bytes.fromhex("8508")
    assert card_opens(odd.encode(), START + 1)[1] == bytes.fromhex("54020000")
    [bare] = channel().protect(Command(0x00, 0x84, 0x00, 0x00, le=8))
    assert bare.encode()[4:8] == bytes.fromhex("0D970108")


def test_chained_command_uses_two_counter_values_per_piece() -> None:
    data = bytes(i % 251 for i in range(500))
    sm = channel()
    pieces = sm.protect(Command(0x00, 0x2A, 0x00, 0xAE, data, le=256))
    assert [p.cla for p in pieces] == [0x1C, 0x1C, 0x0C]
    opened = [card_opens(p.encode(), START + 1 + 2 * i) for i, p in enumerate(pieces)]
    assert [len(d) for _, d, _ in opened] == [231, 231, 38]
    assert b"".join(d for _, d, _ in opened) == data
    assert [le for _, _, le in opened] == [None, None, b"\x00"]
    assert sm.unprotect(card_answers(START + 2)) == Response(b"", 0x9000)
    assert sm.unprotect(card_answers(START + 4)) == Response(b"", 0x9000)
    assert sm.unprotect(card_answers(START + 6, b"done")) == Response(b"done", 0x9000)
    assert sm.ssc == (START + 6).to_bytes(8, "big")


def test_an_error_on_a_piece_ends_the_chain() -> None:
    sm = channel()
    pieces = sm.protect(Command(0x00, 0x82, 0x00, 0x00, bytes(300)))
    assert len(pieces) == 2
    assert sm.unprotect(card_answers(START + 2, sw=0x6A80)) == Response(b"", 0x6A80)
    [next_command] = sm.protect(Command(0x00, 0x84, 0x00, 0x00, le=8))
    card_opens(next_command.encode(), START + 3)


def test_protected_error_status_and_end_of_file() -> None:
    sm = channel()
    sm.protect(Command(0x00, 0x20, 0x00, 0x81, b"00000000"))
    assert sm.unprotect(card_answers(START + 2, sw=0x63C2)) == Response(b"", 0x63C2)
    sm.protect(Command(0x00, 0xB0, 0x00, 0x00, le=0x80))
    eof = card_answers(START + 4, b"x" * 200, sw=0x6282, outer=0x6282)
    assert sm.unprotect(eof) == Response(b"x" * 200, 0x6282)


def test_answer_without_do99_keeps_the_outer_status() -> None:
    objects = ref_object(0x87, b"\x01" + ref_encrypt(b"abc"))
    mac = ref_mac(K_MAC, (START + 2).to_bytes(8, "big") + objects)
    sm = channel()
    sm.protect(Command(0x00, 0xB0, 0x00, 0x00, le=3))
    assert sm.unprotect(Response(objects + ref_object(0x8E, mac), 0x9000)) == Response(
        b"abc", 0x9000
    )


def test_plain_error_is_returned_and_still_counts() -> None:
    sm = channel()
    sm.protect(Command(0x00, 0x20, 0x00, 0x81, b"00000000"))
    assert sm.unprotect(Response(b"", 0x6982)) == Response(b"", 0x6982)
    assert sm.ssc == (START + 2).to_bytes(8, "big")
    [command] = sm.protect(Command(0x00, 0x84, 0x00, 0x00, le=8))
    card_opens(command.encode(), START + 3)


def test_tampered_mac_is_an_sm_error_and_closes_the_channel() -> None:
    sm = channel()
    sm.protect(Command(0x00, 0xB0, 0x00, 0x00, le=4))
    good = card_answers(START + 2, b"data")
    forged = Response(good.data[:-1] + bytes((good.data[-1] ^ 1,)), 0x9000)
    with pytest.raises(SmError) as caught:
        sm.unprotect(forged)
    assert caught.value.code == "SM_ERROR"
    with pytest.raises(SmError):
        sm.protect(Command(0x00, 0x84, 0x00, 0x00, le=8))


def test_answer_checked_with_a_stale_counter_fails() -> None:
    sm = channel()
    sm.protect(Command(0x00, 0x84, 0x00, 0x00, le=8))
    with pytest.raises(SmError):
        sm.unprotect(card_answers(START + 1, b"12345678"))


def signed_answer(objects: bytes, ssc: int = START + 2) -> Response:
    """An answer with a valid MAC over malformed objects: only the parser can refuse it."""
    mac = ref_mac(K_MAC, ssc.to_bytes(8, "big") + objects)
    return Response(objects + ref_object(0x8E, mac), 0x9000)


@pytest.mark.parametrize(
    "answer",
    [
        Response(b"", 0x9000),  # plain 9000 where a protected one was due
        signed_answer(ref_object(0x99, b"\x90\x00\x00")),  # status of three bytes
        signed_answer(ref_object(0x87, b"\x02" + ref_encrypt(b"abc"))),  # padding indicator 02
        signed_answer(ref_object(0x87, b"\x01" + bytes(7))),  # cryptogram not whole blocks
        signed_answer(ref_object(0x87, b"\x01")),  # empty cryptogram
        signed_answer(
            ref_object(
                0x87, b"\x01" + DES3.new(K_ENC, DES3.MODE_CBC, iv=bytes(8)).encrypt(bytes(8))
            )
        ),  # no ISO padding inside
        signed_answer(ref_object(0x99, b"\x90\x00") + ref_object(0x87, b"\x01" + bytes(8))),
        signed_answer(ref_object(0x99, b"\x90\x00") * 2),  # duplicate status
        signed_answer(ref_object(0x53, b"\x00")),  # unknown object
        signed_answer(b""),  # MAC alone
        Response(ref_object(0x99, b"\x90\x00"), 0x9000),  # no MAC
        Response(ref_object(0x99, b"\x90\x00") + ref_object(0x8E, bytes(4)), 0x9000),  # short MAC
        Response(ref_object(0x8E, bytes(8)) + ref_object(0x99, b"\x90\x00"), 0x9000),  # MAC first
    ],
)
def test_malformed_answers_are_sm_errors(answer: Response) -> None:
    sm = channel()
    sm.protect(Command(0x00, 0xB0, 0x00, 0x00, le=4))
    with pytest.raises(SmError):
        sm.unprotect(answer)


def test_every_truncation_is_an_sm_error_never_a_crash() -> None:
    good = card_answers(START + 2, b"y" * 150, sw=0x9000)
    for cut in range(len(good.data)):
        sm = channel()
        sm.protect(Command(0x00, 0xB0, 0x00, 0x00, le=150))
        with pytest.raises(SmError):
            sm.unprotect(Response(good.data[:cut], 0x9000))


def test_secret_is_wrapped_from_buffers_that_are_wiped(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bytearray] = []

    def spying_encrypt(key: bytes, data: bytes | bytearray) -> bytes:
        assert isinstance(data, bytearray)
        seen.append(data)
        return encrypt_3des(key, data)

    real_protect = SecureChannel._protect

    def spying_protect(self: SecureChannel, command: Command, data: memoryview) -> list[Command]:
        assert isinstance(data.obj, bytearray)
        seen.append(data.obj)
        return real_protect(self, command, data)

    monkeypatch.setattr("kiosk.cie.sm.encrypt_3des", spying_encrypt)
    monkeypatch.setattr(SecureChannel, "_protect", spying_protect)
    old, new = bytearray(b"12345678"), bytearray(b"87654321")
    header = Command(0x00, 0x24, 0x00, 0x81)
    [command] = channel().protect_secret(header, memoryview(old), new)
    assert card_opens(command.encode(), START + 1)[1] == b"1234567887654321"
    assert seen and all(buffer == bytes(len(buffer)) for buffer in seen)
    assert old == b"12345678"  # the caller's buffers are the caller's to wipe
    with pytest.raises(ValueError, match="carry none"):
        channel().protect_secret(Command(0x00, 0x20, 0x00, 0x81, b"1"), old)


def test_commands_and_answers_must_alternate() -> None:
    sm = channel()
    with pytest.raises(RuntimeError, match="waiting"):
        sm.unprotect(Response(b"", 0x9000))
    sm.protect(Command(0x00, 0x84, 0x00, 0x00, le=8))
    with pytest.raises(RuntimeError, match="not been answered"):
        sm.protect(Command(0x00, 0x84, 0x00, 0x00, le=8))
    assert sm.unprotect(card_answers(START + 2, b"12345678")).data == b"12345678"
    assert sm.ssc == (START + 2).to_bytes(8, "big")
