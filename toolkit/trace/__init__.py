"""Ground truth: run statements on a scratch PostgreSQL and record what PostgreSQL really did
(locks taken, relations rewritten, catalog objects created, dropped or altered)."""
