"""The live feed every console page polls (static/console.js): the open alerts (help, a case
opened) and the
waiting tickets (their count, the newest for the "new ticket" alert), with ``?board=1`` the
board's rows and with ``?tickets=1`` the tickets' queue, already in the clerk's language. A
signed-out session gets 401, and the page reloads into the sign-in form."""

from __future__ import annotations

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from kiosk.backoffice.console import nav
from kiosk.backoffice.console.errors import SignInRequired
from kiosk.backoffice.console.pages import alerts, board, tickets
from kiosk.backoffice.console.web import Console
from kiosk.backoffice.models import utcnow

MENU: list[nav.Entry] = []


def routes(console: Console) -> list[BaseRoute]:
    async def live(request: Request) -> Response:
        try:
            await console.signed_in(request)
        except SignInRequired:
            return JSONResponse({"signed_in": False}, 401)
        with_board = request.query_params.get("board") == "1"
        with_queue = request.query_params.get("tickets") == "1"
        now = utcnow()

        def read(connection: Connection
                 ) -> tuple[list[alerts.Alert], list[board.Row], dict[str, object]]:
            return (alerts.open_alerts(connection, now),
                    board.rows(connection, now) if with_board else [],
                    tickets.feed(request, connection, now, with_queue))

        found, rows, waiting = await console.run(read)
        body: dict[str, object] = {
            "signed_in": True,
            "alerts": [alerts.shown(request, alert, now) for alert in found],
            "tickets": waiting,
        }
        if with_board:
            tampered = alerts.tampered_kiosks(found)
            body["kiosks"] = [{**board.shown(request, row), "tampered": row.name in tampered}
                              for row in rows]
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    return [Route("/live", live, methods=["GET"])]
