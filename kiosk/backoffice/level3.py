"""Judging a level-3 authentication for the kiosk: did this card's key sign the nonce the
back-office issued, and is the card's certificate one the Comune trusts?

The signature check is the kiosk's own, :func:`kiosk.cie.certificate.signed`: key 81 signs
SHA-256(challenge) as a digest, PKCS#1 v1.5, so the public key verifies it over the challenge
with SHA-256. The chain and revocation are :func:`kiosk.cie.certificate.verify` against the
anchors and CRL files of ``[level3]``. CRL files are read at each check (a Comune replaces
them while the back-office runs); the anchors at start.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding

from kiosk.backoffice.config import BackofficeConfig
from kiosk.cie import certificate, csca
from kiosk.cie.errors import CertificateInvalid, ProtocolError
from kiosk.errors import KioskError
from kiosk.uplink.schemas import CertificateVerdict

ANCHOR_SUFFIXES = (".cer", ".pem", ".der", ".crt")


@dataclass(frozen=True, slots=True)
class Judgement:
    certificate: CertificateVerdict
    revocation: str
    signature_valid: bool
    codice_fiscale: str | None

    @property
    def works(self) -> bool:
        return self.certificate is CertificateVerdict.VALID and self.signature_valid


@dataclass(frozen=True)
class Level3Policy:
    anchors: Sequence[asn1_x509.Certificate]
    crl_files: Sequence[Path]
    revocation: certificate.Revocation

    @classmethod
    def from_config(cls, config: BackofficeConfig) -> Level3Policy:
        settings = config.level3
        return cls(
            _load_anchors([config.resolve(path) for path in settings.anchors]),
            [config.resolve(path) for path in settings.crls],
            certificate.Revocation(settings.revocation),
        )

    def judge(self, padded_der: bytes, challenge: bytes, signature: bytes,
              at: dt.datetime) -> Judgement:
        """Runs a path validation: call it off the event loop (it also runs an event loop of
        its own inside :func:`kiosk.cie.certificate.verify`)."""
        try:
            cert = certificate.load(padded_der)
        except ProtocolError:
            return Judgement(CertificateVerdict.UNREADABLE, "not-checked", False, None)
        signed = certificate.signed(cert, challenge, signature)
        holder = certificate.holder(cert).codice_fiscale or None
        if cert["tbs_certificate"]["validity"]["not_after"].native < at:
            return Judgement(CertificateVerdict.EXPIRED, "not-checked", signed, holder)
        verdict = certificate.verify(cert, self.anchors, at, crls=self._crls(),
                                     revocation=self.revocation)
        return Judgement(CertificateVerdict(verdict.outcome), verdict.revocation, signed, holder)

    def _crls(self) -> list[bytes]:
        crls = []
        for path in self.crl_files:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise KioskError(f"cannot read CRL {path}: {exc.strerror}",
                                 code="CRL_UNREADABLE") from None
            crls.append(pem.unarmor(data)[2] if pem.detect(data) else data)
        return crls


def _load_anchors(paths: list[Path]) -> list[asn1_x509.Certificate]:
    """Certificates from files, and from the certificate files of folders."""
    anchors: list[asn1_x509.Certificate] = []
    for path in paths:
        entries = sorted(entry for entry in path.iterdir()
                         if entry.suffix.lower() in ANCHOR_SUFFIXES) if path.is_dir() else [path]
        for entry in entries:
            try:
                found = csca.load_certificates(entry.read_bytes())
            except OSError as exc:
                raise KioskError(f"level3.anchors: cannot read {entry}: {exc.strerror}",
                                 code="CONFIG_INVALID") from None
            except CertificateInvalid as exc:
                raise KioskError(f"level3.anchors: {entry}: {exc.reason}",
                                 code="CONFIG_INVALID") from None
            anchors.extend(asn1_x509.Certificate.load(cert.x509.public_bytes(Encoding.DER))
                           for cert in found)
    return anchors
