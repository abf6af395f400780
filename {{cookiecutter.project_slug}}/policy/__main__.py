"""The policy pack Pulumi runs: ``pulumi preview --policy-pack policy`` (scripts/deploy.sh).

Constructing the PolicyPack serves the rules to the engine and never returns, so the rules live
in policy/rules.py, which the unit tests import instead (tests/unit/test_policy*.py).
"""

import sys
from pathlib import Path

# Pulumi runs this file with policy/ as the working directory and sys.path[0], where neither
# `policy` nor `lib` can be imported; the project root holds both.
PROJECT_ROOT = str(Path(__file__).resolve().parents[1])
if PROJECT_ROOT not in sys.path:
    sys.path.insert(0, PROJECT_ROOT)

# pylint: disable=wrong-import-position
from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

from policy.controls import ControlError, load_controls  # noqa: E402
from policy.pack import PACK_NAME, policies  # noqa: E402
from policy.waivers import WaiverError, load_waivers  # noqa: E402

try:
    waivers = load_waivers()
    controls = load_controls()
except (WaiverError, ControlError) as error:
    # One clear line, before any rule runs, instead of a traceback.
    raise SystemExit(f"error: {error}") from None

PolicyPack(
    name=PACK_NAME,
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=policies(waivers, controls),
)
