"""``kiosk backoffice user …`` through the real CLI, and the session key the console makes at
its first start: the password goes in on stdin and comes out nowhere."""

from __future__ import annotations

import json
import stat

from kiosk.backoffice.console import keys
from tests.backoffice.stack import Stack


def test_users_are_added_listed_and_given_a_new_password(sqlite_stack: Stack) -> None:
    password = "una-password-lunga-1"
    made = sqlite_stack.cli("user", "add", "l.neri", "--role", "technician", "--json",
                            stdin=password + "\n")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout) == {"user": "l.neri", "role": "technician"}
    again = sqlite_stack.cli("user", "add", "l.neri", "--role", "clerk", stdin=password + "\n")
    assert again.returncode == 2 and "USER_EXISTS" in again.stderr
    short = sqlite_stack.cli("user", "add", "p.gialli", "--role", "clerk", stdin="corta\n")
    assert short.returncode == 2 and "PASSWORD_WEAK" in short.stderr
    renewed = sqlite_stack.cli("user", "passwd", "l.neri", stdin="un'altra-password-2\n")
    assert renewed.returncode == 0, renewed.stderr
    listed = sqlite_stack.cli("user", "list", "--json")
    users = {user["name"]: user for user in json.loads(listed.stdout)["users"]}
    assert users["l.neri"] == {"name": "l.neri", "role": "technician", "totp": False}
    for run in (made, again, short, renewed, listed):
        assert password not in run.stdout + run.stderr
        assert "un'altra-password-2" not in run.stdout + run.stderr


def test_the_session_key_is_made_once_and_readable_only_by_its_owner(
        sqlite_stack: Stack) -> None:
    path = keys.key_path(sqlite_stack.config)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.session_key(sqlite_stack.config) == path.read_text().strip()
