"""Pulumi program of the account stack: what exists once per AWS account and region.

Deploy it once per account and region before any TapStack (bash scripts/deploy_account.sh);
its stack is named ``<account id>-<region>``. lib/account_stack.py says what it declares and
which config settings turn each piece on.
"""

import sys
from pathlib import Path

# Pulumi runs this file with account/ as the working directory and sys.path[0], where `lib`
# cannot be imported (pulumi/pulumi#7360); the project root holds it.
PROJECT_ROOT = str(Path(__file__).resolve().parents[1])
if PROJECT_ROOT not in sys.path:
    sys.path.insert(0, PROJECT_ROOT)

# pylint: disable=wrong-import-position
import pulumi  # noqa: E402

from lib.account_stack import AccountStack, AccountStackArgs  # noqa: E402
from lib.environment import ConfigurationError  # noqa: E402

try:
    args = AccountStackArgs.from_config()
except ConfigurationError as error:
    # One clear line, before any resource is declared, instead of a traceback.
    raise SystemExit(f"error: {error}") from None

stack = AccountStack("TapAccount", args)
for output_name, value in stack.outputs.items():
    pulumi.export(output_name, value)
