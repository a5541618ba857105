"""The citizen's pages under ``/phone/`` on the web listener: the one-time URL of the QR,
which starts the login at the provider, and the callback, which checks the provider's answer
and shows the code to type on the kiosk. Every dead end is a page that says what to do
(Italian first, English below), never a bare error.

The pages are never cached (``no-store``: one shows a code) and send no referrer (the
one-time URL must not travel on to the provider in a header). nginx logs ``/phone/`` without
its path and query (nginx.py), so neither the URL's token nor the provider's code and state
reach a log.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from kiosk.backoffice.api.context import ApiContext
from kiosk.backoffice.models import utcnow
from kiosk.backoffice.nginx import PHONE_PREFIX
from kiosk.backoffice.phone import store, tokens
from kiosk.backoffice.phone.oidc import CALLBACK, LoginFailed, RelyingParty

log = logging.getLogger(__name__)

FLOW_COOKIE = "kiosk_phone_flow"
_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff"}


@dataclass(frozen=True, slots=True)
class Words:
    title: str
    text: str
    after: str = ""


# What a phone that cannot go on must do: the same words on every such page, as the kiosk's
# own buttons say them (its menu is reachable from every screen by "Annulla").
AGAIN_IT = "torni al menu della postazione e tocchi «Continua con lo smartphone»: avrà un nuovo QR."
AGAIN_EN = ("go back to the kiosk's menu and touch “Continue with smartphone”: you will get "
            "a new QR code.")


def _again(italian: str, english: str) -> tuple[Words, Words]:
    """A dead end whose way out is a new QR: ``italian`` and ``english`` are "title: text"."""
    it_title, it_text = italian.split(": ", 1)
    en_title, en_text = english.split(": ", 1)
    return (Words(it_title, f"{it_text} Per accedere, {AGAIN_IT}"),
            Words(en_title, f"{en_text} To log in, {AGAIN_EN}"))


# (Italian, English) for each page.
PAGES: dict[str, tuple[Words, Words]] = {
    "code": (
        Words("Ecco il suo codice", "Digiti questo codice sulla postazione che mostra il QR.",
              "Il codice vale pochi minuti e una volta sola. Non lo dia a nessuno."),
        Words("Here is your code", "Type this code on the kiosk that shows the QR code.",
              "The code is good for a few minutes, once. Do not give it to anyone."),
    ),
    store.LinkRefusal.UNKNOWN.value: _again(
        "Collegamento non valido: Questo indirizzo non porta a nessun accesso.",
        "Link not valid: This address leads to no login."),
    store.LinkRefusal.USED.value: _again(
        "QR già usato: Questo QR è già stato usato. Se non è stato lei, avvisi lo sportello.",
        "QR code already used: This QR code has been used. If that was not you, tell the "
        "counter."),
    store.LinkRefusal.EXPIRED.value: _again(
        "QR scaduto: Questo QR è scaduto.", "QR code expired: This QR code has expired."),
    store.FinishRefusal.UNKNOWN.value: _again(
        "Accesso non riconosciuto: Questo accesso non è partito da una postazione.",
        "Login not recognised: This login did not start at a kiosk."),
    store.FinishRefusal.OTHER_BROWSER.value: _again(
        "Apra il QR su questo telefono: L'accesso va concluso nello stesso browser in cui ha "
        "aperto il QR.",
        "Open the QR code on this phone: The login must end in the browser that opened the "
        "QR code."),
    store.FinishRefusal.DONE.value: _again(
        "Codice già mostrato: Il codice di questo accesso è già stato mostrato.",
        "Code already shown: This login's code has been shown already."),
    store.FinishRefusal.EXPIRED.value: _again(
        "Tempo scaduto: L'accesso ha richiesto troppo tempo.",
        "Time is up: The login took too long."),
    "PROVIDER_REFUSED": _again(
        "Accesso non riuscito: L'accesso con la CIE non è andato a buon fine o è stato "
        "annullato.",
        "Login did not succeed: The CIE login failed or was cancelled."),
    "PROVIDER_UNAVAILABLE": (
        Words("Servizio non raggiungibile", "Il servizio di accesso del Comune non risponde. "
              "Riprovi tra qualche minuto, o si rivolga allo sportello dell'anagrafe."),
        Words("Service unreachable", "The Comune's login service is not answering. Try again "
              "in a few minutes, or go to the counter."),
    ),
    "ID_TOKEN_INVALID": (
        Words("Accesso non verificato", "La risposta del servizio di accesso non ha superato "
              "i controlli. Si rivolga allo sportello dell'anagrafe."),
        Words("Login not verified", "The login service's answer failed its checks. Please go "
              "to the counter."),
    ),
    "IDENTITY_INCOMPLETE": (
        Words("Dati mancanti", "Il servizio di accesso non ha dato nome, cognome e codice "
              "fiscale. Si rivolga allo sportello dell'anagrafe."),
        Words("Data missing", "The login service did not give name, surname and codice "
              "fiscale. Please go to the counter."),
    ),
}

_STATUS = {"code": 200, store.LinkRefusal.UNKNOWN.value: 404,
           store.FinishRefusal.UNKNOWN.value: 404, "PROVIDER_UNAVAILABLE": 503}
_templates = Environment(loader=PackageLoader("kiosk.backoffice.phone", "templates"),
                         autoescape=select_autoescape(["html"]))


def page(kind: str, code: str | None = None) -> HTMLResponse:
    italian, english = PAGES[kind]
    html = _templates.get_template("page.html").render(it=italian, en=english, code=code)
    return HTMLResponse(html, _STATUS.get(kind, 410 if code is None else 200),
                        headers=_HEADERS)


def routes(context: ApiContext, party: RelyingParty) -> list[BaseRoute]:
    settings = context.config.phone
    login_life = dt.timedelta(seconds=settings.login_seconds)
    code_life = dt.timedelta(seconds=settings.code_seconds)
    key = tokens.CodeKey(party.client_secret)

    async def open_link(request: Request) -> Response:
        token, state, flow = request.path_params["token"], tokens.new_token(), tokens.new_token()
        refused = await context.transaction(
            lambda connection: store.start(connection, token, state, flow, utcnow()))
        if refused is not None:
            return page(refused.value)
        try:
            url = await party.authorization_url(state, tokens.nonce(flow),
                                                tokens.pkce_verifier(flow))
        except LoginFailed as exc:
            log.warning("phone login: %s [%s]", exc, exc.code)
            return page(exc.code)
        response = RedirectResponse(url, 303, headers=_HEADERS)
        response.set_cookie(FLOW_COOKIE, flow, max_age=settings.login_seconds,
                            path=PHONE_PREFIX, secure=True, httponly=True, samesite="lax")
        return response

    async def callback(request: Request) -> Response:
        query = request.query_params
        state, flow = query.get("state", ""), request.cookies.get(FLOW_COOKIE)
        found = await context.transaction(
            lambda connection: store.pending(connection, state, flow, utcnow(), login_life))
        if isinstance(found, store.FinishRefusal):
            return page(found.value)
        assert flow is not None
        if "error" in query or not query.get("code"):
            log.info("phone login refused at the provider: %s", query.get("error", "no code")[:64])
            return _forget(page("PROVIDER_REFUSED"))
        try:
            identity = await party.identify(query["code"], tokens.pkce_verifier(flow),
                                            tokens.nonce(flow))
        except LoginFailed as exc:
            log.warning("phone login: %s [%s]", exc, exc.code)
            return _forget(page(exc.code))
        shown = await context.transaction(lambda connection: store.finish(
            connection, found, identity, key=key, now=utcnow(), lifetime=code_life))
        if isinstance(shown, store.FinishRefusal):
            return page(shown.value)
        return _forget(page("code", shown))

    return [
        Route(f"{PHONE_PREFIX}{CALLBACK}", callback, methods=["GET"]),
        Route(PHONE_PREFIX + "{token}", open_link, methods=["GET"]),
    ]


def _forget(response: Response) -> Response:
    """The flow cookie has done its work once the provider answered."""
    response.delete_cookie(FLOW_COOKIE, path=PHONE_PREFIX, secure=True, httponly=True,
                           samesite="lax")
    return response
