"""After a deployment, the stack's outputs in cfn-outputs/flat-outputs.json, one flat key each.

The file is what the integration tests read, in the format scripts/collect_outputs.py writes:
strings as they are, lists and maps as JSON text. It is written only when a deployment has
resolved every output: never in a preview, and never when the config sets ``skipFileWrite``
(for pipelines that collect the outputs themselves).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi

OUTPUTS_FILE_VARIABLE = "TAP_OUTPUTS_FILE"
DEFAULT_OUTPUTS_FILE = "cfn-outputs/flat-outputs.json"


def outputs_file() -> Path:
    """Where the file goes: ``TAP_OUTPUTS_FILE`` when set, else cfn-outputs/flat-outputs.json."""
    return Path(os.environ.get(OUTPUTS_FILE_VARIABLE) or DEFAULT_OUTPUTS_FILE)


def flatten(values: Mapping[str, Any]) -> dict[str, str]:
    """Every output as a string: JSON text for anything that is not one already."""
    return {
        key: value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        for key, value in values.items()
    }


def write_file(path: Path, values: Mapping[str, Any]) -> str:
    """Write ``values`` flat to ``path``, creating its folder; return the path written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(flatten(values), indent=2, sort_keys=True) + "\n")
    return str(path)


def write_flat_outputs(
    outputs: Mapping[str, pulumi.Input[Any]], *, skip: bool
) -> pulumi.Output[str] | None:
    """Write ``outputs`` once they are resolved; None when skipped or in a preview."""
    if skip or pulumi.runtime.is_dry_run():
        return None
    path = outputs_file()
    return pulumi.Output.all(**outputs).apply(lambda values: write_file(path, values))
