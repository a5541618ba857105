"""The console's menu: each page group offers its entries with the role they need, and the
layout shows a person the entries their role allows, in the order the groups are listed in
app.py."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.backoffice.console.accounts import Role


@dataclass(frozen=True)
class Entry:
    path: str  # under the console's prefix, e.g. "board"
    label: str  # marked with N_, translated when shown
    role: Role


def visible(entries: list[Entry], role: Role) -> list[Entry]:
    return [entry for entry in entries if role.allows(entry.role)]
