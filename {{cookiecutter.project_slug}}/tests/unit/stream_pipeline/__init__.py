"""Unit tests of the stream-pipeline stack and its three handlers."""
