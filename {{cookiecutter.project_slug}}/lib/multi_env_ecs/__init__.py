"""The multi-env-ecs stack: one VPC per environment, a Fargate service behind an ALB, Aurora
PostgreSQL, peering, DNS and monitoring."""
