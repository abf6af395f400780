"""This project's stack, where the TAP layout expects it.

The {{ cookiecutter.stack_variant }} variant's code is in lib/{{ manifest.variants[cookiecutter.stack_variant].package }}/; this module names what tap.py and the
tests use from it: the stack, its arguments and the settings of each environment tier.
"""

from lib.{{ manifest.variants[cookiecutter.stack_variant].package }}.tap_stack import TapStack, TapStackArgs
from lib.{{ manifest.variants[cookiecutter.stack_variant].package }}.tiers import tier_settings

__all__ = ["TapStack", "TapStackArgs", "tier_settings"]
