"""The kiosk's mutual-TLS client: one typed method per back-office endpoint, every failure one
exception with a code.

One :class:`UplinkClient` holds one keep-alive connection (``max_connections=1``); the runner
gives each of its threads a client of its own, so a 25-second command long-poll never holds up
an event batch or a level-3 check. The TLS context trusts the pinned back-office CA alone and
shows the kiosk's certificate (httpx 0.29 takes both as an ``ssl.SSLContext`` in ``verify``).
Proxies from the environment are ignored: the kiosk talks to its back-office directly.

Errors carry what a technician needs (the path, the HTTP status, the back-office's own error
code) and never a request body, so nothing the kiosk sends can leak into a log through them.
"""

from __future__ import annotations

import ssl
from typing import TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from kiosk.errors import KioskError
from kiosk.uplink.credentials import Identity
from kiosk.uplink.schemas import (
    API_PREFIX,
    CommandAck,
    CommandList,
    ErrorBody,
    EventAck,
    EventBatch,
    Heartbeat,
    HeartbeatReply,
    L3Proof,
    L3Verdict,
    NonceReply,
    PhoneIdentity,
    PhoneLink,
    PhoneRedeem,
    RenewRequest,
    RenewResponse,
    Ticket,
    TicketAck,
    Wire,
)

M = TypeVar("M", bound=BaseModel)


class UplinkError(KioskError):
    """``UPLINK_UNREACHABLE`` (network, TLS, or the back-office answering 5xx: try again
    later), ``UPLINK_REFUSED`` (a 4xx: ``server_code`` says why), ``UPLINK_PROTOCOL`` (an
    answer that is not what the schema says)."""

    code = "UPLINK_UNREACHABLE"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 server_code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.status = status
        self.server_code = server_code

    def details(self) -> dict[str, object]:
        return {**super().details(), "status": self.status, "server_code": self.server_code}


class _Empty(Wire):
    """The body of an answer that carries nothing (``{}``)."""


def exchange(http: httpx.Client, method: str, url: str, reply: type[M],
             body: BaseModel | None = None, *, timeout: float | None = None,
             params: dict[str, str] | None = None) -> M:
    """One request, its answer checked against ``reply``; every failure as :class:`UplinkError`."""
    what = f"{method} {url}"
    content = body.model_dump_json().encode() if body is not None else None
    headers = {"content-type": "application/json"} if content is not None else None
    bound = httpx.USE_CLIENT_DEFAULT if timeout is None else timeout
    try:
        response = http.request(method, url, content=content, headers=headers, params=params,
                                timeout=bound)
    except (httpx.HTTPError, ssl.SSLError, OSError) as exc:
        raise UplinkError(f"{what}: back-office unreachable ({type(exc).__name__}: {exc})",
                          code="UPLINK_UNREACHABLE") from None
    if response.status_code >= 400:
        raise refusal(what, response)
    try:
        return reply.model_validate_json(response.content)
    except ValidationError as exc:
        raise UplinkError(f"{what}: malformed answer ({exc.error_count()} problem(s))",
                          code="UPLINK_PROTOCOL", status=response.status_code) from None


def refusal(what: str, response: httpx.Response) -> UplinkError:
    status = response.status_code
    try:
        detail = ErrorBody.model_validate_json(response.content).error
        server_code, message = detail.code, detail.message[:200]
    except ValidationError:
        # nginx answers a refused certificate with its own HTML page, not the API's JSON.
        server_code, message = f"HTTP_{status}", response.reason_phrase
    code = "UPLINK_UNREACHABLE" if status >= 500 else "UPLINK_REFUSED"
    return UplinkError(f"{what}: {status} {server_code}: {message}", code=code, status=status,
                       server_code=server_code)


class UplinkClient:
    def __init__(self, identity: Identity, timeout: float) -> None:
        self.timeout = timeout
        self._http = httpx.Client(
            base_url=identity.api_url.rstrip("/"), verify=identity.ssl_context(),
            timeout=timeout, trust_env=False,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))

    def _call(self, method: str, path: str, reply: type[M], body: BaseModel | None = None, *,
              timeout: float | None = None, params: dict[str, str] | None = None) -> M:
        return exchange(self._http, method, API_PREFIX + path, reply, body, timeout=timeout,
                        params=params)

    def heartbeat(self, beat: Heartbeat) -> HeartbeatReply:
        return self._call("POST", "/heartbeat", HeartbeatReply, beat)

    def ping(self) -> HeartbeatReply:
        """The identity check and the back-office's clock, nothing recorded but the contact."""
        return self._call("GET", "/ping", HeartbeatReply)

    def events(self, batch: EventBatch) -> EventAck:
        return self._call("POST", "/events", EventAck, batch)

    def commands(self, wait: int) -> CommandList:
        """Long-poll: the back-office answers as soon as a command is due, else after ``wait``."""
        return self._call("GET", "/commands", CommandList, params={"wait": str(wait)},
                          timeout=wait + self.timeout)

    def ack(self, command_id: int, ack: CommandAck) -> None:
        self._call("POST", f"/commands/{command_id}/ack", _Empty, ack)

    def nonce(self) -> NonceReply:
        return self._call("POST", "/l3/nonce", NonceReply)

    def verify(self, proof: L3Proof) -> L3Verdict:
        return self._call("POST", "/l3/verify", L3Verdict, proof)

    def ticket(self, ticket: Ticket) -> TicketAck:
        return self._call("POST", "/tickets", TicketAck, ticket)

    def phone_link(self) -> PhoneLink:
        return self._call("POST", "/phone/link", PhoneLink)

    def phone_redeem(self, request: PhoneRedeem) -> PhoneIdentity:
        return self._call("POST", "/phone/redeem", PhoneIdentity, request)

    def renew(self, request: RenewRequest) -> RenewResponse:
        return self._call("POST", "/renew", RenewResponse, request)

    def close(self) -> None:
        self._http.close()
