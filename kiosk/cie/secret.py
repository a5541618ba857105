"""A wipeable holder for PIN, PUK and CAN digits.

Python's ``str`` and ``bytes`` are immutable and cannot be overwritten, so secrets live in a
``bytearray`` that this class owns, zeroes in place on :meth:`Secret.wipe`, and never shows:
``repr``, ``str`` and ``format`` all print a placeholder, and pickling or copying is refused.
The buffers of live secrets are registered so that the logging guard
(:mod:`kiosk.logs`) can recognise the raw buffer too, not only the holder.
"""

from __future__ import annotations

from typing import NoReturn

_LIVE_BUFFERS: set[int] = set()


class Secret:
    """Digits typed by a citizen, held until the APDU that needs them has been sent.

    >>> pin = Secret.from_digits(bytearray(b"12345678"))
    >>> f"{pin}"
    '<secret: 8 digits>'
    >>> pin.wipe(); len(pin)
    0
    """

    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = bytearray()
        _LIVE_BUFFERS.add(id(self._buf))

    @classmethod
    def from_digits(cls, digits: bytearray) -> Secret:
        """Take over ``digits`` (ASCII ``0``-``9``), zeroing the caller's buffer."""
        secret = cls()
        try:
            for value in digits:
                secret.push(value)
        finally:
            digits[:] = bytes(len(digits))
        return secret

    def push(self, ascii_digit: int) -> None:
        if not 0x30 <= ascii_digit <= 0x39:
            raise ValueError("only the digits 0-9 can be part of a PIN, PUK or CAN")
        self._buf.append(ascii_digit)

    def pop(self) -> None:
        if self._buf:
            self._buf[-1] = 0
            del self._buf[-1]

    def __len__(self) -> int:
        return len(self._buf)

    def reveal(self) -> memoryview:
        """The digits, for building the one APDU that carries them. Do not keep the view."""
        return memoryview(self._buf)

    def wipe(self) -> None:
        """Overwrite the digits with zeros, then forget them."""
        self._buf[:] = bytes(len(self._buf))
        self._buf.clear()

    def __repr__(self) -> str:
        return f"<secret: {len(self._buf)} digits>"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __reduce__(self) -> NoReturn:
        raise TypeError("secrets cannot be pickled or copied")

    def __copy__(self) -> NoReturn:
        raise TypeError("secrets cannot be copied")

    def __deepcopy__(self, memo: object) -> NoReturn:
        raise TypeError("secrets cannot be copied")


def is_secret_material(value: object) -> bool:
    """True for a :class:`Secret`, its buffer, or a view of its buffer."""
    if isinstance(value, Secret):
        return True
    if isinstance(value, memoryview):
        value = value.obj
    return isinstance(value, bytearray) and id(value) in _LIVE_BUFFERS
