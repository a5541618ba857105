"""The back-office's configuration: one TOML file (``--config``, ``$KIOSK_BACKOFFICE_CONFIG``,
``/etc/kiosk/backoffice.toml``), every mistake refused with the file and the key, as the
kiosk's own configuration does.

Relative paths are resolved against ``state_dir``, where the back-office keeps its CA, its
SQLite database (the embedded default), the application's socket and nginx's runtime files.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kiosk.config import ConfigError, describe_validation_error

ENV_CONFIG = "KIOSK_BACKOFFICE_CONFIG"
SYSTEM_CONFIG = Path("/etc/kiosk/backoffice.toml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Server(_Strict):
    """Where nginx listens: the mTLS API, and enrollment (the one listener that asks for no
    client certificate). ``public_host`` is the name kiosks use: it goes into the server
    certificate and into the API URL handed out at enrollment."""

    public_host: str = "localhost"
    api_listen: str = Field("127.0.0.1:8443", description="host:port of the mTLS listener")
    enroll_listen: str = Field("127.0.0.1:8444", description="host:port of enrollment")
    web_listen: str = Field("127.0.0.1:8445", description="host:port of the clerks' console "
                            "and the citizens' phones (no client certificate)")
    workers: int = Field(2, ge=1, le=64, description="application processes")
    nginx: str = Field("/usr/sbin/nginx", description="the nginx binary")
    # The largest request: a hand-off ticket, its photo in base64 (schemas.MAX_PHOTO_BYTES).
    body_limit_bytes: int = Field(262_144, ge=1024, le=16_777_216)


class Database(_Strict):
    """SQLAlchemy URL; ``sqlite:///NAME`` with a relative NAME lives in the state directory."""

    url: str = "sqlite:///backoffice.db"


class Ca(_Strict):
    kiosk_certificate_days: int = Field(7, ge=1, le=397)
    crl_days: int = Field(7, ge=1, le=90)


class Enrollment(_Strict):
    token_hours: int = Field(24, ge=1, le=24 * 30)
    rate_per_minute: int = Field(10, ge=1, le=600, description="per client address, at nginx")


class Level3(_Strict):
    """How the back-office judges a card's authentication certificate (as the kiosk's
    ``certificates`` section: anchors, local CRL files, what a missing answer means), and
    whether the verdict row keeps the codice fiscale (off unless the Comune says so)."""

    anchors: list[str] = Field(default_factory=list)
    crls: list[str] = Field(default_factory=list)
    revocation: Literal["off", "soft-fail", "hard-fail"] = "hard-fail"
    record_codice_fiscale: bool = False
    nonce_seconds: int = Field(120, ge=10, le=3600)


class Tickets(_Strict):
    """Hand-off tickets: their personal data (names, codice fiscale, document number, date
    of birth, e-mail, photo) is deleted ``retention_days`` after the ticket closes, by
    ``kiosk backoffice tickets purge`` and by ``serve`` every ``purge_minutes``."""

    retention_days: int = Field(30, ge=0, le=3650)
    purge_minutes: int = Field(60, ge=1, le=24 * 60)


class PhoneClaims(_Strict):
    """Where the provider puts the citizen's identity: claim names as the Comune's gateway
    spells them (the CIE/SPID OIDC profile names the codice fiscale with a URI)."""

    given_name: str = "given_name"
    family_name: str = "family_name"
    fiscal_number: str = "https://attributes.eid.gov.it/fiscal_number"


class Phone(_Strict):
    """"Continue with smartphone": the Comune's OpenID provider (its gateway offers "Entra con
    CIE"), this back-office as its client, and the address citizens' phones reach the web
    listener at (``public_url``: the QR codes and the redirect URI are made from it). Empty
    ``issuer``: the feature is off and the kiosk API refuses it with a code."""

    issuer: str = ""
    client_id: str = ""
    client_secret_file: str = Field("", description="relative to state_dir; never in this file")
    public_url: str = Field("", description="https://HOST:PORT of the web listener, as phones "
                            "reach it")
    scopes: list[str] = Field(default_factory=lambda: ["openid", "profile"])
    claims: PhoneClaims = PhoneClaims()
    link_seconds: int = Field(180, ge=30, le=1800, description="the QR's one-time URL")
    login_seconds: int = Field(600, ge=60, le=3600, description="from the QR to the code")
    code_seconds: int = Field(300, ge=60, le=1800, description="the code on the phone")
    code_tries: int = Field(3, ge=1, le=10)

    @field_validator("issuer", "public_url")
    @classmethod
    def _https(cls, value: str) -> str:
        """HTTPS, or plain HTTP on the loopback (a provider a test or a demo runs)."""
        if value and not (value.startswith("https://")
                          or re.match(r"^http://(127\.0\.0\.1|localhost)(:\d+)?(/|$)", value)):
            raise ValueError("must be an https:// URL (http:// only on 127.0.0.1 or localhost)")
        return value.rstrip("/")

    @property
    def enabled(self) -> bool:
        return bool(self.issuer)


class BackofficeConfig(_Strict):
    state_dir: str = "/var/lib/kiosk-backoffice"
    server: Server = Server()
    database: Database = Database()
    ca: Ca = Ca()
    enrollment: Enrollment = Enrollment()
    level3: Level3 = Level3()
    tickets: Tickets = Tickets()
    phone: Phone = Phone()
    # Where the file was read from, for messages; not a key of the file.
    source: str = Field("(defaults)", exclude=True)

    @property
    def state_path(self) -> Path:
        return Path(self.state_dir).expanduser()

    def resolve(self, path: str) -> Path:
        return self.state_path / Path(path).expanduser()

    @property
    def database_url(self) -> str:
        """The URL with a relative SQLite file placed in the state directory."""
        url = self.database.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/"):
            return prefix + str(self.resolve(url.removeprefix(prefix)))
        return url


def load(path: Path | None = None) -> BackofficeConfig:
    """``path``, else $KIOSK_BACKOFFICE_CONFIG, else /etc/kiosk/backoffice.toml if it exists,
    else the defaults."""
    if path is None and os.environ.get(ENV_CONFIG):
        path = Path(os.environ[ENV_CONFIG])
    if path is None and SYSTEM_CONFIG.exists():
        path = SYSTEM_CONFIG
    if path is None:
        return BackofficeConfig()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file", code="CONFIG_NOT_FOUND") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from None
    return parse(text, str(path))


def parse(text: str, source: str) -> BackofficeConfig:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    if "source" in raw:
        raise ConfigError(f"{source}: source: unknown key")
    try:
        return BackofficeConfig.model_validate({**raw, "source": source})
    except ValidationError as exc:
        raise ConfigError(f"{source}: {describe_validation_error(exc)}") from None
