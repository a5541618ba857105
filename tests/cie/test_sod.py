"""Passive authentication on real CIE security objects (tests/vectors/README.md) and on SODs made
here for the signature schemes the vectors do not use (PKCS#1 v1.5, ECDSA, SHA-256)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from kiosk.cie import csca, sod
from kiosk.cie.errors import CertificateInvalid, CieError, SodMalformed

VECTORS = Path(__file__).resolve().parent.parent / "vectors"
# A fixed checking time inside every vector certificate's validity, so no test ages.
AT = datetime(2026, 6, 1, tzinfo=UTC)

IAS_TEST = "test-card-ias-ef1006.sod"
IAS_PRODUCTION = "second-card-ias-ef1006.sod"
MRTD_TEST = "test-card-mrtd-ef-sod.bin"
MRTD_PRODUCTION = "production-card-mrtd-ef-sod.bin"
ALL_SODS = (IAS_TEST, IAS_PRODUCTION, MRTD_TEST, MRTD_PRODUCTION)


def vector(name: str) -> bytes:
    return (VECTORS / name).read_bytes()


@pytest.fixture(scope="module")
def anchors() -> list[csca.Certificate]:
    return csca.default_anchors()


@pytest.fixture(scope="module")
def csca04() -> csca.Certificate:
    return csca.load_certificate(vector("csca/italy-csca-04.cer"))


def passes(data: bytes, anchors: list[csca.Certificate], chain: csca.ChainStatus) -> bool:
    """``data`` parses, its signature verifies and its signer's chain is ``chain``."""
    try:
        parsed = sod.parse_sod(data)
    except CieError:
        return False
    return (
        sod.verify_signature(parsed)
        and csca.verify_chain(parsed.signer, anchors, AT).status is chain
    )


# --- real vectors: known answers ---------------------------------------------------------------


def test_ias_sod_is_keyed_by_the_low_byte_of_negative_numbers() -> None:
    parsed = sod.parse_sod(vector(IAS_TEST))
    assert parsed.hash_algorithm == "sha512"
    assert list(parsed.hashes) == ["A5", "1B", "A4", "A3", "A2", "A1"]
    assert all(len(value) == 64 for value in parsed.hashes.values())
    assert "CN=eIdentityCardSigner" in parsed.signer.subject


def test_icao_sod_lists_the_cie_data_groups() -> None:
    parsed = sod.parse_sod(vector(MRTD_TEST))
    assert list(parsed.hashes) == ["01", "02", "03", "0B", "0C", "0E"]


@pytest.mark.parametrize("name", ALL_SODS)
def test_signature_verifies(name: str) -> None:
    assert sod.verify_signature(sod.parse_sod(vector(name)))


@pytest.mark.parametrize("name", [IAS_PRODUCTION, MRTD_PRODUCTION])
def test_production_signer_chains_to_csca_04(
    name: str, anchors: list[csca.Certificate], csca04: csca.Certificate
) -> None:
    check = csca.verify_chain(sod.parse_sod(vector(name)).signer, anchors, AT)
    assert check.status is csca.ChainStatus.TRUSTED
    assert check.anchor is not None
    assert check.anchor.x509 == csca04.x509


@pytest.mark.parametrize("name", [IAS_TEST, MRTD_TEST])
def test_test_card_signer_is_untrusted(name: str, anchors: list[csca.Certificate]) -> None:
    check = csca.verify_chain(sod.parse_sod(vector(name)).signer, anchors, AT)
    assert check == csca.ChainCheck(csca.ChainStatus.UNTRUSTED, None)


def test_anchor_with_the_same_name_but_another_key_identifier_is_not_a_candidate() -> None:
    # CSCA 05 has CSCA 04's subject: matching on the name alone would call this "invalid".
    signer = sod.parse_sod(vector(IAS_PRODUCTION)).signer
    csca05 = csca.load_certificate(vector("csca/italy-csca-05.cer"))
    assert csca.verify_chain(signer, [csca05], AT).status is csca.ChainStatus.UNTRUSTED


@pytest.mark.parametrize(
    "at", [datetime(2021, 1, 1, tzinfo=UTC), datetime(2036, 1, 1, tzinfo=UTC)]
)
def test_chain_outside_validity_is_invalid(at: datetime, csca04: csca.Certificate) -> None:
    signer = sod.parse_sod(vector(IAS_PRODUCTION)).signer
    check = csca.verify_chain(signer, [csca04], at)
    assert check.status is csca.ChainStatus.INVALID
    assert check.anchor == csca04


def test_impostor_anchor_with_the_issuer_name_and_key_identifier_is_invalid(
    csca04: csca.Certificate,
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    impostor = (
        x509.CertificateBuilder()
        .subject_name(csca04.x509.subject)
        .issuer_name(csca04.x509.subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(datetime(2020, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2040, 1, 1, tzinfo=UTC))
        .add_extension(x509.SubjectKeyIdentifier(csca04.key_identifier or b""), critical=False)
        .sign(key, hashes.SHA256())
    )
    anchor = csca.load_certificate(impostor.public_bytes(Encoding.DER))
    signer = sod.parse_sod(vector(MRTD_PRODUCTION)).signer
    assert csca.verify_chain(signer, [anchor], AT) == csca.ChainCheck(
        csca.ChainStatus.INVALID, None
    )


def test_servizi_key_matches_a5_and_published_nis_does_not_match_a1() -> None:
    parsed = sod.parse_sod(vector(IAS_TEST))
    files = {
        "A5": vector("test-card-ef1005-servizi-pubkey.der"),
        "A1": vector("test-card-nis.bin"),
        "02": b"not listed",
    }
    assert sod.check_files(parsed, files) == {
        "A5": sod.FileCheck.MATCH,
        "A1": sod.FileCheck.MISMATCH,
        "02": sod.FileCheck.ABSENT,
    }


def test_dg1_and_dg11_match_the_icao_sod() -> None:
    parsed = sod.parse_sod(vector(MRTD_TEST))
    files = {"01": vector("test-card-dg1.bin"), "0B": vector("test-card-dg11.bin")}
    assert sod.check_files(parsed, files) == {"01": sod.FileCheck.MATCH, "0B": sod.FileCheck.MATCH}


@pytest.mark.parametrize(("name", "tag"), [
    ("test-card-dg1.bin", "01"), ("test-card-dg11.bin", "0B"),
    ("test-card-ef1005-servizi-pubkey.der", "A5"),
])
@pytest.mark.parametrize("where", [0, 0.5, -1])
def test_altered_file_mismatches(name: str, tag: str, where: float) -> None:
    parsed = sod.parse_sod(vector(IAS_TEST if tag == "A5" else MRTD_TEST))
    data = bytearray(vector(name))
    data[int(where * len(data)) if where >= 0 else -1] ^= 0x01
    assert sod.check_files(parsed, {tag: bytes(data)}) == {tag: sod.FileCheck.MISMATCH}


def test_wrapper_is_optional_and_card_padding_is_ignored() -> None:
    wrapped = vector(IAS_PRODUCTION)
    bare = sod.parse_sod(wrapped[4:])
    padded = sod.parse_sod(wrapped + b"\x00" * 16 + b"\xff" * 16)
    assert bare.hashes == padded.hashes == sod.parse_sod(wrapped).hashes
    assert sod.verify_signature(bare)
    with pytest.raises(SodMalformed):
        sod.parse_sod(wrapped + b"\x01")


@pytest.mark.parametrize(
    "data", [b"", b"\x77", b"\x77\x00", b"\x30\x00", vector("test-card-nis.bin"),
             vector("test-card-dg1.bin"), vector("csca/italy-csca-04.cer")]
)
def test_not_a_sod_is_malformed(data: bytes) -> None:
    with pytest.raises(SodMalformed) as caught:
        sod.parse_sod(data)
    assert caught.value.details()["code"] == "SOD_MALFORMED"


# --- altered vectors must fail --------------------------------------------------------------


def _locate(name: str, what: str) -> int:
    """A byte offset inside one part of the SOD, found by content, not by a fixed number."""
    raw = vector(name)
    parsed = sod.parse_sod(raw)
    key = parsed.signer.x509.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    modulus = key.public_numbers().n.to_bytes(key.key_size // 8, "big")
    spans: dict[str, Callable[[], int]] = {
        "signature": lambda: raw.index(parsed.signature) + 100,
        "hash": lambda: raw.index(next(iter(parsed.hashes.values()))) + 7,
        "message digest": lambda: raw.index(parsed.message_digest) + 20,
        # the last byte of the contentType attribute's value, id-icao-ldsSecurityObject
        "signed attributes": lambda: raw.index(
            bytes.fromhex("0606678108010101"), raw.index(parsed.signed_attributes[1:])
        ) + 7,
        "signer key": lambda: raw.index(modulus) + 128,
        "signer subject": lambda: raw.index(b"eIdentityCardSigner") + 3,
        "signer validity": lambda: raw.index(
            parsed.signer.not_before.strftime("%y%m%d%H%M%S").encode()) + 1,
    }
    return spans[what]()


@pytest.mark.parametrize("name", ALL_SODS)
@pytest.mark.parametrize(
    "what", ["signature", "hash", "message digest", "signed attributes", "signer key"]
)
def test_altered_signed_part_fails_the_signature(name: str, what: str) -> None:
    data = bytearray(vector(name))
    data[_locate(name, what)] ^= 0x01
    assert not sod.verify_signature(sod.parse_sod(bytes(data)))


@pytest.mark.parametrize("name", [IAS_PRODUCTION, MRTD_PRODUCTION])
@pytest.mark.parametrize("what", ["signer subject", "signer validity"])
def test_altered_certificate_is_not_trusted(
    name: str, what: str, anchors: list[csca.Certificate]
) -> None:
    data = bytearray(vector(name))
    data[_locate(name, what)] ^= 0x01
    parsed = sod.parse_sod(bytes(data))
    assert sod.verify_signature(parsed)  # the certificate is not under the SOD's signature...
    assert csca.verify_chain(parsed.signer, anchors, AT).status is not csca.ChainStatus.TRUSTED


@pytest.mark.parametrize("name", [IAS_PRODUCTION, MRTD_PRODUCTION])
def test_any_altered_byte_of_a_production_sod_fails(
    name: str, anchors: list[csca.Certificate]
) -> None:
    raw = vector(name)
    assert passes(raw, anchors, csca.ChainStatus.TRUSTED)
    for position in range(0, len(raw), 3):
        data = bytearray(raw)
        data[position] ^= 0x01
        assert not passes(bytes(data), anchors, csca.ChainStatus.TRUSTED), position


@pytest.mark.parametrize("name", ALL_SODS)
def test_fuzzed_input_raises_only_cie_errors(name: str, anchors: list[csca.Certificate]) -> None:
    raw = vector(name)
    rng = random.Random(name)
    for _ in range(300):
        data = bytearray(raw)
        if rng.random() < 0.3:
            del data[rng.randrange(len(data)):]
        else:
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        try:
            parsed = sod.parse_sod(bytes(data))
        except CieError as exc:
            assert exc.code in {"SOD_MALFORMED", "SOD_UNSUPPORTED_ALGORITHM"}
            continue
        sod.verify_signature(parsed)
        csca.verify_chain(parsed.signer, anchors, AT)
        sod.check_files(parsed, {"01": b"", "A5": b""})


# --- made-up SODs: the other signature schemes ---------------------------------------------------

LDS_OID = "2.23.136.1.1.1"


def _certificate(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    issuer_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    name: str,
    issuer: str,
    not_after: datetime,
) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(AT - timedelta(days=30))
        .not_valid_after(not_after)
        .sign(issuer_key, hashes.SHA256())
    )


def _make_sod(
    scheme: str, files: dict[int, bytes], ds_not_after: datetime = AT + timedelta(days=30)
) -> tuple[bytes, csca.Certificate]:
    """A tag-77 EF.SOD signed with SHA-256 by a fresh DS under a fresh CSCA (returned)."""
    csca_key = ec.generate_private_key(ec.SECP256R1())
    ds_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = (
        rsa.generate_private_key(65537, 2048) if scheme == "pkcs1" else
        ec.generate_private_key(ec.SECP256R1())
    )
    anchor = _certificate(csca_key, csca_key, "Test CSCA", "Test CSCA", AT + timedelta(days=90))
    ds = asn1_x509.Certificate.load(
        _certificate(ds_key, csca_key, "Test DS", "Test CSCA", ds_not_after).public_bytes(
            Encoding.DER
        )
    )

    def sha256(data: bytes) -> bytes:
        h = hashes.Hash(hashes.SHA256())
        h.update(data)
        return h.finalize()

    content = sod.LdsSecurityObject({
        "version": 0,
        "hash_algorithm": {"algorithm": "sha256"},
        "data_group_hash_values": [
            {"data_group_number": number, "data_group_hash_value": sha256(data)}
            for number, data in files.items()
        ],
    }).dump()
    attributes = cms.CMSAttributes([
        {"type": "content_type", "values": [LDS_OID]},
        {"type": "message_digest", "values": [sha256(content)]},
    ])
    if isinstance(ds_key, rsa.RSAPrivateKey):
        signature = ds_key.sign(attributes.dump(), padding.PKCS1v15(), hashes.SHA256())
        algorithm = "rsassa_pkcs1v15"
    else:
        signature = ds_key.sign(attributes.dump(), ec.ECDSA(hashes.SHA256()))
        algorithm = "sha256_ecdsa"
    signer_info = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": {
            "issuer": ds.issuer, "serial_number": ds.serial_number}}),
        "digest_algorithm": {"algorithm": "sha256"},
        "signed_attrs": attributes,
        "signature_algorithm": {"algorithm": algorithm},
        "signature": signature,
    })
    signed = cms.SignedData({
        "version": "v3",
        "digest_algorithms": [{"algorithm": "sha256"}],
        "encap_content_info": {"content_type": LDS_OID, "content": content},
        "certificates": [ds],
        "signer_infos": [signer_info],
    })
    der = cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump()
    wrapped = b"\x77\x82" + len(der).to_bytes(2, "big") + der
    return wrapped, csca.load_certificate(anchor.public_bytes(Encoding.DER))


@pytest.mark.parametrize("scheme", ["pkcs1", "ecdsa"])
def test_made_up_sod_verifies_and_chains(scheme: str) -> None:
    data, anchor = _make_sod(scheme, {1: b"DG1", -91: b"EF 1005"})
    parsed = sod.parse_sod(data)
    assert parsed.hash_algorithm == "sha256"
    assert sod.verify_signature(parsed)
    assert sod.check_files(parsed, {"01": b"DG1", "A5": b"EF 1005"}) == {
        "01": sod.FileCheck.MATCH, "A5": sod.FileCheck.MATCH,
    }
    assert csca.verify_chain(parsed.signer, [anchor], AT) == csca.ChainCheck(
        csca.ChainStatus.TRUSTED, anchor
    )
    altered = bytearray(data)
    altered[-3] ^= 0x01  # inside the signature, the last field
    assert not sod.verify_signature(sod.parse_sod(bytes(altered)))


def test_expired_document_signer_is_invalid() -> None:
    data, anchor = _make_sod("ecdsa", {1: b"DG1"}, ds_not_after=AT - timedelta(days=1))
    parsed = sod.parse_sod(data)
    assert csca.verify_chain(parsed.signer, [anchor], AT).status is csca.ChainStatus.INVALID


def test_data_group_numbers_wider_than_a_byte_are_malformed() -> None:
    data, _ = _make_sod("ecdsa", {1: b"DG1", 0x101: b"?"})
    with pytest.raises(SodMalformed):
        sod.parse_sod(data)


# --- anchors -----------------------------------------------------------------------------------


def test_default_anchors_are_the_six_italian_cscas(csca04: csca.Certificate) -> None:
    anchors = csca.default_anchors()
    assert len(anchors) == 6
    assert csca04.x509 in [anchor.x509 for anchor in anchors]
    assert all("IT" in anchor.subject for anchor in anchors)


def test_pem_anchor_file_with_two_certificates() -> None:
    pems = b"".join(
        anchor.x509.public_bytes(Encoding.PEM) for anchor in csca.default_anchors()[4:]
    )
    loaded = csca.load_certificates(pems)
    assert [c.key_identifier for c in loaded] == [
        c.key_identifier for c in csca.default_anchors()[4:]
    ]


@pytest.mark.parametrize("data", [b"", b"\x30\x03\x02\x01\x01", b"-----BEGIN CERTIFICATE-----\n"])
def test_unusable_anchor_raises_certificate_invalid(data: bytes) -> None:
    with pytest.raises(CertificateInvalid) as caught:
        csca.load_certificates(data)
    assert caught.value.details()["code"] == "CERTIFICATE_INVALID"
    assert caught.value.details()["reason"]
