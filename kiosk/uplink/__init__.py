"""The kiosk's side of the back-office link (DESIGN.md §5): enrollment and renewal, the mTLS
client, the store-and-forward outbox and the wire schemas both sides import. It runs in the
kiosk process off the UI thread; the journeys reach it only through
:mod:`kiosk.journeys.ports`, which :mod:`kiosk.app` wires to it.
"""
