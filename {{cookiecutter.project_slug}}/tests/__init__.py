"""Tests of the stack: offline unit tests and checks of a deployed stack."""
