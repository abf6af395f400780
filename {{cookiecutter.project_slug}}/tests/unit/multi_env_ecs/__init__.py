"""Unit tests of the multi-env-ecs stack: network, service, database, peering, DNS, monitoring."""
