"""The logging guard: no PIN, PUK or CAN buffer reaches a log line, whatever the call."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from kiosk import logs
from kiosk.cie.secret import Secret

PIN = b"48151623"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logs.configure("DEBUG")
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    yield stream
    logging.getLogger().removeHandler(handler)


def test_secrets_never_reach_a_log_line(captured: io.StringIO) -> None:
    pin = Secret.from_digits(bytearray(PIN))
    raw = pin.reveal().obj
    log = logging.getLogger("kiosk.test")
    log.info("pin %s %r", pin, pin)
    log.info("buffer %s", raw)
    log.info("view %s", pin.reveal())
    log.info("mapping %(pin)s", {"pin": raw})
    log.info(raw)
    log.info("fields", extra=logs.fields(pin=raw, family="NXP"))
    log.info(f"formatted {pin} {pin!r} {pin:>20}")
    try:
        raise ValueError(f"failed with {pin}")
    except ValueError:
        log.exception("exception")
    text = captured.getvalue()
    assert "family=NXP" in text
    assert text.count(logs.REDACTED) >= 5
    for needle in (PIN.decode(), str(list(PIN)), repr(bytearray(PIN)), PIN.hex()):
        assert needle not in text


def test_a_wiped_secret_is_zeroed_in_place() -> None:
    digits = bytearray(PIN)
    pin = Secret.from_digits(digits)
    assert digits == bytes(8)  # the caller's buffer was zeroed on hand-over
    view = pin.reveal()
    buffer = view.obj
    view.release()
    pin.wipe()
    assert len(pin) == 0 and buffer == bytearray()


def test_secrets_refuse_copies_and_non_digits() -> None:
    import copy
    import pickle

    pin = Secret.from_digits(bytearray(b"1234"))
    for attempt in (lambda: pickle.dumps(pin), lambda: copy.copy(pin),
                    lambda: copy.deepcopy(pin)):
        with pytest.raises(TypeError):
            attempt()
    with pytest.raises(ValueError):
        pin.push(ord("a"))
    pin.pop()
    assert repr(pin) == "<secret: 3 digits>"


def test_journald_under_systemd(monkeypatch: pytest.MonkeyPatch) -> None:
    from systemd.journal import JournalHandler

    monkeypatch.setenv("JOURNAL_STREAM", "8:12345")
    handler = logs.configure("INFO")
    try:
        assert isinstance(handler, JournalHandler)
        assert any(isinstance(f, logs.SecretGuard) for f in handler.filters)
    finally:
        logging.getLogger().removeHandler(handler)
