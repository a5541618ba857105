"""The Jinja2 environment of the console's pages: autoescaped HTML, gettext through Jinja's
i18n extension, the translation picked per page from the ``language`` the page is rendered
with (one environment serves every language), and times shown in Italy's time zone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from kiosk.backoffice.console.i18n import translations

TEMPLATES = Path(__file__).parent / "templates"
# Every Comune is in Italy, and Italy has one time zone: no setting to get wrong.
LOCAL_TIME = ZoneInfo("Europe/Rome")


@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, message: str) -> str:
    return translations(context["language"]).gettext(message)


@jinja2.pass_context
def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, n: int) -> str:
    return translations(context["language"]).ngettext(singular, plural, n)


def local_time(value: dt.datetime | None, pattern: str = "%d/%m/%Y %H:%M:%S") -> str:
    return "—" if value is None else value.astimezone(LOCAL_TIME).strftime(pattern)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    install: Any = env.install_gettext_callables  # type: ignore[attr-defined]
    install(_gettext, _ngettext, newstyle=True)
    env.filters["local_time"] = local_time
    return env
