"""The tickets: the queue of hand-offs the kiosks filed (updated live through the console's feed,
live.py), the ticket page the clerk serves the citizen from, and the chip's photo.

Every role may handle tickets (the menu entry needs only ``clerk``): the roles are ordered, a
technician or the admin is a clerk and more, and in a small Comune the person who looks after
the kiosks also covers the desk. What a role adds is reaching kiosks and accounts, never less
of the desk.

The ticket page shows what the kiosk verified, so the clerk compares the face with the person
at the desk; the photo is the JPEG the back-office made on arrival (tickets.browser_photo),
served only to a signed-in console user and never cached. The audit log gets the action and
the ticket's number, nothing of the citizen: not the name, not the reason of a refusal (the
clerk's words may name the person; they stay with the ticket, where retention applies).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, func, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kiosk.backoffice import tickets
from kiosk.backoffice.console import audit, csrf, nav
from kiosk.backoffice.console.accounts import Role, User
from kiosk.backoffice.console.errors import ConsoleError
from kiosk.backoffice.console.i18n import N_
from kiosk.backoffice.console.templates import local_time
from kiosk.backoffice.console.web import Console, flash, gettext, see_other
from kiosk.backoffice.models import Kiosk, utcnow
from kiosk.backoffice.models import Ticket as TicketRow

MENU = [nav.Entry("tickets", N_("Tickets"), Role.CLERK)]
# The newest open tickets the feed names, for the "new ticket" alert on every console page.
FRESH = 20
PHOTO_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
                 "Content-Disposition": "inline"}

KINDS = {"reprint": N_("Reprint of PIN and PUK"), "puk_recovery": N_("PUK at the counter")}
DELIVERIES = {"counter": N_("Both halves at the counter"),
              "counter_and_email": N_("First half at the counter, second by e-mail")}
STATUSES = {tickets.OPEN: N_("Waiting"), tickets.CLAIMED: N_("Being served"),
            tickets.COMPLETED: N_("Completed"), tickets.REFUSED: N_("Refused")}
SOURCES = {"chip": N_("Identity read from the card's chip"),
           "smartphone": N_("Identity from the smartphone login (CIE)")}
PASSIVE = {"trusted": N_("Trusted: the issuer signed this data"),
           "untrusted": N_("Not trusted: signed by an issuer the kiosk does not know"),
           "invalid": N_("Invalid: the data does not match its signature")}
CHIP = {"passed": N_("Passed: the chip is genuine, not a copy"),
        "failed": N_("Failed: the chip may be a copy"),
        "not-supported": N_("Not supported by this card")}
GOOD = {"trusted", "passed"}
DONE = {"claim": N_("Ticket {number} is yours."),
        "complete": N_("Ticket {number} completed."),
        "refuse": N_("Ticket {number} refused.")}
STATUS_OF_ERROR = {"TICKET_NOT_FOUND": 404, "REASON_REQUIRED": 400}


def _label(request: Request, labels: dict[str, str], value: str) -> str:
    return gettext(request, labels[value]) if value in labels else value


def age(request: Request, since: dt.datetime, now: dt.datetime) -> str:
    minutes = max(0, int((now - since).total_seconds() // 60))
    return gettext(request, N_("{minutes} min")).format(minutes=minutes)


def queued(request: Request, line: tickets.QueuedTicket, now: dt.datetime) -> dict[str, Any]:
    """One line of the queue as the page and the live feed show it."""
    return {"id": line.id, "number": line.number, "kiosk": line.kiosk,
            "kind": _label(request, KINDS, line.kind), "status": line.status,
            "status_label": _label(request, STATUSES, line.status),
            "received": local_time(line.received_at, "%d/%m %H:%M"),
            "age": age(request, line.received_at, now), "claimed_by": line.claimed_by or "—"}


def fresh(connection: Connection) -> tuple[int, list[dict[str, Any]]]:
    """How many tickets wait for a clerk, and the newest of them (id, number, kiosk)."""
    waiting = connection.scalar(
        select(func.count()).select_from(TicketRow).where(TicketRow.status == tickets.OPEN))
    newest = connection.execute(
        select(TicketRow.id, TicketRow.number, Kiosk.name)
        .join(Kiosk, Kiosk.id == TicketRow.kiosk_id).where(TicketRow.status == tickets.OPEN)
        .order_by(TicketRow.id.desc()).limit(FRESH))
    return waiting or 0, [{"id": id_, "number": number, "kiosk": kiosk}
                          for id_, number, kiosk in newest]


def feed(request: Request, connection: Connection, now: dt.datetime,
         with_queue: bool) -> dict[str, Any]:
    """The tickets' part of the live feed: the waiting count and the newest open tickets for
    every page; the queue's lines too when the queue page asks."""
    waiting, newest = fresh(connection)
    body: dict[str, Any] = {
        "waiting": waiting,
        "fresh": [{**ticket, "text": gettext(request, N_(
            "New ticket {number} from kiosk {kiosk}")).format(**ticket)} for ticket in newest],
    }
    if with_queue:
        body["queue"] = [queued(request, line, now) for line in tickets.queue(connection)]
    return body


def detail(request: Request, ticket: tickets.TicketDetail, now: dt.datetime) -> dict[str, Any]:
    """The ticket page's values, labels in the clerk's language."""
    born = ticket.date_of_birth
    if born and len(born) == 10:
        born = f"{born[8:10]}/{born[5:7]}/{born[0:4]}"  # ISO as the chip's DG11 gives it
    return {
        "id": ticket.id, "number": ticket.number, "kiosk": ticket.kiosk,
        "status": ticket.status, "status_label": _label(request, STATUSES, ticket.status),
        "kind": _label(request, KINDS, ticket.kind),
        "delivery": _label(request, DELIVERIES, ticket.delivery),
        "by_email": ticket.delivery == "counter_and_email",
        "filed_at": local_time(ticket.filed_at), "received_at": local_time(ticket.received_at),
        "age": age(request, ticket.received_at, now),
        "source": _label(request, SOURCES, ticket.identity_source),
        "from_chip": ticket.identity_source == "chip",
        "passive": _label(request, PASSIVE, ticket.passive_auth),
        "passive_ok": ticket.passive_auth in GOOD,
        "chip": _label(request, CHIP, ticket.chip_auth), "chip_ok": ticket.chip_auth in GOOD,
        "verified": ticket.verified,
        "name": " ".join(part for part in (ticket.given_name, ticket.surname) if part),
        "codice_fiscale": ticket.codice_fiscale, "document_number": ticket.document_number,
        "date_of_birth": born, "email": ticket.email,
        "has_photo": ticket.photo_browser is not None,
        "claimed_by": ticket.claimed_by, "claimed_at": local_time(ticket.claimed_at),
        "closed_by": ticket.closed_by, "closed_at": local_time(ticket.closed_at),
        "refusal_reason": ticket.refusal_reason,
        "purged": ticket.purged_at is not None, "purged_at": local_time(ticket.purged_at),
    }


def routes(console: Console) -> list[BaseRoute]:
    async def one(ticket_id: int) -> tickets.TicketDetail:
        try:
            return await console.run(lambda connection: tickets.get(connection, ticket_id))
        except tickets.TicketError as exc:
            raise ConsoleError(404, exc.code) from None

    async def queue(request: Request) -> Response:
        user = await console.signed_in(request)
        now = utcnow()
        lines = await console.run(tickets.queue)
        return console.page(request, "tickets.html", user,
                            queue=[queued(request, line, now) for line in lines])

    async def ticket(request: Request) -> Response:
        user = await console.signed_in(request)
        found = await one(request.path_params["ticket_id"])
        return console.page(request, "ticket.html", user, ticket=detail(request, found, utcnow()),
                            max_reason=tickets.MAX_REASON)

    async def photo(request: Request) -> Response:
        await console.signed_in(request)
        found = await one(request.path_params["ticket_id"])
        if found.photo_browser is None:
            raise ConsoleError(404, "PHOTO_NOT_AVAILABLE")
        return Response(found.photo_browser, media_type=found.photo_browser_type,
                        headers=PHOTO_HEADERS)

    async def act(request: Request, action: str, user: User, reason: str = "") -> Response:
        ticket_id: int = request.path_params["ticket_id"]
        now = utcnow()

        def change(connection: Connection) -> str:
            if action == "claim":
                tickets.claim(connection, ticket_id, user.name, now)
            elif action == "complete":
                tickets.complete(connection, ticket_id, user.name, now)
            else:
                tickets.refuse(connection, ticket_id, user.name, reason, now)
            number = tickets.get(connection, ticket_id).number
            audit.record(connection, user.name, f"ticket.{action}", number, now=now)
            return number

        try:
            number = await console.run(change)
        except tickets.TicketError as exc:
            raise ConsoleError(STATUS_OF_ERROR.get(exc.code, 409), exc.code) from None
        flash(request, DONE[action], number=number)
        return see_other(f"tickets/{ticket_id}")

    async def claim(request: Request) -> Response:
        await csrf.checked_form(request)
        return await act(request, "claim", await console.signed_in(request))

    async def complete(request: Request) -> Response:
        await csrf.checked_form(request)
        return await act(request, "complete", await console.signed_in(request))

    async def refuse(request: Request) -> Response:
        form = await csrf.checked_form(request)
        user = await console.signed_in(request)
        reason = str(form.get("reason", ""))
        if len(reason) > tickets.MAX_REASON:
            raise ConsoleError(400, "BAD_INPUT")
        return await act(request, "refuse", user, reason)

    return [
        Route("/tickets", queue, methods=["GET"]),
        Route("/tickets/{ticket_id:int}", ticket, methods=["GET"]),
        Route("/tickets/{ticket_id:int}/photo", photo, methods=["GET"]),
        Route("/tickets/{ticket_id:int}/claim", claim, methods=["POST"]),
        Route("/tickets/{ticket_id:int}/complete", complete, methods=["POST"]),
        Route("/tickets/{ticket_id:int}/refuse", refuse, methods=["POST"]),
    ]
