"""The API's one error format, ``{"error": {"code", "message"}}`` (schemas.ErrorBody), for
every refusal the application makes: a kiosk (and a technician reading its log) sees a stable
code whichever layer said no, and nginx's own refusals use the same shape (nginx.py).

Requests are refused before anything is stored: the body is read under its limit and
validated whole before a handler opens a transaction.
"""

from __future__ import annotations

import logging
from typing import TypeVar

import psycopg
from psycopg_pool import PoolTimeout
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from kiosk.errors import KioskError
from kiosk.uplink.schemas import ErrorBody, ErrorDetail

_log = logging.getLogger(__name__)

Model = TypeVar("Model", bound=BaseModel)


class ApiError(KioskError):
    """A refusal with its HTTP status; ``code`` is the stable part."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message, code=code)
        self.status = status


def error_response(status: int, code: str, message: str) -> Response:
    body = ErrorBody(error=ErrorDetail(code=code, message=message))
    return Response(body.model_dump_json(), status, media_type="application/json")


async def api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, str(exc))


_HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (unknown path, wrong method) in the API's format."""
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "BAD_REQUEST")
    return error_response(exc.status_code, code, f"{request.method} {request.url.path}: "
                          f"{exc.detail}")


# What a database that went away raises: through SQLAlchemy, or straight from psycopg and its
# pool on PostgreSQL's request path (direct.py).
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError,
    PoolTimeout)


async def database_unavailable(request: Request, exc: Exception) -> Response:
    """A coded 503, which a kiosk retries. Registered for these errors alone, apart from
    ``unexpected_error``: Starlette raises an unexpected error again after answering it, and
    uvicorn then closes the connection, which nginx may be handing the next request to (a
    502 for a request that never reached the application)."""
    _log.warning("%s %s: the database is not answering (%s)", request.method,
                 request.url.path, type(exc).__name__)
    return error_response(503, "DATABASE_UNAVAILABLE", "the database is not answering")


async def unexpected_error(request: Request, exc: Exception) -> Response:
    """A bug: a coded 500, never a traceback on the wire (the server's log has it)."""
    return error_response(500, "INTERNAL_ERROR", "the back-office failed to answer; see its log")


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refused with ``BODY_TOO_LARGE`` as soon as it passes ``limit`` (nginx
    has its own limit in front; this one holds when the application is reached otherwise)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isascii() and declared.isdigit() \
            and int(declared) > limit:
        raise ApiError(413, "BODY_TOO_LARGE", f"the body is over {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "BODY_TOO_LARGE", f"the body is over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse(model: type[Model], body: bytes) -> Model:
    """``body`` as ``model``: ``BODY_MALFORMED`` when it is not JSON at all, ``BODY_INVALID``
    (with the first wrong field) when it does not fit the schema."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        if first["type"] == "json_invalid":
            raise ApiError(400, "BODY_MALFORMED", "the body is not JSON") from None
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise ApiError(422, "BODY_INVALID", f"{where}: {first['msg']}") from None


async def parse_body(request: Request, model: type[Model], limit: int) -> Model:
    return parse(model, await read_body(request, limit))


def json_response(model: BaseModel, status: int = 200) -> Response:
    return Response(model.model_dump_json(), status, media_type="application/json")
