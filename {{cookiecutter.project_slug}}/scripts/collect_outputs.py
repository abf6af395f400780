"""Write the selected stack's outputs to cfn-outputs/flat-outputs.json, one flat key each.

Strings are written as they are; lists and maps as JSON text, the way the TAP pipeline stores
them, so the integration tests read the file the same way whichever tool wrote it.
"""

import json
import subprocess
import sys
from pathlib import Path

OUTPUTS_FILE = Path("cfn-outputs/flat-outputs.json")


def flatten(outputs: dict) -> dict[str, str]:
    """Every output as a string: JSON text for anything that is not one already."""
    return {
        key: value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        for key, value in outputs.items()
    }


def main(stack: str | None = None) -> int:
    """Read ``pulumi stack output --json`` and write the flat file."""
    command = ["pulumi", "stack", "output", "--json", "--show-secrets"]
    if stack:
        command += ["--stack", stack]
    try:
        # The command is fixed here; only the stack name comes from the caller, as one argument.
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError:
        print(
            "error: the Pulumi CLI (pulumi) is not on PATH; install it from "
            "https://www.pulumi.com/docs/install/ and run this again",
            file=sys.stderr,
        )
        return 1
    if result.returncode != 0:
        print(f"error: {' '.join(command)} failed: {result.stderr.strip()}", file=sys.stderr)
        return 1
    OUTPUTS_FILE.parent.mkdir(exist_ok=True)
    flat = flatten(json.loads(result.stdout or "{}"))
    OUTPUTS_FILE.write_text(json.dumps(flat, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(flat)} outputs to {OUTPUTS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else None))
