"""The engine tests use the shared `mdir` and `cli` fixtures (tests/fixtures/pg.py)."""
