"""The card tasks end to end against the virtual CIE, in-process: the terminal side of
kiosk.cie talking to kiosk.sim's card, written independently of each other."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from kiosk.attach import attached_reader
from kiosk.cie import tasks
from kiosk.cie.apdu import Command, Response
from kiosk.cie.atr import ChipFamily
from kiosk.cie.errors import (
    CieError,
    ConfirmationRequired,
    InvalidPinFormat,
    PinBlocked,
    PukBlocked,
    UnsupportedChip,
    WrongPin,
    WrongPuk,
)
from kiosk.cie.flow import Flow, drive
from kiosk.cie.info import identify_family
from kiosk.cie.link import CardLink
from kiosk.cie.secret import Secret
from kiosk.hardware.errors import CardRemoved
from kiosk.sim import families
from kiosk.sim.card import VirtualCie
from kiosk.sim.profile import CardProfile
from tests.conftest import TEST_NEW_PIN, TEST_PIN, TEST_PUK

T = TypeVar("T")
Card = Callable[..., Path]
DIGEST = hashlib.sha256(b"challenge from the back-office").digest()


def secret(digits: str) -> Secret:
    return Secret.from_digits(bytearray(digits.encode()))


def run(profile: Path, task: Callable[[CardLink], Flow[T]]) -> T:
    with attached_reader(f"sim:{profile}") as reader, reader.session() as session:
        session.reset()
        family = session.run(identify_family(session.atr))
        return session.run(task(CardLink(family)))


def auth(profile: Path, pin: str = TEST_PIN) -> tasks.Proof:
    return run(profile, lambda link: tasks.authenticate(link, secret(pin), DIGEST))


def status(profile: Path) -> tasks.CardStatus:
    return run(profile, tasks.status)


@pytest.mark.slow
@pytest.mark.parametrize("family", families.FAMILIES)
def test_authentication_on_every_family(issued_card: Card, family: str) -> None:
    # The card answers only its own family's DH GET DATA form, so the terminal must pick it.
    profile = issued_card(family, family_get_data_only=True)
    proof = auth(profile)
    cert = x509.load_der_x509_certificate(proof.certificate[: _der_length(proof.certificate)])
    key = cert.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(proof.signature, b"challenge from the back-office", padding.PKCS1v15(),
               hashes.SHA256())
    assert cert.subject.rfc4514_string().startswith("CN=RSSMRA95A58H501Z") or (
        "RSSMRA95A58H501Z" in cert.subject.rfc4514_string())
    assert proof.serial and proof.nis == "910718464654"


def _der_length(data: bytes) -> int:
    if data[1] & 0x80:
        size = data[1] & 0x7F
        return 2 + size + int.from_bytes(data[2 : 2 + size], "big")
    return 2 + data[1]


def test_status_spends_no_try(issued_card: Card) -> None:
    profile = issued_card()
    for _ in range(3):
        current = status(profile)
        assert (current.pin.left, current.puk.left) == (3, 10)
        assert current.digital_identity is tasks.DigitalIdentity.ACTIVE


@pytest.mark.parametrize("pin_errors", ["protected", "plain"])
def test_three_wrong_pins_block_and_the_count_persists(issued_card: Card, pin_errors: str) -> None:
    profile = issued_card(pin_errors=pin_errors)
    for expected in (2, 1):
        with pytest.raises(WrongPin) as caught:
            auth(profile, "00000000")
        assert caught.value.tries_left == expected
        assert status(profile).pin.left == expected  # a new card object: read from the file
    with pytest.raises(PinBlocked):
        auth(profile, "00000000")
    with pytest.raises(PinBlocked):
        auth(profile)  # the right PIN no longer helps
    assert status(profile).digital_identity is tasks.DigitalIdentity.PIN_BLOCKED


def test_unblock_with_the_puk_then_the_new_pin_works(issued_card: Card) -> None:
    profile = issued_card()
    for _ in range(3):
        with pytest.raises(CieError):
            auth(profile, "00000000")
    run(profile, lambda link: tasks.unblock(link, secret(TEST_PUK), secret(TEST_NEW_PIN)))
    assert status(profile).pin.left == 3
    auth(profile, TEST_NEW_PIN)
    with pytest.raises(WrongPin):
        auth(profile, TEST_PIN)


def test_change_pin(issued_card: Card) -> None:
    profile = issued_card()
    run(profile, lambda link: tasks.change(link, secret(TEST_PIN), secret(TEST_NEW_PIN)))
    auth(profile, TEST_NEW_PIN)
    with pytest.raises(WrongPin) as caught:
        auth(profile, TEST_PIN)
    assert caught.value.tries_left == 2


def test_change_pin_with_a_wrong_old_pin_changes_nothing(issued_card: Card) -> None:
    profile = issued_card()
    with pytest.raises(WrongPin):
        run(profile, lambda link: tasks.change(link, secret("00000000"),
                                                 secret(TEST_NEW_PIN)))
    auth(profile, TEST_PIN)


@pytest.mark.slow
def test_ten_wrong_puks_end_the_digital_identity_for_ever(issued_card: Card) -> None:
    profile = issued_card()

    def wrong_puk(confirmed: bool) -> None:
        run(profile, lambda link: tasks.unblock(link, secret("00000000"),
                                                  secret(TEST_NEW_PIN), confirmed=confirmed))

    for expected in range(9, 2, -1):  # from 10 down to 3 left, no confirmation is asked
        with pytest.raises(WrongPuk) as caught:
            wrong_puk(confirmed=False)
        assert caught.value.tries_left == expected
    for left in (3, 2):
        with pytest.raises(ConfirmationRequired) as refused:
            wrong_puk(confirmed=False)
        assert refused.value.tries_left == left
        with pytest.raises(WrongPuk) as caught:
            wrong_puk(confirmed=True)
        assert caught.value.tries_left == left - 1
    with pytest.raises(ConfirmationRequired):
        wrong_puk(confirmed=False)
    with pytest.raises(PukBlocked):
        wrong_puk(confirmed=True)
    # For ever: a new card object from the file, the right PUK, a confirmation: still dead.
    assert status(profile).digital_identity is tasks.DigitalIdentity.DEAD
    with pytest.raises(PukBlocked):
        run(profile, lambda link: tasks.unblock(link, secret(TEST_PUK),
                                                  secret(TEST_NEW_PIN), confirmed=True))
    assert CardProfile.load(profile).pins is not None


def test_unknown_puk_tries_need_a_confirmation(issued_card: Card) -> None:
    profile = issued_card(empty_verify=False)
    current = status(profile)
    assert (current.pin.left, current.puk.left) == (None, None)  # reported, never guessed
    with pytest.raises(ConfirmationRequired) as refused:
        run(profile, lambda link: tasks.unblock(link, secret(TEST_PUK),
                                                  secret(TEST_NEW_PIN)))
    assert refused.value.tries_left is None
    run(profile, lambda link: tasks.unblock(link, secret(TEST_PUK), secret(TEST_NEW_PIN),
                                              confirmed=True))
    auth(profile, TEST_NEW_PIN)


@pytest.mark.parametrize("bad", ["1234567", "123456789", ""])
def test_pin_format_is_checked_before_anything_is_sent(issued_card: Card, bad: str) -> None:
    sent: list[Command] = []

    def exchange(command: Command) -> Response:
        sent.append(command)
        raise AssertionError("nothing may be sent")

    with pytest.raises(InvalidPinFormat):
        drive(tasks.authenticate(CardLink(ChipFamily.NXP), secret(bad), DIGEST), exchange)
    assert sent == []


def _count_auth_apdus(profile: Path) -> int:
    card = VirtualCie(CardProfile.load(profile))
    count = 0

    def exchange(command: Command) -> Response:
        nonlocal count
        count += 1
        answer = card.apdu(command.encode())
        assert answer is not None
        data = bytearray(answer[:-2])
        while answer[-2] == 0x61:  # what a reader's transport does
            answer = card.apdu(bytes.fromhex("00C00000") + answer[-1:])
            assert answer is not None
            count += 1
            data += answer[:-2]
        return Response(bytes(data), int.from_bytes(answer[-2:], "big"))

    drive(tasks.authenticate(CardLink(ChipFamily.NXP), secret(TEST_PIN), DIGEST), exchange)
    return count


@pytest.mark.slow
@pytest.mark.timeout(600)  # about 100 authentications: slow on a loaded 2-core machine
def test_removal_at_every_step_of_authentication_then_a_clean_retry(issued_card: Card) -> None:
    total = _count_auth_apdus(issued_card(name="counting"))
    assert total > 20
    for tear in range(total):
        profile = issued_card(name=f"tear{tear}", tear_after_apdus=tear)
        with pytest.raises(CardRemoved):
            auth(profile)
        # The citizen lays the card again: the same card, now staying on the reader.
        document = CardProfile.load(profile)
        document.behaviours = document.behaviours.model_copy(update={"tear_after_apdus": None})
        document.save()
        proof = auth(profile)
        assert proof.nis == "910718464654"
        assert status(profile).pin.left == 3


def test_secrets_are_wiped_right_after_the_apdus_that_carry_them(issued_card: Card) -> None:
    profile = issued_card()
    pin = secret(TEST_PIN)
    run(profile, lambda link: tasks.authenticate(link, pin, DIGEST))
    wrong = secret("00000000")
    with pytest.raises(WrongPin):
        run(profile, lambda link: tasks.authenticate(link, wrong, DIGEST))
    old, new = secret(TEST_PIN), secret(TEST_NEW_PIN)
    run(profile, lambda link: tasks.change(link, old, new))
    puk, newer = secret(TEST_PUK), secret(TEST_PIN)
    run(profile, lambda link: tasks.unblock(link, puk, newer))
    assert [len(s) for s in (pin, wrong, old, new, puk, newer)] == [0] * 6


def test_a_card_whose_dapp_ca_key_does_not_pair_is_an_unsupported_chip(
    issued_card: Card, tmp_path: Path
) -> None:
    """Its card refuses the terminal's certificate; only then does the kiosk check the pairing,
    and says which it is (not a protocol error)."""
    profile = CardProfile.load(issued_card())
    assert profile.ias is not None
    profile.ias = profile.ias.model_copy(update={"ca_exponent": b"\x01\x00\x01"})
    profile.save(tmp_path / "unpaired.json")
    with pytest.raises(UnsupportedChip):
        status(tmp_path / "unpaired.json")
