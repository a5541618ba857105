"""The error catalogue covers the whole taxonomy: every code a card task can raise."""

from __future__ import annotations

import re

from kiosk.cie import errors as cie_errors
from kiosk.errors import KioskError
from kiosk.hardware import errors as hardware_errors
from kiosk.journeys.catalogue import CATALOGUE, GENERIC, error_view, lookup


def codes(base: type[cie_errors.CieError | KioskError]) -> set[str]:
    found: set[str] = set()
    todo: list[type[cie_errors.CieError | KioskError]] = [base]
    while todo:
        cls = todo.pop()
        found.add(cls.code)
        todo.extend(cls.__subclasses__())
    return found


def test_every_taxonomy_code_has_an_entry() -> None:
    taxonomy = codes(cie_errors.CieError) | codes(hardware_errors.ReaderError) | {
        KioskError.code}
    assert taxonomy - set(CATALOGUE) == set()


def test_support_codes_are_short_unique_and_stable_in_form() -> None:
    support = [entry.support_code for entry in CATALOGUE.values()]
    assert len(support) == len(set(support))
    assert all(re.fullmatch(r"E-[A-Z]{3}-\d\d", code) for code in support)
    assert all(entry.message.startswith("error.") and entry.remedy.startswith("remedy.")
               for entry in CATALOGUE.values())


def test_an_unknown_code_gets_the_generic_entry_and_keeps_its_code() -> None:
    assert lookup("SOMETHING_NEW") is GENERIC
    view = error_view("SOMETHING_NEW")
    assert (view.code, view.support_code) == ("SOMETHING_NEW", "E-GEN-00")
    assert error_view("WRONG_PIN", 2).support_code == "E-PIN-01"
    assert error_view("PIN_BLOCKED").support_code == "E-PIN-02"
