"""The CIE card protocol, sans-IO: bytes in, bytes out.

Like h11, nothing here opens a socket, starts a thread or talks to pyscard. A protocol
exchange is a *flow*: a generator that yields :class:`~kiosk.cie.apdu.Command` values and
receives :class:`~kiosk.cie.apdu.Response` values (see :mod:`kiosk.cie.flow`). Whoever owns a
reader drives the flow; tests drive it against the virtual card in-process.

This package imports nothing of the project but its own modules (a test checks it).
"""
