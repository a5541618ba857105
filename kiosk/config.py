"""The kiosk's configuration: one TOML file, several named profiles, one of them active.

``sim`` runs everything on virtual hardware (the default, for development and the demo);
``pi`` drives the real reader and display of a kiosk. A Comune's technician edits this file on
the boot partition, so every mistake must come back as a sentence that names the file and the
key: unknown keys and wrong types are refused, never ignored.

Relative paths inside a profile are resolved against its ``state_dir``; ``~`` is expanded.
"""

from __future__ import annotations

import os
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from kiosk.errors import KioskError

ENV_CONFIG = "KIOSK_CONFIG"
ENV_PROFILE = "KIOSK_PROFILE"
SYSTEM_CONFIG = Path("/etc/kiosk/kiosk.toml")


class ConfigError(KioskError):
    code = "CONFIG_INVALID"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Display(_Strict):
    mode: Literal["fullscreen", "window", "headless"] = "fullscreen"
    # A list, not a tuple: TOML has arrays, and strict mode does not turn one into the other.
    size: list[int] | None = Field(
        None, min_length=2, max_length=2, description="width and height; None = the screen's"
    )
    driver: str | None = Field(None, description="SDL video driver, e.g. kmsdrm on the Pi")
    dpi: int = Field(160, ge=50, le=600, description="pixels per inch, for 12 mm touch targets")


class Certificates(_Strict):
    """How authentication certificates are checked: revocation from local CRL files only
    (the kiosk never fetches them itself), and what a missing answer means."""

    revocation: Literal["off", "soft-fail", "hard-fail"] = "soft-fail"
    crls: list[str] = Field(default_factory=list, description="CRL files, DER or PEM")
    anchors: list[str] = Field(
        default_factory=list, description="CA certificate files or folders for the CIE certificate"
    )


class Uplink(_Strict):
    """The link to the back-office. Where it is comes from enrollment (``kiosk enroll``, which
    keeps the pinned CA, the key and the certificate in ``state_dir``/uplink); this section
    only says how the kiosk uses it. Without it the kiosk runs on its own."""

    enabled: bool = True
    heartbeat_seconds: float = Field(30.0, ge=1, le=3600)
    timeout_seconds: float = Field(10.0, gt=0, le=120, description="one request's bound")
    batch_size: int = Field(100, ge=1, le=500, description="events per request")
    outbox_max_events: int = Field(100_000, ge=100, le=10_000_000)
    renew_before_days: float = Field(3.0, gt=0, le=365)
    backoff_max_seconds: float = Field(60.0, ge=1, le=3600)
    l3_timeout_seconds: float = Field(3.0, gt=0, le=30, description="nonce and verdict")
    ticket_prefix: str | None = Field(
        None, pattern=r"^[A-Z0-9]{1,8}$",
        description="before a hand-off ticket's number; default: the enrolled kiosk's name")


# The printer URIs of kiosk.hardware.printer.uri, checked here because the configuration may
# not import the hardware room; tests/hardware/printer/test_uri.py holds the two together.
PRINTER_URI = re.compile(r"usb:0x[0-9a-fA-F]{4}:0x[0-9a-fA-F]{4}|serial:/[^:]*(:[0-9]+)?"
                         r"|network:[A-Za-z0-9][A-Za-z0-9.-]{0,252}(:(?P<port>[0-9]{1,5}))?"
                         r"|virtual:.+")


class Printer(_Strict):
    """The receipt printer. Without this section the kiosk has none, and says so to the
    citizen ("take a photo of the number instead")."""

    uri: str = Field(description="usb:0xVENDOR:0xPRODUCT, serial:DEVICE[:BAUD], "
                                 "network:HOST[:PORT] or virtual:DIR")
    model: str = Field("TM-T20II", pattern=r"^[A-Za-z0-9][A-Za-z0-9_. -]*$", description=(
        "the printer's name in python-escpos's printer database (paper width, code pages)"))

    @field_validator("uri")
    @classmethod
    def _known_uri(cls, uri: str) -> str:
        match = PRINTER_URI.fullmatch(uri)
        if match is None or not 0 < int(match["port"] or 9100) < 65536:
            raise ValueError("not usb:0xVENDOR:0xPRODUCT, serial:DEVICE[:BAUD], "
                             "network:HOST[:PORT] or virtual:DIR")
        return uri


# BCM numbers of the 40-pin header's free GPIOs (0 and 1 belong to the HAT's EEPROM).
Pin = Annotated[int, Field(ge=2, le=27)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
HOURS = re.compile(r"(?P<start>[01][0-9]|2[0-3]):[0-5][0-9]-(?P<end>[01][0-9]|2[0-4]):[0-5][0-9]")


class Site(_Strict):
    """Where the kiosk stands: what a receipt and the screens call the Comune, and when it is
    open (the backlight is off outside these hours; without them, always open)."""

    comune: str = Field("Comune di Esempio", min_length=1, max_length=80)
    opening_hours: dict[Weekday, list[str]] | None = Field(None, description=(
        'per day, spans such as "08:30-12:30"; a day not named is closed'))

    @field_validator("opening_hours")
    @classmethod
    def _spans(cls, days: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        for day, spans in (days or {}).items():
            for span in spans:
                if HOURS.fullmatch(span) is None or span[:5] >= span[6:]:
                    raise ValueError(f"{day}: {span!r} is not HH:MM-HH:MM, start before end")
        return days


class Gpio(_Strict):
    """The devices on the Pi's own pins, by BCM number; a device left out is not fitted.
    ``auto`` takes RPi.GPIO's API (rpi-lgpio on bookworm and the Pi 5), then lgpio;
    ``mock`` is gpiozero's MockFactory, for the simulated kiosk."""

    factory: Literal["auto", "rpigpio", "lgpio", "mock"] = "auto"
    guidance_light: Pin | None = Field(None, description="the ring around the reader")
    status_led: Pin | None = None
    buzzer: Pin | None = None
    tamper: Pin | None = Field(None, description="closed to ground while the case is shut")
    presence: Pin | None = Field(None, description="high while someone stands in front")
    headphones: Pin | None = Field(None, description="the jack's detect switch, low = plugged")

    @model_validator(mode="after")
    def _distinct(self) -> Gpio:
        seen: dict[int, str] = {}
        for name in ("guidance_light", "status_led", "buzzer", "tamper", "presence",
                     "headphones"):
            pin = getattr(self, name)
            if pin is not None and pin in seen:
                raise ValueError(f"pin {pin} is given to both {seen[pin]} and {name}")
            if pin is not None:
                seen[pin] = name
        return self


class Backlight(_Strict):
    """The screen's backlight through sysfs: full during a session, dimmed when idle, off
    outside the opening hours, woken by a touch or the presence sensor."""

    device: str = Field("auto", pattern=r"^(auto|[A-Za-z0-9_.:-]+|virtual:.+)$", description=(
        "a name under /sys/class/backlight, auto (the first there) or virtual:DIR"))
    idle_percent: int = Field(30, ge=0, le=100)
    idle_after_seconds: float = Field(60.0, ge=5, le=3600)


class FrontPanel(_Strict):
    """The front-panel board (lights, buzzer, tamper latch, the Pi's watchdog)."""

    uri: str = Field(pattern=r"^(serial:/.+|sim)$", description="serial:DEVICE or sim")
    watchdog_seconds: int | None = Field(60, ge=10, le=3600, description=(
        "power-cycle the Pi after this long without a heartbeat; none = never"))


# An address shown as a QR code: https only, printable, short enough for a code a phone reads.
WEB_ADDRESS = r"^https://[^\s]{1,400}$"


class Links(_Strict):
    """The official pages the activation helper opens as QR codes. Left out, each is the
    national page the firmware ships (kiosk.journeys.guidance: the Ministry's page on digital
    identity, the CieID app's page, the Agenda CIE booking); a Comune may point to its own."""

    activation: str | None = Field(None, pattern=WEB_ADDRESS, description=(
        "activating levels 1 and 2 of Entra con CIE"))
    cieid_app: str | None = Field(None, pattern=WEB_ADDRESS, description=(
        "installing the CieID app"))
    booking: str | None = Field(None, pattern=WEB_ADDRESS, description=(
        "booking an appointment for a new card"))


class Renewal(_Strict):
    """The renewal reminder: a card expiring within ``window_days`` (or expired) gets its date
    and the way to renew, in the Comune's words when it gives them, with its booking page
    (else links.booking)."""

    window_days: int = Field(180, ge=0, le=730)
    comune_text: str | None = Field(None, min_length=1, max_length=300, description=(
        "shown as written, in every language: how, where and when to renew"))
    booking_url: str | None = Field(None, pattern=WEB_ADDRESS)


class Profile(_Strict):
    reader: str = Field(description="pcsc, pcsc:NAME, or sim:PROFILE_PATH")
    state_dir: str = Field(description="where the kiosk keeps what must survive a restart")
    display: Display = Display()
    certificates: Certificates = Certificates()
    speech: Literal["off", "espeak"] = Field("off", description="spoken guidance")
    speech_headphones: str | None = Field(None, pattern=r"^[A-Za-z0-9_.:=,-]+$", description=(
        "the ALSA device of the headphone jack (aplay -L), where speech goes while a plug is "
        "in (gpio.headphones); none: the default output, a jack that cuts the loudspeaker"))
    card_timing: Literal["instant", "cie"] = Field(
        "instant", description="a sim: card answers at once, or as slowly as a real CIE")
    uplink: Uplink | None = None
    printer: Printer | None = None
    site: Site = Site()
    gpio: Gpio | None = None
    backlight: Backlight | None = None
    frontpanel: FrontPanel | None = None
    links: Links = Links()
    renewal: Renewal = Renewal()
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @property
    def state_path(self) -> Path:
        return Path(self.state_dir).expanduser()

    def resolve(self, path: str) -> Path:
        return self.state_path / Path(path).expanduser()


class _File(_Strict):
    profile: str = "sim"
    profiles: dict[str, Profile]


class Config:
    """The active profile of a loaded configuration file, and where it came from."""

    def __init__(self, source: str, name: str, profile: Profile) -> None:
        self.source = source
        self.name = name
        self.profile = profile


def default_config_text() -> str:
    return resources.files("kiosk").joinpath("data/kiosk.toml").read_text(encoding="utf-8")


def load(path: Path | None = None, profile: str | None = None) -> Config:
    """Read the configuration: ``path``, else $KIOSK_CONFIG, else /etc/kiosk/kiosk.toml if it
    exists, else the packaged default. ``profile`` (or $KIOSK_PROFILE) overrides the file's."""
    if path is None and os.environ.get(ENV_CONFIG):
        path = Path(os.environ[ENV_CONFIG])
    if path is None and SYSTEM_CONFIG.exists():
        path = SYSTEM_CONFIG
    if path is None:
        source, text = "the packaged kiosk.toml", default_config_text()
    else:
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such configuration file",
                              code="CONFIG_NOT_FOUND") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot be read ({exc})") from None
    return parse(text, source, profile or os.environ.get(ENV_PROFILE) or None)


def parse(text: str, source: str, profile: str | None = None) -> Config:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    try:
        parsed = _File.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {describe_validation_error(exc)}") from None
    name = profile or parsed.profile
    if name not in parsed.profiles:
        known = ", ".join(sorted(parsed.profiles)) or "none"
        raise ConfigError(f"{source}: profile: no profile named {name!r} (defined: {known})")
    return Config(source, name, parsed.profiles[name])


def describe_validation_error(exc: ValidationError) -> str:
    """Every problem as ``key.path: what is wrong``, one after the other."""
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        if error["type"] == "extra_forbidden":
            lines.append(f"{key}: unknown key")
        else:
            lines.append(f"{key}: {error['msg']}")
    return "; ".join(lines)
