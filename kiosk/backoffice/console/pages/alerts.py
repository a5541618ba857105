""""Call a clerk": a kiosk's ``help.requested`` event (data ``{"journey", "step"}``) is an
alert on every open console until the kiosk's ``help.ended`` or a clerk's acknowledgement.
A case opened (``kiosk.tampered``, data ``{"journey"}``: the journey it cut short) is one too,
until a clerk acknowledges it, whatever its age and whatever the kiosk said since (the case
shut again proves nothing: a person must go and look); the board marks the kiosk's row while
it is open (``tampered`` in the live feed's rows).

Help alerts are read from the events table, by kind and time (the ``ix_events_kind_at``
index), over the last hours only: a kiosk ends its help when the citizen's session ends, so a
request older than that window is long over even if its ending was never heard. Tamper alerts
are read by kind alone, the acknowledged ones left out by the join.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kiosk.backoffice.console import audit, csrf, nav
from kiosk.backoffice.console.errors import ConsoleError
from kiosk.backoffice.console.i18n import N_
from kiosk.backoffice.console.pages.board import JOURNEYS
from kiosk.backoffice.console.templates import local_time
from kiosk.backoffice.console.web import Console, flash, gettext, see_other
from kiosk.backoffice.models import ConsoleHelpAck, Event, Kiosk, utcnow

MENU: list[nav.Entry] = []
REQUESTED, ENDED = "help.requested", "help.ended"
TAMPERED = "kiosk.tampered"
WINDOW = dt.timedelta(hours=12)


@dataclass(frozen=True)
class Alert:
    event_id: int
    kiosk: str
    journey: str
    step: str
    since: dt.datetime
    kind: str = REQUESTED  # or TAMPERED


def open_alerts(connection: Connection, now: dt.datetime) -> list[Alert]:
    tampered = connection.execute(
        select(Event.id, Event.at, Event.data, Kiosk.name)
        .join(Kiosk, Kiosk.id == Event.kiosk_id)
        .outerjoin(ConsoleHelpAck, ConsoleHelpAck.event_id == Event.id)
        .where(Event.kind == TAMPERED, ConsoleHelpAck.event_id.is_(None)))
    alerts = [Alert(event_id, kiosk, str(data.get("journey") or ""), "", at, TAMPERED)
              for event_id, at, data, kiosk in tampered]
    found = connection.execute(
        select(Event.id, Event.kind, Event.at, Event.data, Kiosk.name,
               ConsoleHelpAck.event_id.label("acked"))
        .join(Kiosk, Kiosk.id == Event.kiosk_id)
        .outerjoin(ConsoleHelpAck, ConsoleHelpAck.event_id == Event.id)
        .where(Event.kind.in_([REQUESTED, ENDED]), Event.at >= now - WINDOW)
        .order_by(Event.at, Event.id))
    last: dict[str, Alert | None] = {}
    for event_id, kind, at, data, kiosk, acked in found:
        if kind == REQUESTED and acked is None:
            last[kiosk] = Alert(event_id, kiosk, str(data.get("journey") or ""),
                                str(data.get("step") or ""), at)
        else:
            last[kiosk] = None
    alerts += (alert for alert in last.values() if alert)
    return sorted(alerts, key=lambda alert: alert.since)


def tampered_kiosks(alerts: list[Alert]) -> set[str]:
    """The kiosks whose case was opened, and no clerk has acknowledged it yet."""
    return {alert.kiosk for alert in alerts if alert.kind == TAMPERED}


def shown(request: Request, alert: Alert, now: dt.datetime) -> dict[str, object]:
    minutes = max(0, int((now - alert.since).total_seconds() // 60))
    journey = gettext(request, JOURNEYS[alert.journey]) if alert.journey in JOURNEYS \
        else alert.journey
    pattern = "%H:%M:%S"
    if alert.kind == TAMPERED:  # it may be days old
        pattern = "%d/%m %H:%M:%S"
        text = N_("Kiosk {kiosk}: its case was opened. It stays locked until someone has "
                  "checked it, the case is shut and a clerk unlocks it")
        where = gettext(request, N_("Session wiped: {journey}")).format(
            journey=journey) if journey else gettext(request, N_("No citizen's session"))
    else:
        text = N_("Kiosk {kiosk} is calling a clerk")
        where = gettext(request, N_("Step: {step}")).format(
            step=" · ".join(part for part in (journey, alert.step) if part) or "—")
    return {
        "id": alert.event_id,
        "kind": "tamper" if alert.kind == TAMPERED else "help",
        "text": gettext(request, text).format(kiosk=alert.kiosk),
        "where": where,
        "since": gettext(request, N_("Since {time} ({minutes} min)")).format(
            time=local_time(alert.since, pattern), minutes=minutes),
    }


def routes(console: Console) -> list[BaseRoute]:
    async def acknowledge(request: Request) -> Response:
        await csrf.checked_form(request)
        user = await console.signed_in(request)
        event_id: int = request.path_params["event_id"]
        now = utcnow()

        def ack(connection: Connection) -> str:
            found = connection.execute(
                select(Kiosk.name, Event.kind, Event.at).join(Event, Event.kiosk_id == Kiosk.id)
                .where(Event.id == event_id, Event.kind.in_([REQUESTED, TAMPERED]))).first()
            if found is None:
                raise ConsoleError(404, "NOT_FOUND")
            kiosk, kind, at = found
            connection.execute(insert(ConsoleHelpAck).values(
                event_id=event_id, user_name=user.name, at=now))
            if kind == TAMPERED:  # when the case was opened, in the kiosk's own time
                audit.record(connection, user.name, "tamper.ack", kiosk,
                             local_time(at, "%d/%m %H:%M:%S"), now=now)
            else:
                audit.record(connection, user.name, "help.ack", kiosk, now=now)
            return kiosk

        try:
            kiosk = await console.run(ack)
        except IntegrityError:
            kiosk = None  # another clerk was quicker: the alert is gone either way
        if kiosk is not None:
            flash(request, N_("You are going to kiosk {kiosk}."), kiosk=kiosk)
        return see_other("board")

    return [Route("/help/{event_id:int}/ack", acknowledge, methods=["POST"])]
