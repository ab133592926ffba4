"""Shared arrangements for the deploy tests: a copy of the example migrations, a schema fingerprint."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.name for p in (REPO / "migrations").glob("*.sql") if not p.name.endswith("_rollback.sql"))
NAMES = [n.removesuffix(".sql") for n in EXAMPLES]
# The first three examples only add objects the previous release does not use (create_users,
# add_user_preferences, add_users_status: expand-only); the rest need their rollback scripts. After a
# failed health check the deploy dispatches the scripts of those, newest first.
EXPAND_ONLY = 3
ROLLED_BACK = list(reversed(NAMES[EXPAND_ONLY:]))

BROKEN = """-- Migration: broken
BEGIN;

CREATE TABLE audit_log (id bigserial PRIMARY KEY);
ALTER TABLE users ADD COLUMN nickname_again text;
INSERT INTO no_such_table VALUES (1);

COMMIT;
"""
BROKEN_NAME = "20250120_100000_broken"
BROKEN_LINE = 6


def copy_migrations(dest: Path, *, upto: int | None = None, broken: bool = False) -> Path:
    """The example migrations (the first `upto`), optionally followed by one that fails at BROKEN_LINE."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in EXAMPLES[:upto]:
        shutil.copy(REPO / "migrations" / name, dest / name)
        rb = name.removesuffix(".sql") + "_rollback.sql"
        if (REPO / "migrations" / rb).exists():
            shutil.copy(REPO / "migrations" / rb, dest / rb)
    if broken:
        (dest / f"{BROKEN_NAME}.sql").write_text(BROKEN)
    return dest


def schema_fingerprint(conn: psycopg.Connection) -> dict:
    """Tables, columns, indexes and constraints of the public schema, plus the tracked migrations:
    equal fingerprints mean the same schema, as far as a migration can change it. The tracking table's
    own structure is left out (it stays once created); its rows are compared."""
    columns = conn.execute("""
        SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, column_default
          FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'schema_migrations'
         ORDER BY 1, 2""").fetchall()
    indexes = conn.execute("""SELECT indexname, indexdef FROM pg_indexes
                               WHERE schemaname = 'public' AND tablename <> 'schema_migrations' ORDER BY 1"""
                           ).fetchall()
    constraints = conn.execute("""
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
         WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> 'schema_migrations'
         ORDER BY 1, 2""").fetchall()
    has_table = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()[0]
    tracked = (conn.execute("SELECT migration_name FROM schema_migrations ORDER BY 1").fetchall()
               if has_table else [])
    return {"columns": columns, "indexes": indexes, "constraints": constraints, "tracked": tracked}
