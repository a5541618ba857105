"""Forgetting the enrollment token: the provisioning file rewritten without it, every other
setting and every comment of the technician's kept.

tomlkit keeps a TOML document's formatting and comments when it changes one key, wherever
the technician put the token (a table, an inline table, dotted keys); a line-based edit would
miss the last two. A comment at the end of the file says when the token went.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from kiosk.provision.spec import ProvisionError


def has_token(text: str) -> bool:
    return _table(_document(text)) is not None


def without_token(text: str, when: str) -> str:
    """``text`` minus ``backoffice.token``, with a comment saying it was used ``when``."""
    document = _document(text)
    table = _table(document)
    if table is None:
        return text
    del table["token"]
    document.add(tomlkit.comment(f"backoffice.token: used by first boot to enroll this kiosk "
                                 f"on {when}, then removed"))
    return tomlkit.dumps(document)


def _table(document: tomlkit.TOMLDocument) -> MutableMapping[str, Any] | None:
    """The ``backoffice`` table when it holds a token."""
    table = document.get("backoffice")
    return table if isinstance(table, MutableMapping) and "token" in table else None


def _document(text: str) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(text)
    except TOMLKitError:
        raise ProvisionError("the provisioning file is not valid TOML") from None
