"""Checks of a deployed stack, driven by cfn-outputs/flat-outputs.json."""
