"""The folders of this test suite that came with the project's variant, found by folder.

Each sub-folder of tests/unit/ belongs to the variant or to a part it shares with another
variant (the template's variants.toml says which). A folder adds to the shared suite by holding:

- ``aws_answers.py``, read by tests/unit/mocks.py: ``computed(type_token, name, physical,
  inputs, region, resource_id)`` returns what AWS computes for the resource types the folder's code
  declares (``{}`` for any other type), and ``answer(token, args, region)`` what the provider
  functions it calls return (``None`` for any other function);
- ``fixtures.py``, loaded by tests/unit/conftest.py as a pytest plugin: fixtures every test may
  use, and ``PULL_REQUEST_CONFIG``, stack config the shared pull-request stack also gets.

So the shared files name no variant, and a folder that is not there adds nothing.
"""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import Path
from types import ModuleType

UNIT_TESTS = Path(__file__).resolve().parent


def module_names(module: str) -> list[str]:
    """``tests.unit.<folder>.<module>`` for every folder that has ``<module>.py``, by name."""
    return [
        f"tests.unit.{folder.name}.{module}"
        for folder in sorted(UNIT_TESTS.iterdir())
        if (folder / f"{module}.py").is_file()
    ]


@cache
def modules(module: str) -> tuple[ModuleType, ...]:
    """Every folder's ``<module>.py``, imported."""
    return tuple(importlib.import_module(name) for name in module_names(module))
