"""Card profiles: the files that make one virtual card, stored as JSON.

A profile holds what a real card holds (chip family, ATR, identity, file contents, and for an
issued card the IAS keys and the PIN/PUK counters, see ias_data.py, and the ICAO keys, see
icao_data.py) plus the behaviours a test wants injected. It is written atomically (a temporary
file, fsync, rename) so that a crash while a card is saving its counters never leaves a
half-written card behind. A profile from disk is outside input: anything malformed is a
:class:`ProfileError` naming the file and the field, never a traceback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kiosk.cie import ids
from kiosk.durable import write_atomically
from kiosk.errors import KioskError
from kiosk.sim import families
from kiosk.sim.ias_data import IasKeys, PinState
from kiosk.sim.icao_data import IcaoKeys

FORMAT = "kiosk-sim-card/1"
GENERIC = "generic"

# The published Ministry test card (shared/cie/vectors): name, codice fiscale and NIS.
DEMO_IDENTITY = {
    "given_name": "MARIA",
    "surname": "ROSSI",
    "codice_fiscale": "RSSMRA95A58H501Z",
    "nis": "910718464654",
}


class ProfileError(KioskError):
    code = "PROFILE_INVALID"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Behaviours(_Strict):
    """What a test may make the card do that a well-behaved card would not."""

    max_response: int = Field(256, ge=1, le=65536)
    wrong_le: Literal["6282", "6Cxx"] = "6282"
    # The card leaves while the reader waits for the answer to command N+1 ...
    tear_after_apdus: int | None = Field(None, ge=0)
    # ... which never reached the chip ("lost"), or ran with only its answer lost ("done").
    torn_command: Literal["lost", "done"] = "lost"
    # The card answers command N, then leaves before the next one (a hand moving away).
    leave_after_apdus: int | None = Field(None, ge=1)
    # "cie": answer as slowly as a real CIE (kiosk/sim/timing.py); "instant" for the tests.
    timing: Literal["instant", "cie"] = "instant"
    # PROTOCOL.md §3 (UNCERTAIN): a VERIFY without data tells the tries left; False: ``6700``.
    empty_verify: bool = True
    # PROTOCOL.md §2.3 (UNCERTAIN): where 63Cx/6983 go under SM; None: the family's habit.
    pin_errors: Literal["protected", "plain"] | None = None
    # PROTOCOL.md §7.1: answer only the family's own form of the DH GET DATA, not both.
    family_get_data_only: bool = False
    # DG14 publishes one chip authentication key and the chip computes with another: what a
    # cloned chip with copied files looks like, so a terminal's chip authentication must fail.
    chip_key_mismatch: bool = False


class _Document(_Strict):
    format: Literal["kiosk-sim-card/1"]
    family: str
    atr: str | None = None
    identity: dict[str, str] = {}
    files: dict[str, str]
    behaviours: Behaviours = Behaviours()
    ias: IasKeys | None = None
    pins: PinState | None = None
    icao: IcaoKeys | None = None

    @field_validator("family")
    @classmethod
    def _known_family(cls, value: str) -> str:
        if value not in (*families.FAMILIES, GENERIC):
            raise ValueError(f"unknown chip family {value!r}")
        return value

    @field_validator("files")
    @classmethod
    def _file_keys(cls, value: dict[str, str]) -> dict[str, str]:
        for key, data in value.items():
            df, _, fid = key.partition(":")
            if df not in ("mf", "cie", "icao") or len(fid) != 4:
                raise ValueError(f"file key {key!r} is not <mf|cie|icao>:<FID>")
            bytes.fromhex(fid + data)
        return value


@dataclass
class CardProfile:
    family: str
    atr: bytes
    files: dict[str, bytes]
    identity: dict[str, str] = field(default_factory=dict)
    behaviours: Behaviours = field(default_factory=Behaviours)
    ias: IasKeys | None = None
    pins: PinState | None = None
    icao: IcaoKeys | None = None
    path: Path | None = None

    @property
    def is_cie(self) -> bool:
        return self.family != GENERIC

    @classmethod
    def load(cls, path: Path) -> CardProfile:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ProfileError(f"{path}: no such card profile", code="PROFILE_NOT_FOUND") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ProfileError(f"{path}: not a readable card profile ({exc})") from None
        try:
            doc = _Document.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "(top level)"
            raise ProfileError(f"{path}: {where}: {first['msg']}") from None
        if doc.family == GENERIC and doc.atr is None:
            raise ProfileError(f"{path}: atr: a generic card needs its ATR")
        return cls(
            family=doc.family,
            atr=bytes.fromhex(doc.atr) if doc.atr else families.atr_for(doc.family),
            files={key: bytes.fromhex(data) for key, data in doc.files.items()},
            identity=dict(doc.identity),
            behaviours=doc.behaviours,
            ias=doc.ias,
            pins=doc.pins,
            icao=doc.icao,
            path=path,
        )

    def save(self, path: Path | None = None) -> None:
        path = path or self.path
        if path is None:
            raise ProfileError("this card profile has no file to be saved to")
        doc = {
            "format": FORMAT,
            "family": self.family,
            "atr": self.atr.hex().upper() if self.family == GENERIC else None,
            "identity": self.identity,
            "files": {key: data.hex().upper() for key, data in self.files.items()},
            "behaviours": self.behaviours.model_dump(),
            "ias": self.ias.model_dump() if self.ias else None,
            "pins": self.pins.model_dump() if self.pins else None,
            "icao": self.icao.model_dump() if self.icao else None,
        }
        for optional in ("atr", "ias", "pins", "icao"):
            if doc[optional] is None:
                del doc[optional]
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, (json.dumps(doc, indent=2) + "\n").encode())
        self.path = path


def sn_icc_for(nis: str) -> bytes:
    """EF.SN.ICC: 12 bytes whose bytes 5..10 are the NIS in BCD (PROTOCOL.md §10)."""
    return bytes.fromhex("0000000000" + nis + "00")[:12]


def new_profile(
    family: str = "NXP",
    identity: dict[str, str] | None = None,
) -> CardProfile:
    """A card with the plain files every CIE has; the identity defaults to the demo card's."""
    if family not in families.FAMILIES:
        known = ", ".join(families.FAMILIES)
        raise ProfileError(f"unknown chip family {family!r}; one of: {known}")
    identity = dict(identity or DEMO_IDENTITY)
    nis = identity.get("nis", "")
    if len(nis) != ids.NIS_LENGTH or not nis.isdigit():
        raise ProfileError("the NIS must be 12 digits")
    files = {
        "mf:2F01": families.ef_atr_for(family),
        "mf:D003": sn_icc_for(nis),
        "cie:1001": nis.encode("ascii"),
    }
    return CardProfile(family=family, atr=families.atr_for(family), files=files, identity=identity)
