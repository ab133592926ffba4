"""The database side of a backup: one snapshot shared by pg_dump and by our own reads.

A REPEATABLE READ transaction exports its snapshot, pg_dump is started with `--snapshot` on it, and
the newest applied migration and the per-table row counts are read in that same transaction, so
what the manifest says is exactly what the dump holds, whatever commits meanwhile.
"""

from __future__ import annotations

import subprocess
import threading
from collections import deque

import msgspec
import psycopg
from psycopg import sql

from toolkit.backup.pgtools import conninfo_and_env, find_tool, tool_version
from toolkit.db import connect, describe
from toolkit.errors import ToolkitError

# Ordinary tables pg_dump writes data for: user schemas, not extension members, not foreign.
TABLES_SQL = """
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2
"""


class DatabaseInfo(msgspec.Struct, frozen=True):
    name: str
    host: str
    port: str
    server_version: str
    server_major: int
    size_bytes: int
    oid: int | None = None
    system_identifier: str | None = None  # None when the role may not read pg_control_system()

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "host": self.host, "port": self.port,
                "server_version": self.server_version, "size_bytes": self.size_bytes,
                "oid": self.oid, "system_identifier": self.system_identifier}


class Identity(msgspec.Struct, frozen=True):
    """What the server itself says this database is: a restore compares it with the manifest's.

    The system identifier is fixed when the cluster is initialised (shared by its physical
    replicas); the oid is fixed when the database is created. Together with the name they tell one
    database from another even when two clusters both call theirs `app`."""

    name: str
    oid: int
    system_identifier: str | None


def database_identity(conn: psycopg.Connection) -> Identity:
    # PUBLIC may run pg_control_system() by default, but a hardened server may revoke it: asked
    # only when allowed, so such a role gets None (name and oid still identify) instead of an error.
    name, oid, allowed = conn.execute(
        "SELECT d.datname, d.oid::bigint, has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE') "
        "FROM pg_database d WHERE d.datname = current_database()").fetchone()
    # Separately: PostgreSQL checks the privilege when the plan starts, even in an untaken branch.
    sysid = conn.execute("SELECT system_identifier::text FROM pg_catalog.pg_control_system()").fetchone()[0] \
        if allowed else None
    return Identity(name, oid, sysid)


def database_info(conn: psycopg.Connection, url: str) -> DatabaseInfo:
    version, num, size = conn.execute(
        "SELECT current_setting('server_version'), "
        "current_setting('server_version_num')::int, pg_database_size(current_database())").fetchone()
    ident = database_identity(conn)
    host_port = describe(url).split("/", 1)[0]
    host, _, port = host_port.rpartition(":")
    return DatabaseInfo(ident.name, host, port, version, num // 10000, size, ident.oid, ident.system_identifier)


# What pg_dump must be able to read, and what it lacks: USAGE on the schema, SELECT on each table
# and sequence (extension members excluded, as pg_dump skips their data).
MISSING_PRIVILEGES_SQL = """
SELECT CASE WHEN NOT has_schema_privilege(n.oid, 'USAGE') THEN 'USAGE on schema ' || quote_ident(n.nspname)
            ELSE 'SELECT on ' || CASE c.relkind WHEN 'S' THEN 'sequence ' ELSE 'table ' END
                 || quote_ident(n.nspname) || '.' || quote_ident(c.relname) END
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'S') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
  AND (NOT has_schema_privilege(n.oid, 'USAGE') OR NOT has_table_privilege(c.oid, 'SELECT'))
ORDER BY 1
"""


def missing_privileges(conn: psycopg.Connection) -> list[str]:
    """What the connected role lacks for pg_dump to read everything, e.g. `SELECT on table s.t`."""
    return list(dict.fromkeys(r[0] for r in conn.execute(MISSING_PRIVILEGES_SQL)))


def list_tables(conn: psycopg.Connection) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in conn.execute(TABLES_SQL)]


def table_label(schema: str, name: str) -> str:
    return f"{schema}.{name}"


def count_rows(conn: psycopg.Connection, tables: list[tuple[str, str]]) -> dict[str, int]:
    """Exact row counts (count(*)), one table at a time."""
    counts = {}
    for schema, name in tables:
        q = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, name))
        counts[table_label(schema, name)] = conn.execute(q).fetchone()[0]
    return counts


class SnapshotDump:
    """`with SnapshotDump(url, table) as d:` then `d.start_pg_dump(args)`; counts with `d.count()`."""

    def __init__(self, url: str, migrations_table: str) -> None:
        self.url = url
        self.migrations_table = migrations_table
        self.conn: psycopg.Connection | None = None
        self.proc: subprocess.Popen | None = None
        self._stderr: deque[str] = deque(maxlen=40)
        self._stderr_thread: threading.Thread | None = None

    def __enter__(self) -> SnapshotDump:
        from toolkit.migrations.tracking import latest_applied

        self.conn = connect(self.url, autocommit=True, application_name="migrate-action backup")
        self.info = database_info(self.conn, self.url)
        # Checked first: pg_dump's own error for one unreadable table (after the snapshot's
        # transaction failed on it) is "could not import the requested snapshot".
        missing = missing_privileges(self.conn)
        if missing:
            user = self.conn.info.user
            self.conn.close()
            more = f" (and {len(missing) - 3} more)" if len(missing) > 3 else ""
            raise ToolkitError(f"cannot back up database {self.info.name}: permission denied: role {user} lacks "
                               f"{'; '.join(missing[:3])}{more}; nothing was stored",
                               hint=f"grant it (e.g. GRANT SELECT ON ALL TABLES IN SCHEMA ... TO {user}; the same "
                                    "for sequences), or back up as the tables' owner")
        self.conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        self.snapshot = self.conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        self.newest_migration = latest_applied(self.conn, self.migrations_table)
        self.tables = list_tables(self.conn)
        return self

    def __exit__(self, *exc) -> None:
        self.kill()
        if self.conn is not None:
            try:
                self.conn.close()  # ends the snapshot's transaction
            except psycopg.Error:
                pass

    def pg_dump_version(self) -> tuple[str, str]:
        path = find_tool("pg_dump", self.info.server_major)
        return str(path), tool_version(path)

    def start_pg_dump(self, pg_dump: str, extra_args: list[str]) -> subprocess.Popen:
        conninfo, env = conninfo_and_env(self.url)
        args = [pg_dump, "--format=custom", f"--snapshot={self.snapshot}", "--no-password",
                *extra_args, "--dbname", conninfo]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, env=env)
        self._stderr_thread = threading.Thread(target=self._drain_stderr, daemon=True)
        self._stderr_thread.start()
        return self.proc

    def _drain_stderr(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        for line in self.proc.stderr:
            self._stderr.append(line.decode(errors="replace").rstrip())

    def stderr_text(self) -> str:
        if self._stderr_thread is not None:
            self._stderr_thread.join(timeout=5)
        return "\n".join(self._stderr)

    def count(self) -> dict[str, int]:
        assert self.conn is not None
        return count_rows(self.conn, self.tables)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
