"""The test PKI, issued cards and their EF.SOD, checked with cryptography and asn1crypto only."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import algos, cms, core
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, load_der_public_key
from cryptography.x509.oid import NameOID

from kiosk.sim import issuing, pki
from kiosk.sim.ias_data import interop
from kiosk.sim.profile import CardProfile, ProfileError
from tests.conftest import run_kiosk


class Entry(core.Sequence):  # type: ignore[misc]
    _fields = [("number", core.Integer), ("digest", core.OctetString)]  # noqa: RUF012


class Entries(core.SequenceOf):  # type: ignore[misc]
    _child_spec = Entry


class Lds(core.Sequence):  # type: ignore[misc]
    """ICAO 9303-10 LDSSecurityObject, declared apart from kiosk.sim.sod on purpose."""

    _fields = [  # noqa: RUF012
        ("version", core.Integer),
        ("hash_algorithm", algos.DigestAlgorithm),
        ("entries", Entries),
        ("lds_version_info", core.Any, {"optional": True}),
    ]


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pki.TestPki]:
    directory = tmp_path_factory.mktemp("pki") / "pki"
    return directory, pki.create(directory)


@pytest.fixture(scope="module")
def card(authority: tuple[Path, pki.TestPki]) -> CardProfile:
    return issuing.issue(
        authority[1],
        identity={
            "given_name": "LUCA",
            "surname": "BIANCHI",
            "codice_fiscale": "BNCLCU80A01F205X",
            "nis": "123456789012",
        },
    )


def rsa_key(der: bytes) -> rsa.RSAPublicKey:
    key = load_der_public_key(der)
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def test_pki_directory_is_a_folder_of_trust_anchors(
    authority: tuple[Path, pki.TestPki],
) -> None:
    directory, made = authority
    assert sorted(path.name for path in directory.glob("*.pem")) == ["cie-auth-ca.pem", "csca.pem"]
    for name in ("csca.pem", "cie-auth-ca.pem"):
        root = x509.load_pem_x509_certificate((directory / name).read_bytes())
        root.verify_directly_issued_by(root)
        assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    signer = made.document_signer.certificate
    signer.verify_directly_issued_by(made.csca.certificate)
    assert (directory / "issuing" / "document-signer.key").stat().st_mode & 0o077 == 0
    loaded = pki.load(directory)
    assert loaded.document_signer.certificate == signer


def test_pki_init_refuses_to_overwrite(authority: tuple[Path, pki.TestPki]) -> None:
    with pytest.raises(pki.PkiError):
        pki.create(authority[0])


def test_dapp_ca_key_pairs_with_the_published_exponent(card: CardProfile) -> None:
    assert card.ias is not None
    n = int.from_bytes(card.ias.ca_modulus, "big")
    e = int.from_bytes(card.ias.ca_exponent, "big")
    d = int.from_bytes(interop()["ca_private_exponent"], "big")
    assert n.bit_length() == 2048 and card.ias.ca_modulus[0] >= 0x6B
    message = int.from_bytes(hashlib.sha256(b"m").digest(), "big")
    assert pow(pow(message, d, n), e, n) == message


def test_authentication_certificate(authority: tuple[Path, pki.TestPki], card: CardProfile) -> None:
    assert card.ias is not None
    der = card.files["cie:1003"]
    length = 4 + int.from_bytes(der[2:4], "big")
    assert der[length:] == bytes(len(der) - length)  # padded, as real cards are
    certificate = x509.load_der_x509_certificate(der[:length])
    certificate.verify_directly_issued_by(authority[1].auth_ca.certificate)
    subject = certificate.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value[:16] == ("BNCLCU80A01F205X")
    assert subject.get_attributes_for_oid(NameOID.GIVEN_NAME)[0].value == "LUCA"
    assert subject.get_attributes_for_oid(NameOID.SURNAME)[0].value == "BIANCHI"
    policies = certificate.extensions.get_extension_for_class(x509.CertificatePolicies).value
    assert [policy.policy_identifier.dotted_string for policy in policies] == ["1.3.76.47.4"]
    key = certificate.public_key()
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048
    assert key.public_numbers() == card.ias.private_key(0x81).public_key().public_numbers()


def test_public_files(card: CardProfile) -> None:
    assert card.ias is not None
    assert card.files["cie:1002"] == b"CA00000AA"
    for fid, reference in (("cie:1004", 0x82), ("cie:1005", 0x83)):
        expected = card.ias.private_key(reference).public_key().public_numbers()
        assert rsa_key(card.files[fid]).public_numbers() == expected


def test_ef_sod_verifies_with_the_document_signer(
    authority: tuple[Path, pki.TestPki], card: CardProfile
) -> None:
    sod = card.files["cie:1006"]
    assert sod[:2] == b"\x77\x82"
    signed = cms.ContentInfo.load(sod[4:])["content"]
    assert signed["version"].native == "v3"
    content = signed["encap_content_info"]["content"].native
    assert signed["encap_content_info"]["content_type"].dotted == "2.23.136.1.1.1"
    signer_info = signed["signer_infos"][0]
    attributes = {attr["type"].native: attr["values"][0] for attr in signer_info["signed_attrs"]}
    assert attributes["message_digest"].native == hashlib.sha512(content).digest()
    assert signer_info["signature_algorithm"]["algorithm"].native == "rsassa_pss"
    embedded = x509.load_der_x509_certificate(signed["certificates"][0].dump())
    signer = authority[1].document_signer.certificate
    assert embedded == signer
    key = signer.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(
        signer_info["signature"].native,
        signer_info["signed_attrs"].untag().dump(),  # as a SET, the form that was signed
        padding.PSS(padding.MGF1(hashes.SHA512()), 64),
        hashes.SHA512(),
    )

    lds = Lds.load(content)
    assert lds["version"].native == 1
    assert lds["hash_algorithm"]["algorithm"].native == "sha512"
    hashes_by_tag = {}
    for entry in lds["entries"]:
        raw = entry["number"].dump()
        assert raw[:2] == b"\x02\x01"  # one-byte INTEGERs, negative for A1..A5
        hashes_by_tag[raw[2]] = entry["digest"].native
    assert list(hashes_by_tag) == [0xA5, 0x1B, 0xA4, 0xA3, 0xA2, 0xA1]
    der_1003 = card.files["cie:1003"]
    trimmed = {
        0xA5: card.files["cie:1005"],
        0x1B: card.files["mf:D004"],
        0xA4: card.files["cie:1004"],
        0xA3: der_1003[: 4 + int.from_bytes(der_1003[2:4], "big")],
        0xA2: card.files["cie:1002"][:9],
        0xA1: card.files["cie:1001"][:12],
    }
    for tag, data in trimmed.items():
        assert hashes_by_tag[tag] == hashlib.sha512(data).digest(), hex(tag)


@pytest.mark.parametrize(
    "wrong",
    [
        {"pin": "1234"},
        {"puk": "1234567a"},
        {"serial": "CA0"},
        {"identity": {"given_name": "A", "surname": "B", "codice_fiscale": "X", "nis": "1" * 12}},
        {
            "identity": {
                "given_name": "",
                "surname": "B",
                "codice_fiscale": "A" * 16,
                "nis": "1" * 12,
            }
        },
    ],
)
def test_bad_cards_are_refused(authority: tuple[Path, pki.TestPki], wrong: dict[str, Any]) -> None:
    with pytest.raises(ProfileError):
        issuing.issue(authority[1], **wrong)


def test_profile_keeps_keys_and_counters(card: CardProfile, tmp_path: Path) -> None:
    card.save(tmp_path / "card.json")
    loaded = CardProfile.load(tmp_path / "card.json")
    assert loaded.ias == card.ias
    assert loaded.pins == card.pins
    assert loaded.files == card.files


def test_cli_pki_init_and_card_new(tmp_path: Path) -> None:
    done = run_kiosk("sim", "pki", "init", str(tmp_path / "pki"))
    assert done.returncode == 0, done.stderr
    profile = tmp_path / "card.json"
    done = run_kiosk(
        "sim",
        "card",
        "new",
        "--pki",
        str(tmp_path / "pki"),
        "--out",
        str(profile),
        "--family",
        "Gemalto",
        "--pin",
        "11223344",
        "--puk",
        "55667788",
        "--cf",
        "BNCLCU80A01F205X",
        "--given-name",
        "LUCA",
        "--surname",
        "BIANCHI",
    )
    assert done.returncode == 0, done.stderr
    card = CardProfile.load(profile)
    assert card.pins is not None
    assert card.pins.matches(b"11223344", is_pin=True)
    assert card.pins.matches(b"55667788", is_pin=False)
    assert b"11223344" not in profile.read_bytes() and b"55667788" not in profile.read_bytes()
    assert card.family == "Gemalto" and card.identity["codice_fiscale"] == "BNCLCU80A01F205X"
    signer = x509.load_pem_x509_certificate(
        (tmp_path / "pki" / "issuing" / "document-signer.pem").read_bytes()
    )
    assert signer.public_bytes(Encoding.DER) in card.files["cie:1006"]


def test_cli_card_new_without_pki_makes_one_next_to_the_profile(tmp_path: Path) -> None:
    profile = tmp_path / "card.json"
    assert run_kiosk("sim", "card", "new", "--out", str(profile)).returncode == 0
    assert (tmp_path / "card.pki" / "csca.pem").exists()
    first = json.loads(profile.read_text())
    assert (first["pins"]["pin_tries"], first["pins"]["puk_tries"]) == (3, 10)
    pins = CardProfile.load(profile).pins
    assert pins is not None
    assert pins.matches(issuing.DEMO_PIN.encode(), is_pin=True)
    assert pins.matches(issuing.DEMO_PUK.encode(), is_pin=False)
    # a second card for the same file reuses that PKI
    assert run_kiosk("sim", "card", "new", "--out", str(profile)).returncode == 0
    signer = x509.load_pem_x509_certificate(
        (tmp_path / "card.pki" / "issuing" / "document-signer.pem").read_bytes()
    )
    assert signer.public_bytes(Encoding.DER) in CardProfile.load(profile).files["cie:1006"]


def test_cli_card_new_with_a_missing_pki_fails(tmp_path: Path) -> None:
    done = run_kiosk(
        "sim", "card", "new", "--pki", str(tmp_path / "nope"), "--out", str(tmp_path / "c.json")
    )
    assert done.returncode != 0
    assert "SIM_PKI_INVALID" in done.stderr
    assert not (tmp_path / "c.json").exists()
