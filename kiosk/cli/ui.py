"""``kiosk screenshot``: a PNG of any screen, drawn as the kiosk draws it.

The screen is reached the honest way: a real :class:`~kiosk.journeys.KioskSession` is driven
to the state with the in-process virtual CIE (a fresh demo card and test PKI in a temporary
folder), by the same events a citizen's touches produce; then :func:`kiosk.ui.render.draw`
paints ``session.view`` on SDL's dummy driver. The few states no well-behaved card produces
(an error, a card taken away mid-read, the card still working) use a card worker that answers
with that outcome, as the journey tests do; the back-office's commands are posted as the
uplink posts them, and "Test my PIN" has a stand-in back-office that finds every card good,
or one that cannot be reached; a hand-off has a stand-in desk, reachable or not, and a
stand-in printer that prints or answers with a printer's trouble; the help overlay is shown
with the back-office link up, down, or with no back-office at all. The activation helper's
cases get a card of their own (a child, a card about to expire) and the kiosk's clock where
the case needs it (days after the card was issued, or never set).
``--state list`` names the states.
"""

from __future__ import annotations

import argparse
import datetime as dt
import enum
import functools
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization

from kiosk.attach import build_reader
from kiosk.cie import csca
from kiosk.cie.steps import Step
from kiosk.cli import output
from kiosk.errors import KioskError
from kiosk.hardware.reader import CardReader
from kiosk.hardware.virtual import VirtualDriver
from kiosk.journeys import (
    CallClerk,
    CardInserted,
    CardRemoved,
    CertificatePolicy,
    Choice,
    Chosen,
    Confirmed,
    DigitTyped,
    InlineCardWorker,
    KioskSession,
    Language,
    LanguageChosen,
    Lock,
    ShowNotice,
    Tick,
    View,
)
from kiosk.journeys.events import (
    CardFailed,
    CardProgress,
    CaseOpened,
    CharacterTyped,
    Command,
)
from kiosk.journeys.guidance import Guidance
from kiosk.journeys.ports import (
    NO_PRINTER,
    ActivationSteps,
    CardProof,
    FiledTicket,
    HandOff,
    Level3Checker,
    Nonce,
    Offline,
    PhoneIdentity,
    PhoneLink,
    PhoneRefused,
    ReceiptRequest,
    RemoteVerdict,
    TicketDesk,
)
from kiosk.journeys.worker import CardJob, CardWorker, Errand
from kiosk.sim import icao_issuing, issuing, pki
from kiosk.sim.card import VirtualCie
from kiosk.sim.profile import CardProfile

Size = tuple[int, int]
DEFAULT_SIZE: Size = (800, 480)


class Worker(enum.Enum):
    """Which card worker the session gets: the real one on the virtual card, or a stand-in."""

    CARD = "card"
    HOLD = "hold"  # never answers: the "hold the card still" screen
    FAIL = "fail"  # answers every job with PROTOCOL_ERROR
    TEAR = "tear"  # answers every job with CARD_REMOVED
    TORN_CHANGE = "torn-change"  # the real one; the card leaves during CHANGE REFERENCE DATA


class BackOffice(enum.Enum):
    """Which back-office "Test my PIN" asks: none, one that finds the card good, or one that
    cannot be reached."""

    NONE = "none"
    GOOD = "good"
    UNREACHABLE = "unreachable"


class Desk(enum.Enum):
    """Which desk a hand-off files its ticket with: none, or one that is reachable or not."""

    NONE = "none"
    ONLINE = "online"
    OFFLINE = "offline"


# What the citizen does, step by step: a Choice's value, or one of these.
INSERT, REMOVE, PIN, WRONG, PUK, NEW_PIN, NEW_PIN_ONCE, THREE, IDLE, PHONE_CODE = (
    "insert", "remove", "pin", "wrong", "puk", "new-pin", "new-pin-once", "three-digits", "idle",
    "phone-code")
LOCK, NOTICE = "lock", "notice"  # the back-office's commands, with a clerk's words
CAN, EMAIL = "can", "email"  # the demo card's CAN; an e-mail address typed half-way
HELP = "help"  # the top bar's help button
CASE_OPENED = "case-opened"  # the tamper switch


@dataclass(frozen=True)
class Link:
    """The back-office link the help overlay asks about."""

    up: bool

    def reachable(self) -> bool:
        return self.up


@dataclass(frozen=True)
class Scenario:
    steps: tuple[str, ...]
    worker: Worker = Worker.CARD
    pin_tries: int | None = None
    puk_tries: int | None = None
    back_office: BackOffice = BackOffice.NONE
    desk: Desk = Desk.NONE
    csca: bool = True  # False: passive authentication finds no trusted CSCA
    # The smartphone login's back-office: None, one that redeems the code ("ok"), or one
    # that refuses it with this code ("UPLINK_UNREACHABLE": the link too).
    phone: str | None = None
    link: Link | None = None
    # What the receipt printer answers a hand-off's ticket: None, it printed; else its code
    # (PRINTER_PAPER_OUT, PRINTER_GONE, PRINTER_NONE for a kiosk without one).
    receipt: str | None = None
    # The activation helper's cases: the holder's age in years, the card's days left (None:
    # the demo card's), the kiosk's clock that many days after the card was issued (or at
    # 1970, a clock that was never set), and a receipt printer that prints.
    age: int | None = None
    expires_in: int | None = None
    days_later: int = 0
    clock_unset: bool = False
    printer: bool = False


_MENU = ("choice.start", "choice.continue")
_CHECK = (*_MENU, "choice.check_card", INSERT)
_TEST = (*_MENU, "choice.test_pin", INSERT)
_CHANGE = (*_MENU, "choice.change_pin", INSERT, PIN, "choice.continue")
_UNBLOCK = (*_MENU, "choice.unblock_pin", INSERT)
_TO_PUK = (*_UNBLOCK, "choice.continue")
_LOST = (*_MENU, "choice.lost_codes")
_REPRINT = (*_LOST, "choice.lost_both", "choice.go_to_counter", "choice.request_reprint")
_READ = (*_REPRINT, "choice.continue", INSERT, CAN)
_DELIVERY = (*_READ, "choice.continue")
_PHONE = (*_MENU, "choice.continue_with_phone")
_PHONE_CODE = (*_PHONE, "choice.have_code", "phone-code")
_ACTIVATE = (*_MENU, "choice.activate")
_ACTIVATION = (*_ACTIVATE, "choice.continue", INSERT, CAN)


def _steps(count: int) -> tuple[str, ...]:
    """The activation helper's steps, ``count`` screens past what to have at hand."""
    return (*_ACTIVATION, *("choice.continue",) * count)


SCENARIOS: dict[str, Scenario] = {
    "attract": Scenario(()),
    "language": Scenario(_MENU[:1]),
    "menu": Scenario(_MENU),
    "timeout-warning": Scenario((*_MENU, IDLE)),
    "lay-card": Scenario(_CHECK[:-1]),
    "reading": Scenario(_CHECK, Worker.HOLD),
    "card-removed": Scenario(_CHECK, Worker.TEAR),
    "change-in-doubt": Scenario((*_CHANGE, NEW_PIN), Worker.TORN_CHANGE),
    "after-doubt": Scenario((*_CHANGE, NEW_PIN, INSERT), Worker.TORN_CHANGE),
    "how-to-place-card": Scenario((*_CHECK, REMOVE, "choice.check_card", INSERT, REMOVE,
                                   "choice.check_card"), Worker.TEAR),
    "error": Scenario(_CHECK, Worker.FAIL),
    "check-result": Scenario(_CHECK),
    "enter-pin": Scenario(_TEST),
    "enter-pin-typing": Scenario((*_TEST, THREE)),
    "pin-works": Scenario((*_TEST, PIN)),
    "pin-works-back-office": Scenario((*_TEST, PIN), back_office=BackOffice.GOOD),
    "pin-works-kiosk-only": Scenario((*_TEST, PIN), back_office=BackOffice.UNREACHABLE),
    "wrong-pin": Scenario((*_TEST, WRONG)),
    "pin-blocked": Scenario(_TEST, pin_tries=0),
    "card-dead": Scenario(_TEST, pin_tries=0, puk_tries=0),
    "enter-old-pin": Scenario(_CHANGE[:-2]),
    "new-pin-rules": Scenario(_CHANGE[:-1]),
    "enter-new-pin": Scenario(_CHANGE),
    "repeat-new-pin": Scenario((*_CHANGE, NEW_PIN_ONCE)),
    "pin-changed": Scenario((*_CHANGE, NEW_PIN)),
    "puk-tries": Scenario(_UNBLOCK, pin_tries=0),
    "puk-confirm": Scenario(_TO_PUK, pin_tries=0, puk_tries=2),
    "enter-puk": Scenario(_TO_PUK, pin_tries=0),
    "wrong-puk": Scenario((*_TO_PUK, WRONG, "choice.continue", NEW_PIN), pin_tries=0),
    "pin-unblocked": Scenario((*_TO_PUK, PUK, "choice.continue", NEW_PIN), pin_tries=0),
    "lost-what": Scenario(_LOST),
    "lost-paths": Scenario((*_LOST, "choice.lost_puk")),
    "puk-recovery-app": Scenario((*_LOST, "choice.lost_puk", "choice.recover_puk_app")),
    "reprint-at-counter": Scenario((*_LOST, "choice.lost_both", "choice.go_to_counter")),
    "phone-wait": Scenario(_PHONE, Worker.HOLD, phone="ok"),
    "phone-qr": Scenario(_PHONE, phone="ok"),
    "phone-code": Scenario((*_PHONE, "choice.have_code"), phone="ok"),
    "phone-identified": Scenario(_PHONE_CODE, phone="ok"),
    "phone-code-wrong": Scenario(_PHONE_CODE, phone="PHONE_CODE_WRONG"),
    "phone-code-used": Scenario(_PHONE_CODE, phone="PHONE_CODE_USED"),
    "phone-qr-expired": Scenario(_PHONE_CODE, phone="PHONE_LINK_EXPIRED"),
    "phone-other-kiosk": Scenario(_PHONE_CODE, phone="PHONE_CODE_OTHER_KIOSK"),
    "phone-too-many-tries": Scenario(_PHONE_CODE, phone="PHONE_TOO_MANY_TRIES"),
    "phone-link-down": Scenario(_PHONE, phone="UPLINK_UNREACHABLE"),
    "notice": Scenario((NOTICE,)),
    "out-of-order": Scenario((*_MENU, LOCK)),
    "tamper-locked": Scenario((*_TEST, CASE_OPENED)),
    "handoff-intro": Scenario(_REPRINT),
    "enter-can": Scenario((*_REPRINT, "choice.continue", INSERT)),
    "handoff-identity": Scenario(_READ),
    "handoff-not-verified": Scenario(_READ, csca=False),
    "handoff-delivery": Scenario(_DELIVERY),
    "enter-email": Scenario((*_DELIVERY, "choice.delivery_email", EMAIL)),
    "ticket-filed": Scenario((*_DELIVERY, "choice.delivery_counter"), desk=Desk.ONLINE),
    "ticket-filed-offline": Scenario((*_DELIVERY, "choice.delivery_counter"),
                                     desk=Desk.OFFLINE),
    "ticket-not-filed": Scenario((*_DELIVERY, "choice.delivery_counter")),
    "receipt-paper-out": Scenario((*_DELIVERY, "choice.delivery_counter"), desk=Desk.ONLINE,
                                  receipt="PRINTER_PAPER_OUT"),
    "receipt-cover-open": Scenario((*_DELIVERY, "choice.delivery_counter"), desk=Desk.ONLINE,
                                   receipt="PRINTER_COVER_OPEN"),
    "receipt-printer-gone": Scenario((*_DELIVERY, "choice.delivery_counter"), desk=Desk.ONLINE,
                                     receipt="PRINTER_GONE"),
    "receipt-no-printer": Scenario((*_DELIVERY, "choice.delivery_counter"), desk=Desk.ONLINE,
                                   receipt=NO_PRINTER),
    "help-called": Scenario((*_TEST, WRONG, HELP), link=Link(up=True)),
    "help-when-back": Scenario((*_MENU, HELP), link=Link(up=False)),
    "help-in-person": Scenario((*_MENU, HELP)),
    "activation-intro": Scenario(_ACTIVATE),
    "activation-clock-unknown": Scenario(_ACTIVATION, clock_unset=True),
    "activation-too-young": Scenario(_ACTIVATION, age=4),
    "activation-new-card-only": Scenario(_ACTIVATION, pin_tries=0, puk_tries=0),
    "activation-unblock-first": Scenario(_ACTIVATION, pin_tries=0),
    "activation-at-hand": Scenario(_steps(0)),
    "activation-puk-where": Scenario(_steps(1)),
    "activation-levels": Scenario(_steps(2)),
    "activation-levels-minor": Scenario(_steps(2), age=15),
    "activation-cieid-app": Scenario(_steps(3)),
    "activation-level-3": Scenario(_steps(4)),
    "activation-done": Scenario(_steps(5), printer=True),
    "activation-printed": Scenario((*_steps(5), "choice.print_steps"), printer=True),
    "activation-done-expiring": Scenario(_steps(5), expires_in=30),
    "renewal-offer": Scenario((*_steps(5), "choice.how_to_renew"), expires_in=30),
    "renewal-expired": Scenario(_ACTIVATION, expires_in=10, days_later=40),
    "pin-works-expiring": Scenario((*_TEST, PIN), expires_in=30),
    "pin-changed-expiring": Scenario((*_CHANGE, NEW_PIN), expires_in=30),
    "pin-unblocked-expiring": Scenario((*_TO_PUK, PUK, "choice.continue", NEW_PIN),
                                       pin_tries=0, expires_in=30),
    "ticket-filed-expiring": Scenario((*_DELIVERY, "choice.delivery_counter"),
                                      desk=Desk.ONLINE, expires_in=30),
    "receipt-paper-out-expiring": Scenario((*_DELIVERY, "choice.delivery_counter"),
                                           desk=Desk.ONLINE, receipt="PRINTER_PAPER_OUT",
                                           expires_in=30),
}


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    shot = groups.add_parser(
        "screenshot", help="draw one screen of the kiosk into a PNG",
        description="Drive a kiosk session with a virtual card to STATE and save what the "
        "screen shows (SDL's dummy driver: no display needed).")
    shot.add_argument("--state", required=True, help="the screen to draw; 'list' names them")
    shot.add_argument("--lang", default="it", choices=[language.value for language in Language],
                      help="language (default %(default)s)")
    shot.add_argument("--size", type=_size, default=DEFAULT_SIZE, metavar="WxH",
                      help="surface size in pixels (default 800x480)")
    shot.add_argument("--dpi", type=float, default=None,
                      help="panel density for the 12 mm touch targets (default the theme's)")
    shot.add_argument("--large-text", action="store_true")
    shot.add_argument("--high-contrast", action="store_true")
    shot.add_argument("--frame", type=int, default=0, help="animation frame (reading screen)")
    shot.add_argument("--page", type=int, default=1,
                      help="page of a text too long for the screen (default the first)")
    shot.add_argument("--ids", action="store_true",
                      help="draw message ids instead of texts (layouts before translations)")
    shot.add_argument("--out", type=Path, help="PNG file to write")
    shot.set_defaults(handler=cmd_screenshot, shot_parser=shot)


def _size(value: str) -> Size:
    width, sep, height = value.lower().partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        raise argparse.ArgumentTypeError(f"{value!r} is not WxH, e.g. 800x480")
    size = (int(width), int(height))
    if not all(64 <= side <= 8192 for side in size):
        raise argparse.ArgumentTypeError("each side must be between 64 and 8192 pixels")
    return size


def cmd_screenshot(args: argparse.Namespace) -> int:
    if args.state == "list":
        print("\n".join(SCENARIOS))
        return output.EXIT_OK
    parser: argparse.ArgumentParser = args.shot_parser
    if args.state not in SCENARIOS:
        parser.error(f"unknown state {args.state!r}; see --state list")
    if args.out is None:
        parser.error("--out is required")
    try:
        view = drive(SCENARIOS[args.state], args.lang)
        _save(view, args)
    except KioskError as exc:
        return output.error(exc, as_json=False)
    print(f"wrote {args.out} ({args.state}, {args.lang}, {args.size[0]}x{args.size[1]})")
    return output.EXIT_OK


def _save(view: View, args: argparse.Namespace) -> None:
    # pygame loads only for the command that draws; the dummy driver needs no display.
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame  # noqa: PLC0415

    from kiosk.ui import render  # noqa: PLC0415
    from kiosk.ui.i18n import Catalog  # noqa: PLC0415
    from kiosk.ui.theme import DEFAULT_DPI, Settings  # noqa: PLC0415

    pygame.display.init()
    pygame.font.init()
    try:
        settings = Settings(dpi=args.dpi or DEFAULT_DPI, large_text=args.large_text,
                            high_contrast=args.high_contrast)
        catalog = MessageIds() if args.ids else Catalog(args.lang)
        surface = pygame.Surface(args.size)
        render.draw(surface, view, catalog, settings, frame=args.frame,
                    page=max(0, args.page - 1))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        pygame.image.save(surface, str(args.out))
    finally:
        pygame.quit()


class MessageIds:
    """A translator that shows the ids themselves (and the values given), for layout work."""

    def text(self, message_id: str, **values: object) -> str:
        shown = " ".join(f"{key}={value}" for key, value in values.items())
        return f"{message_id} {shown}".strip()


class _StandIn(CardWorker):
    """A card worker that never touches the card: it holds every job, or fails it."""

    def __init__(self, reader: CardReader, answer: str | None) -> None:
        super().__init__(reader)
        self.answer = answer

    def _start(self, ticket: int, job: CardJob | Errand) -> None:
        for secret in job.secrets:
            secret.wipe()
        if self.answer is not None:
            self.post(CardFailed(ticket, self.answer))
        else:  # held at the secure channel: the screen says so
            self.post(CardProgress(ticket, Step.DAPP))


class _TornAtChange:
    """The demo card, taken away while it changes the PIN: the answer is lost, and the card
    comes back as it was when it is laid again."""

    def __init__(self, card: VirtualCie) -> None:
        self.card = card
        self.atr = card.atr
        self.in_field = True
        self._torn = False

    def reset(self) -> None:
        self.card.reset()

    def apdu(self, raw: bytes) -> bytes | None:
        if not self._torn and raw[1:2] == b"\x24":
            self._torn = True
            return None
        return self.card.apdu(raw)


_STAND_INS = {Worker.HOLD: None, Worker.FAIL: "PROTOCOL_ERROR", Worker.TEAR: "CARD_REMOVED"}
# The demo card's own codes (kiosk sim card new), never a citizen's; a new PIN that keeps the
# kiosk's rules, and wrong codes of the right length.
_CODES = {PIN: issuing.DEMO_PIN, PUK: issuing.DEMO_PUK, WRONG: "00000000", PHONE_CODE: "123456",
          NEW_PIN: "51739264", THREE: "123", CAN: icao_issuing.DEMO_CAN}
_TYPED_EMAIL = "mario.rossi@comune."
# What a clerk might type, in Italian whatever the citizen's language (shown as typed).
_CLERK: dict[str, Command] = {
    LOCK: Lock("Il lettore di carte è in manutenzione. Torniamo operativi alle 14."),
    NOTICE: ShowNotice("Martedì l'anagrafe chiude alle 12."),
}
# What other threads post to the session: the uplink's commands, the tamper switch.
_POSTED: dict[str, Command | CaseOpened] = {**_CLERK, CASE_OPENED: CaseOpened()}


class _GoodBackOffice:
    """A stand-in back-office that finds every card good (only for the picture of its line)."""

    def nonce(self) -> Nonce | None:
        return Nonce("screenshot", b"\x00" * 32)

    def verify(self, nonce: Nonce, proof: CardProof) -> RemoteVerdict | None:
        return RemoteVerdict(1, works=True, certificate="valid", signature_valid=True,
                             revocation="good")


@dataclass(frozen=True)
class _PhonePicture:
    """A stand-in smartphone login (only for the pictures of its screens): the QR of an
    example address, then the demo identity or the refusal ``answer``."""

    answer: str

    def link(self) -> PhoneLink | PhoneRefused:
        if self.answer == "UPLINK_UNREACHABLE":
            return PhoneRefused(self.answer)
        return PhoneLink("screenshot-login", "https://comune.example.it/phone/"
                         "Xq3v7TnP0bWc2ZrL9kHs4YdF6mGa1uJe8oRi5NlQ")

    def redeem(self, login_id: str, code: str) -> PhoneIdentity | PhoneRefused:
        if self.answer != "ok":
            return PhoneRefused(self.answer)
        return PhoneIdentity("MARIA", "ROSSI", "RSSMRA85T10A562S", "smartphone")


_BACK_OFFICES: dict[BackOffice, Level3Checker | None] = {
    BackOffice.NONE: None, BackOffice.GOOD: _GoodBackOffice(), BackOffice.UNREACHABLE: Offline()}


@dataclass(frozen=True)
class _StandInDesk:
    """A desk that numbers every ticket alike, and is reachable or not."""

    online: bool

    def file(self, hand_off: HandOff) -> FiledTicket | None:
        return FiledTicket("ATRIO1-007", self.online)


_DESKS: dict[Desk, TicketDesk | None] = {
    Desk.NONE: None, Desk.ONLINE: _StandInDesk(online=True),
    Desk.OFFLINE: _StandInDesk(online=False)}


@dataclass(frozen=True)
class _ReceiptPicture:
    """A printer that answers every receipt with ``answer`` (None: it came out)."""

    answer: str | None

    def print(self, request: ReceiptRequest) -> str | None:
        return self.answer


class _Printer:
    """A receipt printer that prints (only for the pictures of the activation helper)."""

    def print_steps(self, steps: ActivationSteps) -> bool:
        return True


def _guidance(scenario: Scenario) -> Guidance:
    """The shipped pages, and the kiosk's clock: now, some days later, or never set."""
    now = (dt.datetime(1970, 1, 1, 0, 1, tzinfo=dt.UTC) if scenario.clock_unset
           else dt.datetime.now(dt.UTC) + dt.timedelta(days=scenario.days_later))
    return Guidance(now=lambda: now)


@dataclass
class _Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@functools.cache
def _authority() -> pki.TestPki:
    return pki.new()


@functools.cache
def _template(birth: dt.date | None = None,
              expiry: dt.date | None = None) -> tuple[str, bytes, bytes]:
    """One demo card per process and holder's birth and expiry (issuing makes RSA keys): its
    profile, its CIE authentication CA and its CSCA (DER)."""
    authority = _authority()
    with tempfile.TemporaryDirectory(prefix="kiosk-screenshot-") as folder:
        path = Path(folder) / "card.json"
        issuing.issue(authority, birth=birth, expiry=expiry).save(path)
        document = path.read_text("utf-8")
    return (document, authority.auth_ca.certificate.public_bytes(serialization.Encoding.DER),
            authority.csca.certificate.public_bytes(serialization.Encoding.DER))


def _card(folder: Path, scenario: Scenario) -> tuple[Path, CertificatePolicy]:
    """A fresh copy of the demo card, with the scenario's holder, expiry and tries left."""
    today = dt.date.today()
    birth = None if scenario.age is None else today.replace(year=today.year - scenario.age)
    expiry = (None if scenario.expires_in is None
              else today + dt.timedelta(days=scenario.expires_in))
    document, anchor, country = _template(birth, expiry)
    path = folder / "card.json"
    path.write_text(document, "utf-8")
    profile = CardProfile.load(path)
    if profile.pins is not None:
        if scenario.pin_tries is not None:
            profile.pins.pin_tries = scenario.pin_tries
        if scenario.puk_tries is not None:
            profile.pins.puk_tries = scenario.puk_tries
    profile.save(path)
    documents = [csca.load_certificate(country)] if scenario.csca else []
    return path, CertificatePolicy([asn1_x509.Certificate.load(anchor)], documents=documents)


def _type(session: KioskSession, digits: str, confirm: bool) -> None:
    for char in digits:
        session.handle(DigitTyped(ord(char)))
    if confirm:
        session.handle(Confirmed())


def _step(session: KioskSession, step: str, driver: VirtualDriver,
          card: VirtualCie | _TornAtChange, clock: _Clock) -> None:
    if step == INSERT:
        driver.insert(card)
        session.handle(CardInserted())
    elif step == REMOVE:
        driver.remove()
        session.handle(CardRemoved())
    elif step == HELP:
        session.handle(CallClerk())
    elif step in _POSTED:
        session.post(_POSTED[step])
        session.pump()
    elif step == IDLE:
        clock.now += session.timing.idle_seconds + 1
        session.handle(Tick())
    elif step == NEW_PIN:
        _type(session, _CODES[NEW_PIN], confirm=True)
        _type(session, _CODES[NEW_PIN], confirm=True)
    elif step == EMAIL:
        for character in _TYPED_EMAIL:
            session.handle(CharacterTyped(character))
    elif step == NEW_PIN_ONCE:
        _type(session, _CODES[NEW_PIN], confirm=True)
    elif step in _CODES:
        _type(session, _CODES[step], confirm=step != THREE)
    else:
        choice = Choice(step)
        if choice not in session.view.options:
            raise ScreenshotError(f"{step} is not offered on {session.view.screen.value}")
        session.handle(Chosen(choice))


class ScreenshotError(KioskError):
    code = "SCREENSHOT_FAILED"


def drive(scenario: Scenario, language: str) -> View:
    """Run a session on a fresh virtual card through ``scenario``; returns the last View."""
    with tempfile.TemporaryDirectory(prefix="kiosk-screenshot-") as folder:
        path, certificates = _card(Path(folder), scenario)
        reader, card = build_reader(f"sim:{path}")
        assert card is not None and isinstance(reader.driver, VirtualDriver)
        real = scenario.worker in (Worker.CARD, Worker.TORN_CHANGE)
        worker: CardWorker = (InlineCardWorker(reader) if real
                              else _StandIn(reader, _STAND_INS[scenario.worker]))
        laid = _TornAtChange(card) if scenario.worker is Worker.TORN_CHANGE else card
        clock = _Clock()
        level3 = _BACK_OFFICES[scenario.back_office]
        phone = _PhonePicture(scenario.phone) if scenario.phone else None
        session = KioskSession(worker, certificates, clock=clock, level3=level3,
                               tickets=_DESKS[scenario.desk], phone=phone, link=scenario.link,
                               receipts=_ReceiptPicture(scenario.receipt),
                               guidance=_guidance(scenario),
                               steps_printer=_Printer() if scenario.printer else None)
        try:
            session.handle(LanguageChosen(Language(language)))
            for step in scenario.steps:
                _step(session, step, reader.driver, laid, clock)
            return session.view
        finally:
            worker.close()
            reader.close()
