"""The `schema_migrations` table: what has been applied, with what checksum, by whom.

An existing table from the runbook's older script is adopted: missing columns are added, nothing
is dropped or rewritten. A table of that name written by another tool (golang-migrate, Rails, ...)
is named and refused, never altered.

The engine resolves the table to schema.name once per run (resolve()), so a migration's
`SET search_path` cannot make the engine lose or misplace its own table.
"""

from __future__ import annotations

import functools
import getpass
import os
import socket
from datetime import datetime

import msgspec
import psycopg
from psycopg import sql

from toolkit import __version__
from toolkit.errors import ToolkitError

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


class Row(msgspec.Struct, frozen=True):
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


def resolve(conn: psycopg.Connection, table: str) -> str:
    """schema.name of the tracking table: the existing one the search path finds, else the table
    to create in the current schema. Done once per run, before any migration can move search_path."""
    row = conn.execute("SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                       "WHERE c.oid = to_regclass(%s)", (table,)).fetchone()
    if row:
        return f"{row[0]}.{row[1]}"
    if "." in table:
        return table
    schema = conn.execute("SELECT current_schema()").fetchone()[0]
    if schema is None:
        raise ToolkitError(f"no schema to create the tracking table {table} in: the search_path names no "
                           "existing schema", hint='set [engine] table = "schema.table" in migrate-action.toml')
    return f"{schema}.{table}"


def _columns(conn: psycopg.Connection, table: str) -> dict[str, str]:
    return dict(conn.execute(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped", (table,)).fetchall())


def _sibling_exists(conn: psycopg.Connection, table: str, other: str) -> bool:
    schema = table.rsplit(".", 1)[0] if "." in table else None
    name = f"{schema}.{other}" if schema else other
    return table_exists(conn, name)


def foreign_owner(conn: psycopg.Connection, table: str, cols: dict[str, str]) -> str:
    """Whose tracking table this looks like, from its columns (for the refusal message)."""
    names = set(cols)
    if "installed_rank" in names or table.endswith("flyway_schema_history"):
        return "Flyway's"
    if {"version", "dirty"} <= names:
        return "golang-migrate's"
    if {"version_id", "is_applied"} <= names:
        return "goose's"
    if {"version", "inserted_at"} <= names:
        return "Ecto's"
    if "filename" in names:
        return "Sequel's"
    if names == {"version"}:
        if _sibling_exists(conn, table, "ar_internal_metadata"):
            return "Rails (Active Record)'s"
        return "dbmate's (or Rails' without ar_internal_metadata)"
    return "another tool's"


def check_shape(conn: psycopg.Connection, table: str, cols: dict[str, str] | None = None) -> dict[str, str]:
    """The table's columns; a ToolkitError when it exists but is not a migrate-action table."""
    cols = _columns(conn, table) if cols is None else cols
    if cols and "migration_name" not in cols:
        who = foreign_owner(conn, table, cols)
        shape = ", ".join(f"{c} {t}" for c, t in sorted(cols.items()))
        raise ToolkitError(
            f"{table} is not migrate-action's tracking table: it looks like {who} ({shape}); "
            "refusing to read or change it",
            hint='keep migrate-action\'s history in a table of its own: set [engine] table = '
                 '"migrate_action_migrations" in migrate-action.toml (see docs/engine-safety.md)')
    return cols


def ensure_table(conn: psycopg.Connection, table: str) -> None:
    """Create the table, or add the columns an older table lacks. Call with the runner lock held:
    two concurrent CREATE TABLE IF NOT EXISTS can still collide in pg_type. Reads the catalog first:
    an ALTER TABLE, even ADD COLUMN IF NOT EXISTS that adds nothing, needs an ACCESS EXCLUSIVE
    lock and would queue behind any open transaction that once read the table."""
    ident = table_ident(table)
    have = check_shape(conn, table)
    if not have:
        with conn.transaction():
            conn.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} (migration_name text PRIMARY KEY, {})").format(
                ident, sql.SQL(", ").join(sql.SQL("{} " + ddl).format(sql.Identifier(c)) for c, ddl in COLUMNS)))
        return
    missing = [(c, ddl) for c, ddl in COLUMNS if c not in have]
    if missing:
        with conn.transaction():
            conn.execute(sql.SQL("ALTER TABLE {} ").format(ident) + sql.SQL(", ").join(
                sql.SQL("ADD COLUMN IF NOT EXISTS {} " + ddl).format(sql.Identifier(c)) for c, ddl in missing))


def applied_rows(conn: psycopg.Connection, table: str = "schema_migrations") -> dict[str, Row]:
    """Every tracking row by migration name; empty when the table does not exist yet."""
    if not table_exists(conn, table):
        return {}
    have = check_shape(conn, table)
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
               execution_ms: int | None = None, note: str | None = None, server_timed: bool = False
               ) -> psycopg.Cursor:
    """server_timed: execution_ms is the time since the transaction began, measured by the server
    (the row is written in the migration's own transaction, before its commit)."""
    ms = sql.SQL("(extract(epoch FROM clock_timestamp() - now()) * 1000)::int") if server_timed else sql.Literal(
        execution_ms)
    return conn.execute(
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
