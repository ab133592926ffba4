"""Proofs on a throwaway database: rollback round trips, drift against the migration files, and the
rollback safety class of each migration (with the data a rollback or a restore would lose)."""
