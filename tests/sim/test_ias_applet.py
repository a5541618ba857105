"""The virtual CIE's IAS applet driven with hand-built APDUs (tests/sim/terminal.py)."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.serialization import load_der_public_key

from kiosk.sim import issuing, pki
from kiosk.sim.card import VirtualCie
from kiosk.sim.profile import Behaviours, CardProfile
from tests.sim.terminal import CHR_IFD, SELECT_CIE, Terminal, parse, retail_mac, tlv

OK = b"\x90\x00"
PIN, PUK = issuing.DEMO_PIN.encode(), issuing.DEMO_PUK.encode()
WRONG_PIN, WRONG_PUK = b"00000000", b"99999999"
SHA256_DIGEST_INFO = bytes.fromhex("3031300D060960864801650304020105000420")
SIGN_WITH_81 = bytes.fromhex("800102840181")
SIGN_WITH_83 = bytes.fromhex("800102840183")


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One card per family, issued once: key generation is the slow part."""
    authority = pki.new()
    folder = tmp_path_factory.mktemp("issued")
    made = {}
    for family in ("NXP", "Gemalto"):
        path = folder / f"{family}.json"
        issuing.issue(authority, family=family).save(path)
        made[family] = path
    return made


@pytest.fixture
def fresh(issued: dict[str, Path], tmp_path: Path) -> Callable[..., Terminal]:
    """A copy of an issued card in its own file, and a terminal in front of it."""

    def make(family: str = "NXP", **behaviours: object) -> Terminal:
        path = tmp_path / f"{family}.json"
        shutil.copy(issued[family], path)
        profile = CardProfile.load(path)
        if behaviours:
            profile.behaviours = Behaviours.model_validate(behaviours)
        return Terminal(VirtualCie(profile))

    return make


def saved_pins(terminal: Terminal) -> tuple[int, int]:
    path = terminal.card.profile.path
    assert path is not None
    pins = CardProfile.load(path).pins
    assert pins is not None
    return pins.pin_tries, pins.puk_tries


def test_the_test_mac_matches_the_icao_worked_example() -> None:
    key = bytes.fromhex("7962D9ECE03D1ACD4C76089DCE131543")
    message = bytes.fromhex("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2")
    assert retail_mac(key, message).hex().upper() == "5F1448EEA8AD90A7"


# -- plain phase and DH -----------------------------------------------------------------------


@pytest.mark.parametrize("family", ["NXP", "Gemalto"])
def test_both_forms_of_the_dh_get_data_are_answered_by_default(
    fresh: Callable[..., Terminal], family: str
) -> None:
    terminal = fresh(family)
    single, sw = terminal.plain("00CB3FFF0A4D087006BFA10102A380")
    assert sw == OK
    domain = parse(parse(parse(single)[0x70])[0xBFA101])[0xA3]
    for tag in (0x97, 0x98, 0x99):
        one, sw = terminal.plain(f"00CB3FFF0C4D0A7008BFA10104A302{tag:02X}00")
        assert sw == OK
        assert parse(parse(parse(parse(one)[0x70])[0xBFA101])[0xA3])[tag] == parse(domain)[tag]
    p, q = (int.from_bytes(parse(domain)[tag], "big") for tag in (0x98, 0x99))
    assert p.bit_length() == 2048 and (p - 1) % q == 0


@pytest.mark.parametrize(
    ("family", "refused"),
    [
        ("Gemalto", "00CB3FFF0C4D0A7008BFA10104A3029700"),
        ("NXP", "00CB3FFF0A4D087006BFA10102A380"),
    ],
)
def test_a_strict_card_answers_only_its_familys_form(
    fresh: Callable[..., Terminal], family: str, refused: str
) -> None:
    terminal = fresh(family, family_get_data_only=True)
    assert terminal.plain(refused) == (b"", b"\x6a\x88")
    terminal.key_agreement()  # the family's own form still works


def test_dh_gives_working_sm_keys_with_ssc_one(fresh: Callable[..., Terminal]) -> None:
    terminal = fresh()
    terminal.key_agreement()
    assert terminal.ssc == 1
    challenge, sw = terminal.send("840000", le=8)
    assert sw == OK and len(challenge) == 8
    assert terminal.ssc == 3  # one value for the command, one for the answer


def test_a_dh_value_outside_the_subgroup_is_refused(fresh: Callable[..., Terminal]) -> None:
    terminal = fresh()
    terminal.key_agreement()
    bogus = (int.from_bytes(terminal.p, "big") - 1).to_bytes(256, "big")
    data = bytes.fromhex("80019B830181") + tlv(0x91, bogus)
    assert terminal.raw(bytes.fromhex("102241A6FF") + data[:255]) == OK
    rest = data[255:]
    assert terminal.raw(bytes.fromhex("002241A6") + bytes((len(rest),)) + rest) == b"\x6a\x80"


def test_the_card_half_is_not_there_before_the_key_agreement(
    fresh: Callable[..., Terminal],
) -> None:
    assert fresh().plain("00CB3FFF064D04A6029100") == (b"", b"\x69\x85")


# -- secure messaging ------------------------------------------------------------------------


def test_a_wrong_mac_is_6988_and_ends_the_session(fresh: Callable[..., Terminal]) -> None:
    terminal = fresh()
    terminal.key_agreement()
    apdu = bytearray(terminal.wrap(bytes.fromhex("0C840000"), b"", 8))
    apdu[-2] ^= 0x01  # last MAC byte (before the trailing Le)
    assert terminal.raw(bytes(apdu)) == b"\x69\x88"
    # the keys are gone: even a correctly protected command is refused now
    assert terminal.raw(terminal.wrap(bytes.fromhex("0C840000"), b"", 8)) == b"\x68\x82"


def test_a_replayed_command_fails_its_mac(fresh: Callable[..., Terminal]) -> None:
    terminal = fresh()
    terminal.key_agreement()
    apdu = terminal.wrap(bytes.fromhex("0C840000"), b"", 8)
    assert terminal.raw(apdu)[-2:] == OK
    assert terminal.raw(apdu) == b"\x69\x88"


def test_the_session_lives_between_commands_until_a_new_key_agreement(
    fresh: Callable[..., Terminal],
) -> None:
    """The card keeps its channel while powered (any number of commands later), and a new
    DH ends it: a command protected with the old session's keys is refused."""
    terminal = fresh()
    terminal.key_agreement()
    for _ in range(5):
        assert terminal.send("840000", le=8)[1] == OK
    old = (terminal.k_enc, terminal.k_mac, terminal.ssc)
    terminal.key_agreement()
    terminal.k_enc, terminal.k_mac, terminal.ssc = old
    assert terminal.raw(terminal.wrap(bytes.fromhex("0C840000"), b"", 8)) == b"\x69\x88"


def test_a_command_out_of_sequence_is_refused(fresh: Callable[..., Terminal]) -> None:
    terminal = fresh()
    terminal.key_agreement()
    terminal.ssc += 2  # as if a command had been lost on the way: the counters disagree
    assert terminal.raw(terminal.wrap(bytes.fromhex("0C840000"), b"", 8)) == b"\x69\x88"


def test_sm_before_any_key_agreement_is_refused(fresh: Callable[..., Terminal]) -> None:
    assert fresh().raw(bytes.fromhex("0C8400000D970108" + "8E08" + "00" * 8 + "00")) == (
        b"\x68\x82"
    )


def test_unknown_classes_are_refused(fresh: Callable[..., Terminal]) -> None:
    assert fresh().raw(bytes.fromhex("80A4000C023F00")) == b"\x6e\x00"


def test_files_can_be_read_under_sm(fresh: Callable[..., Terminal]) -> None:
    terminal = fresh()
    terminal.open_session()
    assert terminal.send("A4040C", SELECT_CIE[5:]) == (b"", OK)
    assert terminal.send("A4020C", b"\x10\x02") == (b"", OK)
    assert terminal.send("B00000", le=9) == (b"CA00000AA", OK)


# -- DAPP ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("family", ["NXP", "Gemalto"])
def test_full_dapp(fresh: Callable[..., Terminal], family: str) -> None:
    terminal = fresh(family)
    terminal.open_session()  # checks the card's INTERNAL AUTHENTICATE itself
    # the restarted SSC is in step with the card
    assert terminal.send("200081") == (b"", b"\x63\xc3")


def test_a_cvc_with_a_wrong_signature_is_rejected(fresh: Callable[..., Terminal]) -> None:
    terminal = fresh()
    terminal.key_agreement()
    assert terminal.send("2281B6", bytes.fromhex("800141830184"), le=0) == (b"", OK)
    assert terminal.send("2A00AE", terminal.certificate(tamper=True)) == (b"", b"\x63\x00")
    # without an accepted certificate there is no key to check EXTERNAL AUTHENTICATE with
    assert terminal.send("2281A4", tlv(0x83, CHR_IFD)) == (b"", OK)
    rnd_icc, _ = terminal.send("840000", le=8)
    answer = terminal.send("820000", terminal.external_signature(rnd_icc))
    assert answer == (b"", b"\x69\x85")


def test_the_certificate_must_come_under_sm_after_mse_dst(fresh: Callable[..., Terminal]) -> None:
    terminal = fresh()
    terminal.key_agreement()
    assert terminal.send("2A00AE", terminal.certificate()) == (b"", b"\x69\x85")


def test_external_authenticate_must_bind_the_dh_values(fresh: Callable[..., Terminal]) -> None:
    terminal = fresh()
    terminal.key_agreement()
    assert terminal.send("2281B6", bytes.fromhex("800141830184"), le=0) == (b"", OK)
    assert terminal.send("2A00AE", terminal.certificate()) == (b"", OK)
    assert terminal.send("2281A4", tlv(0x83, CHR_IFD)) == (b"", OK)
    rnd_icc, _ = terminal.send("840000", le=8)
    other = bytes(256 - 1) + b"\x02"
    forged = terminal.external_signature(rnd_icc, pk_ifd=other)
    assert terminal.send("820000", forged) == (b"", b"\x63\x00")
    # the challenge was used up by the failed attempt
    good = terminal.external_signature(rnd_icc)
    assert terminal.send("820000", good) == (b"", b"\x69\x85")
    # and the card does not authenticate itself to an unauthenticated terminal
    assert terminal.send("2241A4", bytes.fromhex("84018280019B")) == (b"", OK)
    assert terminal.send("880000", bytes(8)) == (b"", b"\x69\x82")


# -- PIN and PUK --------------------------------------------------------------------------------


def test_pin_commands_need_the_dapp_channel(fresh: Callable[..., Terminal]) -> None:
    terminal = fresh()
    assert terminal.plain(b"\x00\x20\x00\x81\x08" + PIN) == (b"", b"\x69\x82")
    terminal.key_agreement()
    assert terminal.send("200081", PIN) == (b"", b"\x69\x82")  # SM, but no DAPP yet
    assert saved_pins(terminal) == (3, 10)


def test_wrong_pins_count_down_persist_and_block(fresh: Callable[..., Terminal]) -> None:
    terminal = fresh()
    terminal.open_session()
    assert terminal.send("200081", WRONG_PIN) == (b"", b"\x63\xc2")
    assert saved_pins(terminal) == (2, 10)
    assert terminal.send("200081", PIN) == (b"", OK)
    assert saved_pins(terminal) == (3, 10)
    for left in (2, 1, 0):
        assert terminal.send("200081", WRONG_PIN) == (b"", bytes((0x63, 0xC0 | left)))
        assert saved_pins(terminal) == (left, 10)
    assert terminal.send("200081", PIN) == (b"", b"\x69\x83")
    assert terminal.send("200081") == (b"", b"\x69\x83")


def test_empty_verify_tells_the_tries_without_spending_one(
    fresh: Callable[..., Terminal],
) -> None:
    terminal = fresh()
    terminal.open_session()
    assert terminal.send("200081", WRONG_PIN) == (b"", b"\x63\xc2")
    assert terminal.send("200081") == (b"", b"\x63\xc2")
    assert terminal.send("200082") == (b"", b"\x63\xca")
    assert saved_pins(terminal) == (2, 10)
    assert terminal.send("200081", PIN) == (b"", OK)
    assert terminal.send("200081") == (b"", OK)


def test_a_card_without_empty_verify_says_wrong_length(fresh: Callable[..., Terminal]) -> None:
    terminal = fresh(empty_verify=False)
    terminal.open_session()
    assert terminal.send("200081") == (b"", b"\x67\x00")


@pytest.mark.parametrize(
    ("family", "override", "plain"),
    [
        ("NXP", None, False),
        ("Gemalto", None, True),
        ("NXP", "plain", True),
        ("Gemalto", "protected", False),
    ],
)
def test_where_a_wrong_pin_status_goes(
    fresh: Callable[..., Terminal], family: str, override: str | None, plain: bool
) -> None:
    terminal = fresh(family, pin_errors=override)
    terminal.open_session()
    answer = terminal.raw(terminal.wrap(bytes.fromhex("0C200081"), WRONG_PIN, None))
    terminal.ssc += 1
    if plain:
        assert answer == b"\x63\xc2"
    else:
        assert answer[-2:] == OK and parse(answer[:-2])[0x99] == b"\x63\xc2"
    assert terminal.send("200081", PIN) == (b"", OK)  # the counters stayed in step


def test_change_reference_data(fresh: Callable[..., Terminal]) -> None:
    terminal = fresh()
    terminal.open_session()
    assert terminal.send("240081", WRONG_PIN + b"11223344") == (b"", b"\x63\xc2")
    assert terminal.send("240081", PIN + b"1122334") == (b"", b"\x67\x00")
    assert terminal.send("240081", PIN + b"11223344") == (b"", OK)
    assert terminal.send("200081", PIN) == (b"", b"\x63\xc2")
    assert terminal.send("200081", b"11223344") == (b"", OK)
    path = terminal.card.profile.path
    assert path is not None
    pins = CardProfile.load(path).pins
    assert pins is not None and pins.matches(b"11223344", is_pin=True)
    assert b"11223344" not in path.read_bytes()


def test_puk_unblocks_and_sets_a_new_pin(fresh: Callable[..., Terminal]) -> None:
    terminal = fresh()
    terminal.open_session()
    for _ in range(3):
        terminal.send("200081", WRONG_PIN)
    assert terminal.send("2C0281", b"44445555") == (b"", b"\x69\x82")  # no PUK yet
    assert terminal.send("200082", WRONG_PUK) == (b"", b"\x63\xc9")
    assert terminal.send("200082", PUK) == (b"", OK)
    assert saved_pins(terminal) == (0, 10)
    assert terminal.send("2C0281", b"44445555") == (b"", OK)
    assert saved_pins(terminal) == (3, 10)
    assert terminal.send("2C0381") == (b"", b"\x69\x82")  # one PUK proof, one unblock
    assert terminal.send("200081", b"44445555") == (b"", OK)


def test_reset_retry_counter_03_keeps_the_pin(fresh: Callable[..., Terminal]) -> None:
    terminal = fresh()
    terminal.open_session()
    for _ in range(3):
        terminal.send("200081", WRONG_PIN)
    assert terminal.send("200082", PUK) == (b"", OK)
    assert terminal.send("2C0381") == (b"", OK)
    assert terminal.send("200081", PIN) == (b"", OK)


def test_ten_wrong_puks_end_the_digital_identity_for_good(
    fresh: Callable[..., Terminal],
) -> None:
    terminal = fresh()
    terminal.open_session()
    for left in range(9, -1, -1):
        assert terminal.send("200082", WRONG_PUK) == (b"", bytes((0x63, 0xC0 | left)))
    assert saved_pins(terminal) == (3, 0)
    assert terminal.send("200082", PUK) == (b"", b"\x69\x83")
    path = terminal.card.profile.path
    assert path is not None
    again = Terminal(VirtualCie(CardProfile.load(path)))  # a new day, the same card
    again.open_session()
    assert again.send("200082", PUK) == (b"", b"\x69\x83")
    assert again.send("200081", PIN) == (b"", b"\x69\x83")
    assert again.send("2C0381") == (b"", b"\x69\x82")


# -- keys 81 and 83 -----------------------------------------------------------------------------


def test_key_81_signs_only_after_the_pin(fresh: Callable[..., Terminal]) -> None:
    terminal = fresh()
    terminal.open_session()
    digest = hashlib.sha256(b"nonce from the back-office").digest()
    assert terminal.send("2241A4", SIGN_WITH_81) == (b"", OK)
    assert terminal.send("880000", SHA256_DIGEST_INFO + digest) == (b"", b"\x69\x82")
    assert terminal.send("200081", PIN) == (b"", OK)
    signature, sw = terminal.send("880000", SHA256_DIGEST_INFO + digest)
    assert sw == OK
    der = terminal.card.profile.files["cie:1003"]
    certificate = x509.load_der_x509_certificate(der[: 4 + int.from_bytes(der[2:4], "big")])
    key = certificate.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(signature, digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))


def test_key_81_is_not_usable_in_plain(fresh: Callable[..., Terminal]) -> None:
    terminal = fresh()
    terminal.open_session()
    assert terminal.send("200081", PIN) == (b"", OK)
    assert terminal.plain(b"\x00\x22\x41\xa4\x06" + SIGN_WITH_81) == (b"", OK)
    assert terminal.plain(b"\x00\x88\x00\x00\x04abcd") == (b"", b"\x69\x82")


def test_key_83_answers_without_pin_deterministically(fresh: Callable[..., Terminal]) -> None:
    terminal = fresh()
    assert terminal.plain(b"\x00\x22\x41\xa4\x06" + SIGN_WITH_83) == (b"", OK)
    challenge = b"0123456789abcdef"
    first, sw = terminal.plain(b"\x00\x88\x00\x00\x10" + challenge + b"\x00")
    assert sw == OK and len(first) == 256
    assert terminal.plain(b"\x00\x88\x00\x00\x10" + challenge + b"\x00") == (first, OK)
    key = load_der_public_key(terminal.card.profile.files["cie:1005"])  # PKCS#1 RSAPublicKey
    assert isinstance(key, rsa.RSAPublicKey)
    assert key.recover_data_from_signature(first, padding.PKCS1v15(), None) == challenge


def test_reset_forgets_the_session_and_the_pin(fresh: Callable[..., Terminal]) -> None:
    terminal = fresh()
    terminal.open_session()
    assert terminal.send("200081", PIN) == (b"", OK)
    terminal.card.reset()
    assert terminal.raw(terminal.wrap(bytes.fromhex("0C200081"), b"", None)) == b"\x68\x82"
    terminal.open_session()
    assert terminal.send("200081") == (b"", b"\x63\xc3")  # not verified any more
    assert terminal.send("2241A4", SIGN_WITH_81) == (b"", OK)
    assert terminal.send("880000", SHA256_DIGEST_INFO + bytes(32)) == (b"", b"\x69\x82")


def test_sm_chain_pieces_must_belong_to_one_command(fresh: Callable[..., Terminal]) -> None:
    terminal = fresh()
    terminal.key_agreement()
    piece = terminal.raw(terminal.wrap(bytes.fromhex("1C2A00AE"), bytes(10), None))
    assert terminal.unwrap(piece) == (b"", OK)
    assert terminal.send("820000", bytes(10)) == (b"", b"\x68\x83")


def test_long_protected_answers_come_through_61xx_and_plain_get_response(
    fresh: Callable[..., Terminal],
) -> None:
    terminal = fresh()
    terminal.open_session()
    assert terminal.send("200081", PIN) == (b"", OK)
    assert terminal.send("2241A4", SIGN_WITH_81) == (b"", OK)
    first = terminal.raw(
        terminal.wrap(bytes.fromhex("0C880000"), SHA256_DIGEST_INFO + bytes(32), None)
    )
    assert first[-2] == 0x61 and len(first) == 256 + 2
    rest = terminal.raw(bytes.fromhex("00C00000") + first[-1:])
    assert rest[-2:] == OK
    signature, sw = terminal.unwrap(first[:-2] + rest)
    assert sw == OK and len(signature) == 256
