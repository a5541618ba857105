"""The provisioning file rewritten without its secrets, every other setting and every comment
of the technician's kept: the Wi-Fi passphrase becomes the PSK derived from it as soon as the
network is configured (a passphrase may open other things too; the PSK opens this network
only, and the kiosk keeps it anyway), and the enrollment token goes once the kiosk is enrolled.

tomlkit keeps a TOML document's formatting and comments when it changes one key, wherever the
technician put it (a table, an inline table, dotted keys); a line-based edit would miss the
last two. A comment at the end of the file says what went and when.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from kiosk.provision.network import wpa_psk
from kiosk.provision.spec import ProvisionError


def has_token(text: str) -> bool:
    return _holding(_document(text), "backoffice", "token") is not None


def has_passphrase(text: str) -> bool:
    return _holding(_document(text), "wifi", "passphrase") is not None


def without_token(text: str, when: str) -> str:
    """``text`` minus ``backoffice.token``, with a comment saying it was used ``when``."""
    document = _document(text)
    table = _holding(document, "backoffice", "token")
    if table is None:
        return text
    del table["token"]
    _note(document, f"backoffice.token: used by first boot to enroll this kiosk on {when}, "
                    "then removed")
    return tomlkit.dumps(document)


def with_psk(text: str, when: str) -> str:
    """``text`` with ``wifi.passphrase`` replaced by ``wifi.psk``, the key derived from it."""
    document = _document(text)
    table = _holding(document, "wifi", "passphrase")
    if table is None:
        return text
    table["psk"] = wpa_psk(str(table["ssid"]), str(table["passphrase"]))
    del table["passphrase"]
    _note(document, f"wifi.passphrase: replaced by the key derived from it (wifi.psk) by first "
                    f"boot on {when}")
    return tomlkit.dumps(document)


def _note(document: tomlkit.TOMLDocument, comment: str) -> None:
    if not document.as_string().endswith("\n"):
        document.add(tomlkit.nl())
    document.add(tomlkit.comment(comment))


def _holding(document: tomlkit.TOMLDocument, table: str,
             key: str) -> MutableMapping[str, Any] | None:
    """The table named ``table`` when it holds ``key``."""
    found = document.get(table)
    return found if isinstance(found, MutableMapping) and key in found else None


def _document(text: str) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(text)
    except TOMLKitError:
        raise ProvisionError("the provisioning file is not valid TOML") from None
