"""The folders of lib/ that came with the project's variant, found by folder.

Each sub-package of lib/ belongs to the variant or to a part it shares with another variant, and
generation keeps only the chosen variant's. Shared code that needs a folder's additions finds
them here by module name, so it names no variant and a folder that is not there adds nothing
(as tests/unit/parts.py does for the unit tests).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

LIB = Path(__file__).resolve().parent


def modules(module: str) -> tuple[ModuleType, ...]:
    """``lib.<folder>.<module>`` of every folder that has ``<module>.py``, by folder name."""
    return tuple(
        importlib.import_module(f"lib.{folder.name}.{module}")
        for folder in sorted(LIB.iterdir())
        if (folder / f"{module}.py").is_file()
    )
