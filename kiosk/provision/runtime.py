"""The kiosk's runtime configuration, made from the provisioning file: the packaged ``pi``
profile with this kiosk's reader, state directory, site and hardware sections.

It is written to the state directory (``/var/lib/kiosk/kiosk.toml``) on the data partition,
because the root filesystem is read-only; the image links ``/etc/kiosk/kiosk.toml`` to it,
so the kiosk and a technician's ``kiosk doctor`` find it without ``$KIOSK_CONFIG``. The text
is loaded back with :func:`kiosk.config.parse` before it is written: what first boot leaves
behind always loads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tomlkit

from kiosk import config
from kiosk.provision.spec import Provisioning

PROFILE = "pi"
RUNTIME_FILE = "kiosk.toml"
# Sections the provisioning file gives as the runtime profile has them; absent = not fitted.
HARDWARE = ("printer", "gpio", "frontpanel", "backlight")


def _without_none(value: Any) -> Any:
    """TOML has no null: a key whose value is None is left out (its default)."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    return value


def runtime_config(spec: Provisioning, state_dir: Path, source: str) -> str:
    """The TOML text of the runtime configuration, checked by loading it back."""
    packaged = config.parse(config.default_config_text(), "the packaged kiosk.toml", PROFILE)
    profile = packaged.profile.model_dump(mode="python")
    profile.update(reader=spec.reader.uri, state_dir=str(state_dir),
                   site=config.Site(comune=spec.site.comune,
                                    opening_hours=spec.site.opening_hours).model_dump())
    for section in HARDWARE:
        given = getattr(spec, section)
        profile[section] = given.model_dump() if given is not None else None
    document = tomlkit.document()
    document.add(tomlkit.comment(f"Written by 'kiosk provision' from {source}; the kiosk's "
                                 "runtime configuration (docs/provisioning.md)."))
    document.add("profile", PROFILE)
    document.add("profiles", {PROFILE: _without_none(profile)})
    text = tomlkit.dumps(document)
    config.parse(text, "the runtime configuration", PROFILE)  # raises if it would not load
    return text
