"""What citizens do at the kiosk, as explicit state machines (DESIGN.md §2, §3).

One module per journey holds its transition table; :mod:`~kiosk.journeys.session` runs them
inside the kiosk session. The UI renders :class:`~kiosk.journeys.views.View` values and sends
:mod:`~kiosk.journeys.events`; card work goes through :mod:`~kiosk.journeys.worker`. No
pygame, no pyscard, no HTTP here.
"""

from kiosk.journeys.certificates import CertificatePolicy
from kiosk.journeys.events import (
    CallClerk,
    Cancel,
    CardDone,
    CardFailed,
    CardInserted,
    CardRemoved,
    CaseClosed,
    CaseOpened,
    Chosen,
    CloseHelp,
    Confirmed,
    DigitDeleted,
    DigitTyped,
    Event,
    ExtendSession,
    LanguageChosen,
    Lock,
    ShowNotice,
    Tick,
    Unlock,
)
from kiosk.journeys.machine import JourneyId
from kiosk.journeys.session import EndReason, JourneyEnd, KioskSession, Phase, Timing
from kiosk.journeys.states import PUK_RECOVERY_URL
from kiosk.journeys.views import (
    Back,
    Choice,
    Desk,
    ErrorView,
    HelpView,
    Language,
    PadView,
    Screen,
    View,
    WarningView,
)
from kiosk.journeys.worker import CardWorker, InlineCardWorker, ThreadCardWorker, from_reader

__all__ = [
    "PUK_RECOVERY_URL",
    "Back",
    "CallClerk",
    "Cancel",
    "CardDone",
    "CardFailed",
    "CardInserted",
    "CardRemoved",
    "CardWorker",
    "CaseClosed",
    "CaseOpened",
    "CertificatePolicy",
    "Choice",
    "Chosen",
    "CloseHelp",
    "Confirmed",
    "Desk",
    "DigitDeleted",
    "DigitTyped",
    "EndReason",
    "ErrorView",
    "Event",
    "ExtendSession",
    "HelpView",
    "InlineCardWorker",
    "JourneyEnd",
    "JourneyId",
    "KioskSession",
    "Language",
    "LanguageChosen",
    "Lock",
    "PadView",
    "Phase",
    "Screen",
    "ShowNotice",
    "ThreadCardWorker",
    "Tick",
    "Timing",
    "Unlock",
    "View",
    "WarningView",
    "from_reader",
]
