"""Small helpers for engine tests: write migration files, read the tracking table."""

from __future__ import annotations

from pathlib import Path

import psycopg


def write(mdir: Path, name: str, up: str, down: str | None = None) -> Path:
    path = mdir / f"{name}.sql"
    path.write_text(up)
    if down is not None:
        (mdir / f"{name}_rollback.sql").write_text(down)
    return path


def rows(db: psycopg.Connection) -> dict[str, tuple]:
    if not db.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()[0]:
        return {}
    return {r[0]: r[1:] for r in db.execute(
        "SELECT migration_name, status, failed_statement, error, note FROM schema_migrations ORDER BY 1")}


def table_exists(db: psycopg.Connection, name: str) -> bool:
    return db.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()[0]


def columns(db: psycopg.Connection, table: str) -> list[str]:
    return [r[0] for r in db.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
        (table,))]
