"""Offline unit tests: the program runs against Pulumi mocks, nothing reaches AWS."""
