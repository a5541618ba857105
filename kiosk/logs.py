"""Logging: structured records to journald under systemd, plain lines to stderr otherwise.

Every handler carries :class:`SecretGuard`, which makes it impossible for a PIN, PUK or CAN
buffer to reach a log: a record whose message or arguments hold secret material (a
:class:`~kiosk.cie.secret.Secret`, its buffer, or a view of it) has them replaced before any
formatting happens. ``Secret`` also prints as a placeholder on its own; the guard covers the raw
buffer, which has no such protection.

Structured fields go in ``extra={"fields": {...}}``; journald stores them as ``KIOSK_<NAME>``
fields, stderr shows them as ``name=value``.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import Any

from kiosk.cie.secret import is_secret_material

REDACTED = "<secret>"


class SecretGuard(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if is_secret_material(record.msg):
            record.msg = REDACTED
        if isinstance(record.args, Mapping):
            record.args = {key: _scrub(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_scrub(value) for value in record.args)
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping):
            record.fields = {key: _scrub(value) for key, value in fields.items()}
        return True


def _scrub(value: object) -> object:
    return REDACTED if is_secret_material(value) else value


class _StderrFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping) and fields:
            line += " " + " ".join(f"{key}={value}" for key, value in fields.items())
        return line


class _JournalFields(logging.Filter):
    """Turn ``fields`` into the upper-case extra fields journald's handler sends."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping):
            for key, value in fields.items():
                setattr(record, f"KIOSK_{key.upper()}", str(value))
        return True


def under_systemd() -> bool:
    """journald connected our output (systemd sets $JOURNAL_STREAM for services)."""
    return bool(os.environ.get("JOURNAL_STREAM"))


def configure(level: str = "INFO") -> logging.Handler:
    handler: logging.Handler
    if under_systemd():
        # Imported here: systemd-python exists only on Linux builds with libsystemd.
        from systemd.journal import JournalHandler  # noqa: PLC0415

        handler = JournalHandler(SYSLOG_IDENTIFIER="kiosk")
        handler.addFilter(_JournalFields())
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_StderrFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretGuard())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx and httpcore log every request at INFO and every byte at DEBUG: the uplink logs
    # what a technician needs (failures with their code) itself.
    for chatty in ("httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    return handler


def fields(**values: Any) -> dict[str, Any]:
    """``log.info("card read", extra=fields(family="NXP"))``."""
    return {"fields": values}
