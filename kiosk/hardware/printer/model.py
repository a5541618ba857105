"""What the kiosk needs to know about a printer model, taken from python-escpos's printer
database (escpos-printer-db): the paper's width in dots, the text columns, and which code
page each ``ESC t n`` selects. The layout and the virtual printer read the same entry, so the
preview has the real printer's width and character sets."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from escpos.capabilities import CAPABILITIES

from kiosk.hardware.printer.errors import BadPrinterUri

DEFAULT_MODEL = "TM-T20II"  # Epson's common 80 mm kiosk printer: 576 dots, 48 columns


@dataclass(frozen=True, slots=True)
class PrinterModel:
    name: str
    paper_dots: int
    columns: int  # characters of font A on one line
    codecs: MappingProxyType[int, str]  # ESC t n -> Python codec, for the tables Python has

    @classmethod
    def named(cls, name: str) -> PrinterModel:
        """The model ``name`` of the database (BadPrinterUri for an unknown one, or one whose
        paper width the database does not give: the layout cannot be fitted to it)."""
        profile: dict[str, Any] | None = CAPABILITIES["profiles"].get(name)
        dots = profile and profile.get("media", {}).get("width", {}).get("pixels")
        if profile is None or not isinstance(dots, int):
            raise BadPrinterUri(f"printer model {name!r} is not in python-escpos's database "
                                "with a known paper width (e.g. TM-T20II, TM-T88V, NT-5890K)")
        encodings = CAPABILITIES["encodings"]
        codecs = {int(n): encodings[page]["python_encode"]
                  for n, page in profile["codePages"].items()
                  if encodings.get(page, {}).get("python_encode")}
        return cls(name, dots, int(profile["fonts"]["0"]["columns"]), MappingProxyType(codecs))
