"""The `schema_migrations` table: what has been applied, with what checksum, by whom.

An existing table from the runbook's older script is adopted: missing columns are added, nothing
is dropped or rewritten.
"""

from __future__ import annotations

import functools
import getpass
import os
import socket
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg import sql

from toolkit import __version__

# (column, type) added to an existing table when missing; ADD COLUMN with a constant default is
# metadata-only since PostgreSQL 11, so adopting a large old table is instant.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("checksum", "text"),
    ("applied_at", "timestamptz NOT NULL DEFAULT now()"),
    ("execution_ms", "integer"),
    ("applied_by", "text"),
    ("toolkit_version", "text"),
    ("status", "text NOT NULL DEFAULT 'applied'"),  # applied | running | failed
    ("failed_statement", "integer"),  # 1-based statement reached when a migration failed
    ("error", "text"),
    ("note", "text"),  # e.g. why the backup check was skipped, or a re-baseline
)


@dataclass(frozen=True)
class Row:
    name: str
    checksum: str | None
    applied_at: datetime | None
    execution_ms: int | None
    applied_by: str | None
    status: str
    failed_statement: int | None
    error: str | None
    note: str | None


def table_ident(table: str) -> sql.Composable:
    parts = table.split(".", 1)
    return sql.Identifier(*parts)


@functools.cache
def applied_by() -> str:
    """Who applied it: the Actions actor and run when in a workflow, else user@host."""
    actor = os.environ.get("GITHUB_ACTOR")
    if actor:
        run = os.environ.get("GITHUB_RUN_ID")
        return f"{actor} (github-actions run {run})" if run else actor
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def table_exists(conn: psycopg.Connection, table: str) -> bool:
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()[0]


def ensure_table(conn: psycopg.Connection, table: str) -> None:
    """Create the table, or add the columns an older table lacks. Call with the runner lock held:
    two concurrent CREATE TABLE IF NOT EXISTS can still collide in pg_type."""
    ident = table_ident(table)
    with conn.transaction():
        conn.execute(sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (migration_name text PRIMARY KEY)").format(ident))
        for column, ddl in COLUMNS:
            conn.execute(sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} " + ddl)
                         .format(ident, sql.Identifier(column)))


def applied_rows(conn: psycopg.Connection, table: str = "schema_migrations") -> dict[str, Row]:
    """Every tracking row by migration name; empty when the table does not exist yet."""
    if not table_exists(conn, table):
        return {}
    have = {r[0] for r in conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped",
        (table,))}
    cols = [sql.Identifier(c) if c in have else sql.NULL for c, _ in COLUMNS]
    query = sql.SQL("SELECT migration_name, {} FROM {}").format(sql.SQL(", ").join(cols), table_ident(table))
    rows = {}
    for rec in conn.execute(query):
        name, checksum, applied_at, ms, by, _version, status, failed_stmt, error, note = rec
        rows[name] = Row(name, checksum, applied_at, ms, by, status or "applied", failed_stmt, error, note)
    return rows


def latest_applied(conn: psycopg.Connection, table: str = "schema_migrations") -> str | None:
    """The newest applied migration's name (names sort by time), or None."""
    names = [r.name for r in applied_rows(conn, table).values() if r.status == "applied"]
    return max(names) if names else None


def insert_row(conn: psycopg.Connection, table: str, name: str, checksum: str, *, status: str,
               execution_ms: int | None = None, note: str | None = None, server_timed: bool = False) -> None:
    """server_timed: execution_ms is the time since the transaction began, measured by the server
    (the row is written in the migration's own transaction, before its commit)."""
    ms = sql.SQL("(extract(epoch FROM clock_timestamp() - now()) * 1000)::int") if server_timed else sql.Literal(
        execution_ms)
    conn.execute(
        sql.SQL("INSERT INTO {} (migration_name, checksum, applied_at, execution_ms, applied_by, "
                "toolkit_version, status, note) VALUES (%s, %s, now(), {}, %s, %s, %s, %s)")
        .format(table_ident(table), ms),
        (name, checksum, applied_by(), __version__, status, note),
    )


def finish_row(conn: psycopg.Connection, table: str, name: str, *, status: str, execution_ms: int | None = None,
               failed_statement: int | None = None, error: str | None = None) -> None:
    conn.execute(
        sql.SQL("UPDATE {} SET status = %s, execution_ms = %s, failed_statement = %s, error = %s, "
                "applied_at = now() WHERE migration_name = %s").format(table_ident(table)),
        (status, execution_ms, failed_statement, error, name),
    )


def delete_row(conn: psycopg.Connection, table: str, name: str) -> int:
    cur = conn.execute(sql.SQL("DELETE FROM {} WHERE migration_name = %s").format(table_ident(table)), (name,))
    return cur.rowcount


def set_checksum(conn: psycopg.Connection, table: str, name: str, checksum: str, note: str) -> int:
    cur = conn.execute(
        sql.SQL("UPDATE {} SET checksum = %s, note = concat_ws('; ', note, %s::text) WHERE migration_name = %s")
        .format(table_ident(table)), (checksum, note, name))
    return cur.rowcount
