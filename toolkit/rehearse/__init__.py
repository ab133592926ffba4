"""Rehearsal: apply the pending migrations to a restored copy of an environment's backup and measure
what PostgreSQL really did (locks and how long they were held, rewrites, WAL, a probe's stalls)."""
