"""Errors of the card protocol, each with a stable code.

The code is what the CLI prints, what the kiosk maps to a message for the citizen and what a
support technician searches for; it never changes once published. Messages must never contain
secret material (PIN, PUK, CAN): they are built from status words and file names only.
"""

from __future__ import annotations

from typing import Any


class CieError(Exception):
    """Base of every error raised by :mod:`kiosk.cie`."""

    code = "CIE_ERROR"

    def details(self) -> dict[str, Any]:
        """The machine-readable form: the code, the message and any extra fields."""
        return {"code": self.code, "message": str(self)}


class NotACie(CieError):
    """The card answered, but it is not an Italian electronic identity card."""

    code = "NOT_A_CIE"


class UnsupportedChip(CieError):
    """A CIE whose chip or applet this kiosk cannot drive."""

    code = "UNSUPPORTED_CHIP"


class ProtocolError(CieError):
    """The card answered with a status word the protocol does not allow at this step.

    Also raised for answers too short to carry a status word: both are hostile or broken
    input, and the session cannot go on.
    """

    code = "PROTOCOL_ERROR"

    def __init__(self, message: str, sw: int | None = None) -> None:
        super().__init__(message if sw is None else f"{message} (SW {sw:04X})")
        self.sw = sw

    def details(self) -> dict[str, Any]:
        out = super().details()
        out["sw"] = None if self.sw is None else f"{self.sw:04X}"
        return out


class SodMalformed(CieError):
    """An EF.SOD that is not a tag-``77`` CMS SignedData with an LDSSecurityObject inside."""

    code = "SOD_MALFORMED"


class SodUnsupported(CieError):
    """A well-formed EF.SOD that uses a digest or signature algorithm this kiosk cannot check."""

    code = "SOD_UNSUPPORTED_ALGORITHM"


class CertificateInvalid(CieError):
    """A certificate (a trust anchor, usually) that cannot be parsed or used."""

    code = "CERTIFICATE_INVALID"

    def __init__(self, reason: str) -> None:
        super().__init__(f"certificate invalid: {reason}")
        self.reason = reason

    def details(self) -> dict[str, Any]:
        out = super().details()
        out["reason"] = self.reason
        return out


class PublicKeyInvalid(CieError):
    """An EF ``1005`` that is not a PKCS#1 RSA public key."""

    code = "PUBLIC_KEY_INVALID"


class SmError(ProtocolError):
    """A secure-messaging answer that fails its MAC or is not well formed.

    Either the card lost the session or someone tampered with the link: the channel cannot be
    trusted any more, and the session must start again from the key agreement.
    """

    code = "SM_ERROR"


class _TriesError(CieError):
    """A refused PIN or PUK; ``tries_left`` is None when the card did not say (never a guess)."""

    def __init__(self, message: str, tries_left: int | None = None) -> None:
        super().__init__(message)
        self.tries_left = tries_left

    def details(self) -> dict[str, Any]:
        out = super().details()
        out["tries_left"] = self.tries_left
        return out


class WrongPin(_TriesError):
    code = "WRONG_PIN"


class WrongPuk(_TriesError):
    code = "WRONG_PUK"


class PinBlocked(CieError):
    """Three wrong PINs: only the PUK can unblock it."""

    code = "PIN_BLOCKED"


class PukBlocked(CieError):
    """Ten wrong PUKs: the card's digital identity is lost for good (a new card is needed)."""

    code = "PUK_BLOCKED"


class InvalidPinFormat(CieError):
    """Refused before anything is sent: PIN and PUK are exactly 8 digits."""

    code = "INVALID_PIN_FORMAT"


class ConfirmationRequired(_TriesError):
    """The PUK was not sent: its tries left are unknown or few, and nobody confirmed.

    Ten wrong PUKs end the card's digital life, so the kiosk never spends one of the last
    tries without an explicit confirmation (DESIGN.md §7).
    """

    code = "CONFIRMATION_REQUIRED"


class InvalidCanFormat(CieError):
    """Refused before anything is sent: the CAN is the 6 digits printed on the card."""

    code = "INVALID_CAN_FORMAT"


class WrongCan(CieError):
    """PACE failed on the password: the CAN typed is not this card's (PROTOCOL.md §4.2 step 9)."""

    code = "WRONG_CAN"


class WrongMrz(CieError):
    """BAC failed: the document number, date of birth or expiry date is not this card's."""

    code = "WRONG_MRZ"


class PaceUnsupported(CieError):
    """PACE cannot run: the card offers only variants this kiosk lacks (``variant`` names them)."""

    code = "PACE_UNSUPPORTED"

    def __init__(self, variant: str) -> None:
        super().__init__(f"PACE cannot run: {variant}")
        self.variant = variant

    def details(self) -> dict[str, Any]:
        out = super().details()
        out["variant"] = self.variant
        return out


class PaceRefused(ProtocolError):
    """The card refused to start PACE (MSE SET AT or the first GENERAL AUTHENTICATE)."""

    code = "PACE_REFUSED"


class ReaderNoExtendedApdu(ProtocolError):
    """The reader (or its driver) refused an extended-length APDU, which PACE with 2048-bit DH
    needs (PROTOCOL.md §4.2): another reader is needed, or BAC with the MRZ."""

    code = "READER_NO_EXTENDED_APDU"


class SecurityInfosMalformed(CieError):
    """An EF.CardAccess or DG14 that is not a DER SET OF SecurityInfo."""

    code = "SECURITY_INFOS_MALFORMED"


class DataGroupMalformed(CieError):
    """A data group (or EF.COM) whose structure or MRZ check digits are wrong."""

    code = "DATA_GROUP_MALFORMED"
