"""Statistics for the Comune: journeys per day by outcome, from the kiosks' ``journey.outcome``
events (kiosk/journeys/audit.py: ``{journey, outcome}``), drawn by Chart.js.

Nothing personal is there to show: the events carry codes and ids only. Days are Italy's
calendar days. The last days' events are read by kind and time (``ix_events_kind_at``) and
counted here, which keeps the query the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import Connection, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kiosk.backoffice.console import nav
from kiosk.backoffice.console.accounts import Role
from kiosk.backoffice.console.i18n import N_
from kiosk.backoffice.console.templates import LOCAL_TIME
from kiosk.backoffice.console.web import Console, gettext
from kiosk.backoffice.models import Event, utcnow

MENU = [nav.Entry("statistics", N_("Statistics"), Role.CLERK)]
OUTCOME = "journey.outcome"
PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
# The outcomes' codes (audit.OUTCOMES) in words; a failure's own code is shown as it is.
OUTCOMES = {
    "CARD_CHECKED": N_("Card checked"),
    "PIN_WORKS": N_("PIN works"),
    "WRONG_PIN": N_("Wrong PIN"),
    "PIN_BLOCKED": N_("PIN blocked"),
    "PIN_CHANGED": N_("PIN changed"),
    "WRONG_PUK": N_("Wrong PUK"),
    "PIN_UNBLOCKED": N_("PIN unblocked"),
    "CARD_DEAD": N_("Card no longer usable"),
    "CARD_REMOVED": N_("Card taken away"),
    "PUK_RECOVERY_APP": N_("Sent to the CieID app"),
    "REPRINT_AT_COUNTER": N_("Sent to the counter"),
    "CHANGE_IN_DOUBT": N_("Card left during a change"),
    "TRIES_REREAD": N_("Tries read again"),
    # The activation helper (issue 16), and the renewal offered at the end of any journey.
    "ACTIVATION_STEPS": N_("Activation steps shown"),
    "CLOCK_UNKNOWN": N_("Kiosk clock not set"),
    "TOO_YOUNG": N_("Too young for a digital identity"),
    "UNBLOCK_FIRST": N_("Sent to unblock the PIN first"),
    "NEW_CARD_ONLY": N_("Only a new card helps"),
    "RENEWAL_OFFERED": N_("How to renew shown"),
}


def per_day(connection: Connection, first: dt.date, now: dt.datetime
            ) -> dict[str, Counter[dt.date]]:
    """outcome code -> journeys per local day, from ``first`` to today."""
    since = dt.datetime.combine(first, dt.time(), LOCAL_TIME)
    found = connection.execute(select(Event.at, Event.data)
                               .where(Event.kind == OUTCOME, Event.at >= since, Event.at <= now))
    counts: dict[str, Counter[dt.date]] = {}
    for at, data in found:
        code = str(data.get("outcome") or "UNKNOWN")
        counts.setdefault(code, Counter())[at.astimezone(LOCAL_TIME).date()] += 1
    return counts


def routes(console: Console) -> list[BaseRoute]:
    async def statistics(request: Request) -> Response:
        user = await console.signed_in(request, Role.CLERK)
        asked = request.query_params.get("days", "")
        days = int(asked) if asked.isdigit() and int(asked) in PERIODS else DEFAULT_PERIOD
        now = utcnow()
        today = now.astimezone(LOCAL_TIME).date()
        first = today - dt.timedelta(days=days - 1)
        counts = await console.run(lambda connection: per_day(connection, first, now))
        dates = [first + dt.timedelta(days=offset) for offset in range(days)]
        series = [
            {"label": gettext(request, OUTCOMES[code]) if code in OUTCOMES else code,
             "code": code, "data": [counts[code][date] for date in dates],
             "total": sum(counts[code].values())}
            for code in sorted(counts, key=lambda code: -sum(counts[code].values()))
        ]
        return console.page(request, "statistics.html", user, days=days, periods=PERIODS,
                            chart={"labels": [date.strftime("%d/%m") for date in dates],
                                   "series": series},
                            total=sum(item["total"] for item in series))

    return [Route("/statistics", statistics, methods=["GET"])]
