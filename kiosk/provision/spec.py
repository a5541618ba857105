"""The provisioning file: the short ``kiosk.toml`` a technician writes on the boot partition.

It is not the kiosk's runtime configuration (:mod:`kiosk.config`, profiles): it says only what
differs from one kiosk to the next, in the technician's words (the Comune, the kiosk's name,
the back-office and its one-time token, the network, the time zone, the reader), and first boot
turns it into the runtime configuration. Parsing is as strict as :mod:`kiosk.config`'s: an
unknown key or a wrong value is refused with a sentence naming the file and the key.

The enrollment token and the Wi-Fi passphrase are secrets: they are held as
:class:`pydantic.SecretStr` (their repr is stars) and no error text quotes a value. The
technician's SSH keys are public, but their errors quote nothing either, as for every key.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
import zoneinfo
from typing import Annotated, Literal

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_ssh_public_key
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from kiosk import config
from kiosk.errors import KioskError

FILE_NAME = "kiosk.toml"
# v1.<secret>.<pin>: the shape kiosk.uplink.enroll.parse_token takes; the pin is 43 characters
TOKEN = re.compile(r"v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}")
NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"
# The SSH key types taken, by their first word: what OpenSSH 9.2 accepts by default, less DSA
# (ssh-dss: 1024 bits, refused by OpenSSH itself) and the FIDO types; RSA from 3072 bits.
SSH_KEY_TYPES = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
                 "ecdsa-sha2-nistp521", "ssh-rsa")
MIN_RSA_BITS = 3072


class ProvisionError(KioskError):
    code = "PROVISION_INVALID"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Site(config.Site):
    """The runtime ``site`` section plus what only first boot needs."""

    comune: str = Field(min_length=1, max_length=80)
    kiosk: str = Field(pattern=NAME, description=(
        "the name the back-office gave the token ('kiosk backoffice kiosk add NAME')"))
    time_zone: str = "Europe/Rome"

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError("not a time zone of the tz database, e.g. Europe/Rome") from None
        return name


class Backoffice(_Strict):
    url: str = Field(pattern=r"^https://[^\s/]+(:[0-9]{1,5})?/?$", description=(
        "the enrollment listener, https://HOST:PORT"))
    token: SecretStr | None = Field(None, description="removed from the file once enrolled")

    @field_validator("token")
    @classmethod
    def _token_shape(cls, token: SecretStr | None) -> SecretStr | None:
        if token is not None and TOKEN.fullmatch(token.get_secret_value().strip()) is None:
            raise ValueError("not an enrollment token: expected v1.<secret>.<pin> as printed "
                             "by 'kiosk backoffice kiosk add'")
        return token


class Addressing(_Strict):
    """DHCP unless ``address`` is given; then ``gateway`` and ``dns`` go with it."""

    address: str | None = Field(None, description="static IPv4/IPv6 with prefix, 10.0.0.5/24")
    gateway: str | None = None
    dns: list[str] = Field(default_factory=list)

    @field_validator("address")
    @classmethod
    def _interface(cls, address: str | None) -> str | None:
        if address is not None:
            if "/" not in address:
                raise ValueError("give the prefix length too, e.g. 192.168.1.50/24")
            ipaddress.ip_interface(address)
        return address

    @field_validator("gateway")
    @classmethod
    def _gateway(cls, gateway: str | None) -> str | None:
        if gateway is not None:
            ipaddress.ip_address(gateway)
        return gateway

    @field_validator("dns")
    @classmethod
    def _servers(cls, servers: list[str]) -> list[str]:
        for server in servers:
            ipaddress.ip_address(server)
        return servers

    @property
    def static(self) -> bool:
        return self.address is not None


class Ethernet(Addressing):
    enabled: bool = True


class Wifi(Addressing):
    ssid: str = Field(min_length=1, max_length=32, pattern=r"^[^\x00-\x1f\x7f]+$")
    passphrase: SecretStr | None = Field(None, description=(
        "WPA2-Personal, 8 to 63 printable characters; first boot replaces it with psk"))
    psk: SecretStr | None = Field(None, description="the 64 hex digits derived from it")
    country: str = Field("IT", pattern=r"^[A-Z]{2}$", description="regulatory domain")

    @field_validator("ssid")
    @classmethod
    def _ssid_bytes(cls, ssid: str) -> str:
        if len(ssid.encode()) > 32:
            raise ValueError("an SSID is at most 32 bytes")
        return ssid

    @field_validator("passphrase")
    @classmethod
    def _passphrase(cls, passphrase: SecretStr | None) -> SecretStr | None:
        value = passphrase.get_secret_value() if passphrase is not None else "x" * 8
        if not 8 <= len(value) <= 63 or not all(" " <= c <= "~" for c in value):
            raise ValueError("a WPA passphrase is 8 to 63 printable ASCII characters")
        return passphrase

    @field_validator("psk")
    @classmethod
    def _psk(cls, psk: SecretStr | None) -> SecretStr | None:
        if psk is not None and re.fullmatch(r"[0-9a-f]{64}", psk.get_secret_value()) is None:
            raise ValueError("a WPA PSK is 64 hexadecimal digits (lower case)")
        return psk

    @model_validator(mode="after")
    def _one_key(self) -> Wifi:
        if (self.passphrase is None) == (self.psk is None):
            raise ValueError("give the passphrase (or the psk first boot left), not both")
        return self


class Reader(_Strict):
    kind: Literal["pcsc", "nfc"] = "pcsc"
    name: str | None = Field(None, min_length=1, description=(
        "pcsc: the reader whose name starts with this, when there are several"))
    device: str = Field("usb", pattern=r"^[A-Za-z0-9:_./-]+$", description=(
        "nfc: nfcpy's device path (usb, usb:072f:2200, tty:AMA0)"))

    @property
    def uri(self) -> str:
        """The runtime configuration's ``reader`` (kiosk.hardware.reader.open_reader)."""
        if self.kind == "nfc":
            return f"nfc:{self.device}"
        return f"pcsc:{self.name}" if self.name else "pcsc"


def _ssh_public_key(line: str) -> str:
    """One ``authorized_keys`` line, ``TYPE BASE64 [comment]``, whose key loads and is strong
    enough. One line and no options: a line break would add a line of the file's own (with
    ``command=`` or ``from=`` options, say) that nobody checked."""
    line = line.strip()
    if (line.split() or [""])[0] not in SSH_KEY_TYPES:
        raise ValueError("not an SSH public key of a type taken (ssh-ed25519, ecdsa-sha2-*, "
                         "ssh-rsa): copy the whole line of the .pub file, never the private key")
    if any(c < " " or c == "\x7f" for c in line):
        raise ValueError("one key per string, on one line (no line break or control character)")
    try:
        key = load_ssh_public_key(line.encode())
    except (ValueError, UnsupportedAlgorithm):
        raise ValueError("not a valid SSH public key: copy the whole line of the .pub "
                         "file") from None
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        raise ValueError(f"an RSA key of {key.key_size} bits: at least {MIN_RSA_BITS} "
                         "(ssh-keygen -t ed25519 makes a better one)")
    return line


class Technician(_Strict):
    """Who may log in over SSH, as root, with a key (docs/provisioning.md). Without this
    section the kiosk runs no SSH server at all."""

    ssh_keys: list[Annotated[str, AfterValidator(_ssh_public_key)]] = Field(
        min_length=1, description="lines of the technicians' .pub files, comment kept")


class Provisioning(_Strict):
    site: Site
    backoffice: Backoffice
    ethernet: Ethernet = Ethernet()
    wifi: Wifi | None = None
    reader: Reader = Reader()
    # The optional hardware, exactly as in the runtime profile (kiosk.config).
    printer: config.Printer | None = None
    gpio: config.Gpio | None = None
    frontpanel: config.FrontPanel | None = None
    backlight: config.Backlight | None = None
    technician: Technician | None = None

    @property
    def token(self) -> str | None:
        token = self.backoffice.token
        return token.get_secret_value().strip() if token is not None else None


def parse(text: str, source: str) -> Provisioning:
    """The file's settings, or :class:`ProvisionError` naming ``source`` and every wrong key."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProvisionError(f"{source}: not valid TOML: {exc}") from None
    try:
        return Provisioning.model_validate(raw)
    except ValidationError as exc:
        raise ProvisionError(f"{source}: {config.describe_validation_error(exc)}") from None
