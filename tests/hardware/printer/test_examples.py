"""The examples in the printer's docstrings run as written."""

from __future__ import annotations

import doctest
from pathlib import Path
from types import ModuleType

import pytest

from kiosk.hardware.printer import frontend, receipt, virtual
from tests.hardware.printer.example import EXAMPLE


@pytest.mark.parametrize(("module", "examples"), [(frontend, 3), (receipt, 1), (virtual, 4)])
def test_docstring_examples(tmp_path: Path, module: ModuleType, examples: int) -> None:
    names = {"tmp": str(tmp_path), "receipt": EXAMPLE, "Path": Path}
    result = doctest.testmod(module, extraglobs=names, raise_on_error=True)
    assert result.attempted == examples
