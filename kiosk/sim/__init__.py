"""The virtual CIE: the card side of the protocol, card profiles, and the links that attach a
virtual card to a reader (in-process, vpcd, later nfcpy's udp driver).

The rule of DESIGN.md §2 applies: this package may use :mod:`kiosk.cie`'s identifiers and
byte-level helpers, never its protocol logic, so that a mistake made on the terminal side
cannot be mirrored here and go unnoticed.
"""
