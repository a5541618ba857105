"""The kiosk board: every kiosk that is not revoked, as its last heartbeat described it (state,
journey in progress, reader, outbox) and when it was last heard from; and the clerk's three
commands, which go through the commands table and its notifier like ``kiosk backoffice
command`` (notify.issue_command), so the kiosk's long-poll wakes at once.

A heartbeat carries no PIN and no personal data (its schema has no field for either); the
board shows the journey's id, never what was typed in it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kiosk.backoffice.console import audit, csrf, nav
from kiosk.backoffice.console.accounts import Role
from kiosk.backoffice.console.errors import ConsoleError
from kiosk.backoffice.console.i18n import N_
from kiosk.backoffice.console.templates import local_time
from kiosk.backoffice.console.web import Console, flash, gettext, see_other
from kiosk.backoffice.models import Kiosk, utcnow
from kiosk.backoffice.notify import issue_command
from kiosk.errors import KioskError
from kiosk.uplink.schemas import CommandKind, HealthProblem

MENU = [nav.Entry("board", N_("Kiosks"), Role.CLERK)]
# Three missed heartbeats (30 s apart by default) and a kiosk is shown as silent.
SILENT_AFTER = dt.timedelta(seconds=90)
MAX_MESSAGE = 500  # schemas.Message's bound: the kiosk refuses a longer one

STATES = {
    "idle": N_("Ready"),
    "in-journey": N_("In use"),
    "locked": N_("Locked"),
    "out-of-order": N_("Out of order"),
    "silent": N_("Not answering"),
    "never": N_("Never connected"),
}
JOURNEYS = {
    "check-card": N_("Check the card"),
    "test-pin": N_("Try the PIN"),
    "change-pin": N_("Change the PIN"),
    "unblock-pin": N_("Unblock the PIN"),
    "lost-codes": N_("Lost PIN or PUK"),
    "activation": N_("Activate the digital identity"),
}
# The badges of a kiosk's health (issue 12); a printer that cannot print says why.
HEALTH = {
    HealthProblem.UNDER_VOLTAGE.value: N_("Under-voltage"),
    HealthProblem.THROTTLED.value: N_("CPU slowed down"),
    HealthProblem.FS_ERRORS.value: N_("Disk errors"),
    HealthProblem.HOT.value: N_("Too hot"),
    HealthProblem.LOW_DISK.value: N_("Disk almost full"),
    HealthProblem.PRINTER.value: N_("Printer problem"),
    HealthProblem.PAPER_LOW.value: N_("Paper running low"),
    HealthProblem.FRONTPANEL.value: N_("Front panel not answering"),
}
PRINTER_CODES = {
    "PRINTER_PAPER_OUT": N_("Printer: no paper"),
    "PRINTER_COVER_OPEN": N_("Printer: cover open"),
    "PRINTER_FAULT": N_("Printer: fault"),
    "PRINTER_GONE": N_("Printer: not answering"),
}
SENT = {
    CommandKind.LOCK: N_("Lock sent to {kiosk}."),
    CommandKind.UNLOCK: N_("Unlock sent to {kiosk}."),
    CommandKind.NOTICE: N_("Notice sent to {kiosk}."),
}


@dataclass(frozen=True)
class Row:
    name: str
    state: str  # a key of STATES
    journey: str | None
    last_contact: dt.datetime | None
    reader: bool | None
    outbox_depth: int | None
    outbox_alarm: bool
    health: tuple[str, ...] = ()  # HealthProblem values
    printer: str | None = None  # the health report's printer field


def rows(connection: Connection, now: dt.datetime) -> list[Row]:
    found = connection.execute(
        select(Kiosk.name, Kiosk.state, Kiosk.last_seen_at, Kiosk.last_heartbeat,
               Kiosk.outbox_depth, Kiosk.outbox_alarm, Kiosk.health_problems)
        .where(Kiosk.revoked_at.is_(None)).order_by(Kiosk.name))
    board = []
    for name, state, seen, beat, depth, alarm, problems in found:
        report: dict[str, Any] = beat or {}
        if seen is None:
            shown = "never"
        elif now - seen > SILENT_AFTER:
            shown = "silent"
        else:
            shown = state if state in STATES else "silent"
        journey = report.get("journey") if state == "in-journey" else None
        health = report.get("health")
        printer = health.get("printer") if isinstance(health, dict) else None
        board.append(Row(name, shown, journey if isinstance(journey, str) else None, seen,
                         report.get("reader_present") if beat else None, depth, alarm,
                         tuple(problem for problem in (problems or "").split(",")
                               if problem in HEALTH),
                         printer if isinstance(printer, str) else None))
    return board


def shown(request: Request, row: Row) -> dict[str, Any]:
    """One row as the page and the live feed show it, in the clerk's language."""
    journey = row.journey and gettext(request, JOURNEYS.get(row.journey, row.journey))
    if row.reader is None:
        reader = "—"
    else:
        reader = gettext(request, N_("present") if row.reader else N_("missing"))
    outbox = "—" if row.outbox_depth is None else str(row.outbox_depth)
    if row.outbox_alarm:
        outbox += " ⚠ " + gettext(request, N_("alarm"))
    return {"name": row.name, "state": row.state,
            "state_label": gettext(request, STATES[row.state]),
            "journey": journey or "—",
            "last_contact": local_time(row.last_contact, "%d/%m %H:%M:%S"),
            "reader": reader, "reader_ok": row.reader is not False,
            "outbox": outbox, "outbox_ok": not row.outbox_alarm,
            "health": [{"problem": problem, "label": health_label(request, row, problem)}
                       for problem in row.health]}


def health_label(request: Request, row: Row, problem: str) -> str:
    if problem == HealthProblem.PRINTER.value and row.printer in PRINTER_CODES:
        return gettext(request, PRINTER_CODES[row.printer])
    return gettext(request, HEALTH[problem])


def routes(console: Console) -> list[BaseRoute]:
    async def board(request: Request) -> Response:
        user = await console.signed_in(request)
        now = utcnow()
        kiosks = await console.run(lambda connection: rows(connection, now))
        return console.page(request, "board.html", user,
                            kiosks=[shown(request, row) for row in kiosks],
                            max_message=MAX_MESSAGE)

    async def command(request: Request) -> Response:
        form = await csrf.checked_form(request)
        user = await console.signed_in(request)
        name = request.path_params["name"]
        try:
            kind = CommandKind(form.get("kind"))
        except ValueError:
            raise ConsoleError(400, "BAD_INPUT") from None
        message = str(form.get("message", "")).strip() or None
        if (kind is CommandKind.NOTICE and message is None) or \
                (message is not None and len(message) > MAX_MESSAGE):
            raise ConsoleError(400, "BAD_INPUT")
        if kind is CommandKind.UNLOCK:
            message = None

        def issue() -> None:
            with console.api.sessions().begin() as session:
                issue_command(session, name, kind, message)
                audit.record(session.connection(), user.name, f"kiosk.{kind.value}", name,
                             message, now=utcnow())

        try:
            await run_in_threadpool(issue)
        except KioskError as exc:
            raise ConsoleError(404 if exc.code == "KIOSK_NOT_FOUND" else 409, exc.code) from None
        flash(request, SENT[kind], kiosk=name)
        return see_other("board")

    async def home(request: Request) -> Response:
        return see_other("board")

    return [
        Route("/", home, methods=["GET"]),
        Route("/board", board, methods=["GET"]),
        Route("/kiosks/{name}/command", command, methods=["POST"]),
    ]

