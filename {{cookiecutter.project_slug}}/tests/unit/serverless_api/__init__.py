"""Unit tests of the serverless-api stack and its handler."""
