"""First boot's end-to-end fixtures: a running back-office on SQLite (tests/backoffice/stack.py)."""

from tests.backoffice.stack import sqlite_stack  # noqa: F401 - registers the fixture
