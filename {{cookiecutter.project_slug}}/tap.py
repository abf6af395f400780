"""Pulumi program: resolve the environment, then declare the TapStack and export its outputs."""

import pulumi

from lib.environment import ConfigurationError
from lib.tap_stack import TapStack, TapStackArgs

try:
    args = TapStackArgs.from_config()
except ConfigurationError as error:
    # One clear line, before any resource is declared, instead of a traceback.
    raise SystemExit(f"error: {error}") from None

stack = TapStack("TapStack", args)
for output_name, value in stack.outputs.items():
    pulumi.export(output_name, value)
