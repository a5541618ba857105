"""What the screen must show: immutable values the journeys emit and the UI renders.

No user-facing text is assembled here. A :class:`Screen` value is a message id (``"pin.enter"``),
the UI looks up its title and body in the gettext catalogue of the current language, and the
facts fill the placeholders (tries left, the holder's name). Choices are the buttons the screen
offers; the UI sends :class:`~kiosk.journeys.events.Chosen` with one of them.

A screen offers one way forward (its first choice) and one way back (:class:`Back`, which sends
:class:`~kiosk.journeys.events.Cancel`), named for where it leads: a citizen could not tell
"Ho finito" from "Annulla" when both stood on one screen. Only the screens that are a choice
(the menu, the language, what was lost, which way to recover it) offer more. The help button
is not a choice of any screen: the session puts the overlay it opens in :attr:`View.help`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


class Language(enum.Enum):
    """The languages a CIE itself is printed in (it/en everywhere, de, fr, sl by territory)."""

    IT = "it"
    EN = "en"
    DE = "de"
    FR = "fr"
    SL = "sl"


DEFAULT_LANGUAGE = Language.IT


class Screen(enum.Enum):
    """A screen the UI can draw; the value is the message id of its title and body."""

    ATTRACT = "session.attract"
    LANGUAGE = "session.language"
    MENU = "session.menu"
    LAY_CARD = "card.lay"
    LAY_CARD_HELP = "card.lay_help"  # LAY_CARD once the card was lost mid-read twice
    WORKING = "card.working"
    CARD_REMOVED = "card.removed_stop"
    CARD_IN_DOUBT = "card.in_doubt"  # it left while changing something: lay it again
    AFTER_DOUBT = "card.after_doubt"  # what the card says now, and which PIN to try first
    ERROR = "error.shown"
    # check my card
    CHECK_RESULT = "check.result"
    # PIN and PUK entry, shared by the journeys
    ENTER_PIN = "pin.enter"
    ENTER_OLD_PIN = "pin.enter_old"
    NEW_PIN_RULES = "pin.new_rules"
    ENTER_NEW_PIN = "pin.enter_new"
    REPEAT_NEW_PIN = "pin.repeat_new"
    ENTER_PUK = "puk.enter"
    # outcomes
    PIN_WORKS = "pin.works"
    WRONG_PIN = "pin.wrong"
    PIN_BLOCKED = "pin.blocked"
    PIN_CHANGED = "pin.changed"
    PUK_TRIES = "puk.tries"
    PUK_CONFIRM_LAST_TRIES = "puk.confirm_last_tries"
    WRONG_PUK = "puk.wrong"
    PIN_UNBLOCKED = "puk.pin_unblocked"
    CARD_DEAD = "card.dead"
    # lost codes
    LOST_WHAT = "lost.what"
    LOST_PATHS = "lost.paths"
    PUK_RECOVERY_APP = "lost.puk_recovery_app"
    REPRINT_AT_COUNTER = "lost.reprint_at_counter"
    # hand-offs to the anagrafe desk: reprint of lost codes, PUK recovery at the counter
    HANDOFF_INTRO = "handoff.intro"
    ENTER_CAN = "handoff.enter_can"
    HANDOFF_IDENTITY = "handoff.identity"
    HANDOFF_NOT_VERIFIED = "handoff.not_verified"
    HANDOFF_DELIVERY = "handoff.delivery"
    ENTER_EMAIL = "handoff.enter_email"
    TICKET_FILED = "handoff.ticket_filed"
    TICKET_NOT_FILED = "handoff.ticket_not_filed"
    # the back-office's lock
    OUT_OF_ORDER = "kiosk.out_of_order"
    # the tamper switch's lock: out of service until a clerk unlocks it, case shut
    TAMPERED = "kiosk.tamper_locked"
    # continue with smartphone
    PHONE_WAIT = "phone.wait"  # the back-office is being asked
    PHONE_QR = "phone.qr"
    PHONE_CODE = "phone.code"
    PHONE_IDENTIFIED = "phone.identified"
    # "activate my digital identity" (activation.py) and the renewal reminder
    ACTIVATION_INTRO = "activation.intro"
    ACTIVATION_CLOCK = "activation.clock_unknown"
    ACTIVATION_TOO_YOUNG = "activation.too_young"
    ACTIVATION_PUK_BLOCKED = "activation.puk_blocked"
    ACTIVATION_PIN_BLOCKED = "activation.pin_blocked"
    ACTIVATION_AT_HAND = "activation.at_hand"
    ACTIVATION_PUK_WHERE = "activation.puk_where"
    ACTIVATION_LEVELS_1_2 = "activation.levels_1_2"
    ACTIVATION_CIEID_APP = "activation.cieid_app"
    ACTIVATION_LEVEL_3 = "activation.level_3"
    ACTIVATION_DONE = "activation.done"
    RENEWAL = "renewal.offer"


class Choice(enum.Enum):
    """A button; the value is the message id of its label."""

    START = "choice.start"
    CHECK_CARD = "choice.check_card"
    TEST_PIN = "choice.test_pin"
    CHANGE_PIN = "choice.change_pin"
    UNBLOCK_PIN = "choice.unblock_pin"
    LOST_CODES = "choice.lost_codes"
    CONTINUE = "choice.continue"
    RETRY = "choice.retry"
    CONFIRM_PUK_TRY = "choice.confirm_puk_try"
    GO_TO_COUNTER = "choice.go_to_counter"
    LOST_PIN = "choice.lost_pin"
    LOST_PUK = "choice.lost_puk"
    LOST_BOTH = "choice.lost_both"
    RECOVER_PUK_APP = "choice.recover_puk_app"
    DONE = "choice.done"
    REQUEST_REPRINT = "choice.request_reprint"
    REQUEST_PUK_AT_COUNTER = "choice.request_puk_at_counter"
    DELIVERY_COUNTER = "choice.delivery_counter"
    DELIVERY_EMAIL = "choice.delivery_email"
    CONTINUE_WITH_PHONE = "choice.continue_with_phone"
    HAVE_CODE = "choice.have_code"
    NEW_QR = "choice.new_qr"
    PRINT_AGAIN = "choice.print_again"  # the receipt, once the paper or the cover is seen to
    ACTIVATE = "choice.activate"
    PRINT_STEPS = "choice.print_steps"
    HOW_TO_RENEW = "choice.how_to_renew"


class Back(enum.Enum):
    """The one way back of a screen (the Cancel button), named for where it leads; the value
    is the message id of its label. Which screen it leads to is the journey's table's say."""

    CANCEL = "ui.cancel"  # stop what is under way: the menu (or the attract screen)
    PREVIOUS = "choice.back"  # the screen before
    MENU = "back.menu"  # a result read: another service
    END = "choice.done"  # the menu: the session is over


class Desk(enum.Enum):
    """What the help overlay can promise; the value is the message id of its title and body."""

    CALLED = "help.called"  # the back-office link is up: the desk sees the call now
    WHEN_BACK = "help.when_back"  # the link is down: the call waits in the outbox
    IN_PERSON = "help.in_person"  # a kiosk with no back-office: ask at the counter


# What a fact may hold: plain values, or a tuple of message ids.
Fact = str | int | bool | None | tuple[str, ...]


def facts(**values: Fact) -> Mapping[str, Fact]:
    """A read-only mapping of view data."""
    return MappingProxyType(dict(values))


@dataclass(frozen=True, slots=True)
class PadView:
    """A PIN pad: how many digits are in the holder (drawn as dots, spoken as "3 of 8")."""

    entered: int
    length: int = 8

    @property
    def complete(self) -> bool:
        return self.entered == self.length


@dataclass(frozen=True, slots=True)
class ErrorView:
    """An error as the citizen sees it: message and remedy ids, and the support code to quote."""

    code: str
    message: str
    remedy: str
    support_code: str
    tries_left: int | None = None


@dataclass(frozen=True, slots=True)
class WarningView:
    """The inactivity overlay: seconds until the session ends, and whether it can be extended."""

    seconds_left: int
    extensions_left: int

    @property
    def can_extend(self) -> bool:
        return self.extensions_left > 0


@dataclass(frozen=True, slots=True)
class HelpView:
    """The "call a clerk" overlay, over the screen the citizen was on."""

    desk: Desk


@dataclass(frozen=True, slots=True)
class View:
    """Everything one screen needs; equal views draw the same picture."""

    screen: Screen
    options: tuple[Choice, ...] = ()
    facts: Mapping[str, Fact] = field(default_factory=facts)
    pad: PadView | None = None
    error: ErrorView | None = None
    journey: str | None = None
    language: Language = DEFAULT_LANGUAGE
    warning: WarningView | None = None
    can_cancel: bool = True
    # The chip's face (DG2, as encoded there) on the screen that shows the citizen what the
    # card says; personal data, dropped with the journey like the facts.
    photo: bytes | None = field(default=None, repr=False)
    back: Back = Back.CANCEL  # the label of the way back, when there is one
    help: HelpView | None = None
