"""A Babel extraction method for message ids held as data: the string constants of the
journeys (``Screen.ENTER_PIN = "pin.enter"``, ``return "check.next.all_good"``) rather than
``_("...")`` calls, which the journeys never make (DESIGN.md §2: no user text there).

A message id is a dotted lowercase key (``pin.enter``, ``error.wrong_pin``); any string constant
of a scanned file that is exactly such a key is extracted. English prose, URLs and support
codes never match. Two options, set in ``kiosk/ui/locales/babel.cfg``, cover what a plain scan
cannot see:

``screens``
    Class names whose members are screens: each value ``v`` yields ``v.title`` and ``v.body``
    (the convention of :mod:`kiosk.ui.i18n`).
``prefixed_calls``
    ``name:prefix1,prefix2`` (space separated for several): a call ``name("a", "b")`` yields
    ``prefix1a`` and ``prefix2b``; how :mod:`kiosk.journeys.catalogue` builds ``error.*`` and
    ``remedy.*`` ids with ``_e``. An empty prefix skips that argument.

The result is ``kiosk/ui/locales/kiosk.pot``::

    pybabel extract -F kiosk/ui/locales/babel.cfg --sort-output --add-location=file \\
        --project=cie-kiosk --copyright-holder="CIE kiosk developers" \\
        -o kiosk/ui/locales/kiosk.pot .
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any, TypeGuard

MESSAGE_ID = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+")
SCREEN_PARTS = ("title", "body")

# What Babel expects back: (line, function name or None, message, translator comments).
Extracted = tuple[int, str | None, str, list[str]]


def is_message_id(value: object) -> TypeGuard[str]:
    """Whether ``value`` is a string shaped like a message id."""
    return isinstance(value, str) and MESSAGE_ID.fullmatch(value) is not None


def extract_ids(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    """Babel's extractor signature; ``keywords`` and ``comment_tags`` do not apply to data."""
    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    yield from ids_in_source(source, options)


def ids_in_source(source: str, options: Mapping[str, Any]) -> Iterator[Extracted]:
    """Every message id of one Python module, in source order, with a comment naming where
    it comes from (the class or function around it)."""
    screens = frozenset(str(options.get("screens", "")).split())
    calls = _parse_calls(str(options.get("prefixed_calls", "")))
    yield from _visit(ast.parse(source), "module", screens, calls)


def _visit(
    node: ast.AST, context: str, screens: frozenset[str], calls: Mapping[str, tuple[str, ...]]
) -> Iterator[Extracted]:
    for child in ast.iter_child_nodes(node):
        inner = context
        if isinstance(child, ast.ClassDef) and child.name in screens:
            yield from _screen_ids(child)
            continue  # its values are screen ids, not ids of their own
        if isinstance(child, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            inner = child.name if context == "module" else f"{context}.{child.name}"
        elif isinstance(child, ast.Call) and _call_name(child) in calls:
            yield from _prefixed(child, calls[_call_name(child) or ""], context)
        elif isinstance(child, ast.Constant) and is_message_id(child.value):
            yield child.lineno, None, child.value, [f"in {context}"]
        yield from _visit(child, inner, screens, calls)


def _screen_ids(cls: ast.ClassDef) -> Iterator[Extracted]:
    for statement in cls.body:
        if not isinstance(statement, ast.Assign) or not isinstance(statement.value, ast.Constant):
            continue
        value = statement.value.value
        if not is_message_id(value):
            continue
        names = ", ".join(ast.unparse(target) for target in statement.targets)
        for part in SCREEN_PARTS:
            yield statement.lineno, None, f"{value}.{part}", [f"{part} of {cls.name}.{names}"]


def _parse_calls(spec: str) -> dict[str, tuple[str, ...]]:
    calls = {}
    for item in spec.split():
        name, _, prefixes = item.partition(":")
        calls[name] = tuple(prefixes.split(","))
    return calls


def _call_name(call: ast.Call) -> str | None:
    return call.func.id if isinstance(call.func, ast.Name) else None


def _prefixed(call: ast.Call, prefixes: tuple[str, ...], context: str) -> Iterator[Extracted]:
    for prefix, arg in zip(prefixes, call.args, strict=False):
        if prefix and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            message = prefix + arg.value
            if is_message_id(message):
                yield call.lineno, None, message, [f"{_call_name(call)}() in {context}"]
