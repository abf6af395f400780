"""Unit tests of lib/private_bucket, the part every bucket of the project goes through."""
