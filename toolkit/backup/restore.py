"""Restoring a backup so the database is exactly as it was when the backup was taken.

`pg_restore --clean` drops only the objects the dump contains, so a table added by a later
migration would survive it. Instead, in ONE transaction run by psql:

    BEGIN;
      drop every user schema CASCADE (public is recreated with its owner, privileges, comment),
      unlink large objects;
      <pg_restore --no-owner --file=- of the dump>         (streamed: S3 -> zstd -> pg_restore -> psql)
    COMMIT;   -- only if the object hashed to the manifest's SHA-256 and pg_restore exited 0

so objects created after the backup are gone, schema_migrations is as it was, and any failure
(a corrupt object, a missing role, a lock that cannot be had) leaves the database untouched.
Objects outside schemas (roles, publications, event triggers, foreign servers) are left alone.

Two guards come first. The backup must be of this very database (the manifest's environment,
name, oid and system identifier against the target's), unless the caller names the other source
explicitly. And the drops take their locks like a migration does: each try waits at most a short
lock_timeout, so the application's readers queued behind it wait no longer than that; tries are
repeated with backoff until [engine] lock_retry_deadline_s, then the sessions holding the locks
are named.
"""

from __future__ import annotations

import os
import random
import secrets
import subprocess
import threading
import time
from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import psycopg
from psycopg import sql

from toolkit import __version__
from toolkit.backup.dump import Identity, count_rows, database_identity, list_tables
from toolkit.backup.listing import read_manifest
from toolkit.backup.manifest import (
    Manifest,
    SourceDatabase,
    ci_context,
    identity_mismatch,
    iso,
    restore_record_key,
)
from toolkit.backup.pgtools import conninfo_and_env, find_tool, last_error_line
from toolkit.backup.progress import Counters, Progress
from toolkit.backup.s3 import S3Uri, make_client, parse_uri, put_json
from toolkit.backup.stream import PipeSink, StreamStats, read_object
from toolkit.config import Config, Environment
from toolkit.db import connect, describe, scrub
from toolkit.errors import ToolkitError, UsageError

# Each try's lock_timeout starts at [engine] lock_timeout_ms and doubles, but never beyond this:
# while the restore waits for a lock, every reader of that table waits behind it.
MAX_LOCK_TIMEOUT_MS = 1000


class LockBusy(ToolkitError):
    """The restore could not get a lock within lock_timeout; nothing was changed."""


class RestoreResult(msgspec.Struct):
    uri: str
    database: str
    environment: str
    started_at: str
    finished_at: str
    duration_s: float
    newest_migration: str | None
    tables: dict[str, int] = msgspec.field(default_factory=dict)
    mismatches: dict[str, list[int]] = msgspec.field(default_factory=dict)  # table -> [expected, restored]
    record_uri: str | None = None

    @property
    def ok(self) -> bool:
        return not self.mismatches


# -- the reset before the restore (pure) ---------------------------------------------------------
class PublicSchema(msgspec.Struct, frozen=True):
    owner: str
    grants: tuple[tuple[str | None, str, bool], ...]  # (grantee or None for PUBLIC, privilege, grantable)
    comment: str | None


def reset_sql(schemas: list[str], public: PublicSchema | None) -> str:
    """SQL that empties the database of everything a dump restores (see the module docstring)."""
    out = ["SET LOCAL client_min_messages = warning;",
           "SELECT count(pg_catalog.lo_unlink(oid)) AS large_objects_unlinked FROM pg_catalog.pg_largeobject_metadata;"]
    for name in schemas:
        out.append(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE;").format(sql.Identifier(name)).as_string(None))
    if public is not None:
        out.append("DROP SCHEMA IF EXISTS public CASCADE;")
        out.append(sql.SQL("CREATE SCHEMA public AUTHORIZATION {};").format(sql.Identifier(public.owner))
                   .as_string(None))
        for grantee, privilege, grantable in public.grants:
            who = sql.SQL("PUBLIC") if grantee is None else sql.Identifier(grantee)
            out.append(sql.SQL("GRANT {} ON SCHEMA public TO {}{};").format(
                sql.SQL(privilege), who, sql.SQL(" WITH GRANT OPTION" if grantable else "")).as_string(None))
        if public.comment is not None:
            out.append(sql.SQL("COMMENT ON SCHEMA public IS {};").format(sql.Literal(public.comment)).as_string(None))
    return "\n".join(out) + "\n"


_PRIVILEGES = {"USAGE", "CREATE"}


def inspect_target(conn: psycopg.Connection) -> tuple[list[str], PublicSchema | None]:
    """The user schemas to drop and how to recreate `public` (its initial privileges if known)."""
    schemas = [r[0] for r in conn.execute(
        "SELECT nspname FROM pg_namespace WHERE nspname <> ALL (ARRAY['public', 'information_schema']) "
        "AND nspname NOT LIKE 'pg\\_%' ORDER BY 1")]
    row = conn.execute(
        "SELECT n.oid, r.rolname, obj_description(n.oid, 'pg_namespace'), "
        "coalesce((SELECT initprivs FROM pg_init_privs WHERE objoid = n.oid "
        "          AND classoid = 'pg_namespace'::regclass AND objsubid = 0), n.nspacl) "
        "FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE n.nspname = 'public'").fetchone()
    if row is None:
        return schemas, None
    oid, owner, comment, acl = row
    grants: list[tuple[str | None, str, bool]] = []
    if acl is not None:
        for grantee, privilege, grantable in conn.execute(
                "SELECT CASE WHEN a.grantee = 0 THEN NULL ELSE (SELECT rolname FROM pg_roles WHERE oid = a.grantee) END, "
                "a.privilege_type, a.is_grantable FROM aclexplode(%s::aclitem[]) a "
                "WHERE a.grantee <> (SELECT nspowner FROM pg_namespace WHERE oid = %s) ORDER BY 1 NULLS FIRST, 2",
                (acl, oid)):
            if privilege in _PRIVILEGES:
                grants.append((grantee, privilege, grantable))
    return schemas, PublicSchema(owner, tuple(grants), comment)


# -- streaming -----------------------------------------------------------------------------------
def _psql_for(pg_restore: Path) -> Path:
    # pg_restore's own psql understands what it writes (e.g. \restrict in 2025 releases).
    sibling = pg_restore.parent / "psql"
    return sibling if sibling.exists() else find_tool("psql")


def _collect(stream, into: deque[str]) -> threading.Thread:
    def run() -> None:
        for line in stream:
            into.append(line.decode(errors="replace").rstrip())

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


class _Stopped(Exception):
    """Raised into the feeder when the restore already failed: stop downloading."""


class _Pipeline(msgspec.Struct):
    """The two processes of one restore and what their threads collected."""

    psql: subprocess.Popen
    pg_restore: subprocess.Popen
    psql_err: deque[str] = msgspec.field(default_factory=lambda: deque(maxlen=40))
    restore_err: deque[str] = msgspec.field(default_factory=lambda: deque(maxlen=40))
    collectors: list[threading.Thread] = msgspec.field(default_factory=list)
    stats: StreamStats | None = None
    error: BaseException | None = None  # raised by the download
    stop: threading.Event = msgspec.field(default_factory=threading.Event)  # set: cut the download short

    def kill(self) -> None:
        for p in (self.pg_restore, self.psql):  # killing psql mid-transaction rolls it back
            if p.poll() is None:
                p.kill()
                p.wait()


def _start_pipeline(target_url: str, *, server_major: int | None, extra_args: tuple[str, ...],
                    lock_timeout_ms: int | None) -> _Pipeline:
    pg_restore = find_tool("pg_restore", server_major)
    psql = _psql_for(pg_restore)
    conninfo, env = conninfo_and_env(target_url)
    options = env.get("PGOPTIONS", "") + " -c client_min_messages=warning"
    if lock_timeout_ms is not None:
        options += f" -c lock_timeout={int(lock_timeout_ms)}ms"
    env["PGOPTIONS"] = options.strip()
    psql_p = subprocess.Popen([str(psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--no-password",
                               "--dbname", conninfo, "--file=-"],
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    pr = subprocess.Popen([str(pg_restore), "--no-owner", *extra_args, "--file=-"], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    pipe = _Pipeline(psql_p, pr)
    pipe.collectors = [_collect(psql_p.stderr, pipe.psql_err), _collect(pr.stderr, pipe.restore_err)]
    return pipe


def _feed(pipe: _Pipeline, client, obj: S3Uri, manifest: Manifest, progress: bool) -> None:
    """The download thread: S3 -> (zstd) -> pg_restore's stdin."""
    sink = PipeSink(pipe.pg_restore.stdin)

    def write(data: bytes) -> None:
        if pipe.stop.is_set():
            raise _Stopped
        sink.write(data)

    try:
        pipe.stats = read_object(client, obj, manifest, write,
                                 progress=Progress("restore", enabled=progress, read_name="downloaded",
                                                   written_name="decompressed"),
                                 counters=Counters(pid=pipe.pg_restore.pid))
    except BaseException as exc:
        pipe.error = exc
    finally:
        sink.close()


def _apply(pipe: _Pipeline, feeder: threading.Thread, prologue: str) -> tuple[int, int, bool]:
    """pg_restore's SQL into psql inside BEGIN; COMMIT only if all went well, else ROLLBACK.
    Returns (pg_restore's exit code, psql's exit code, whether psql stopped reading early)."""
    to_psql = PipeSink(pipe.psql.stdin)
    to_psql.write(b"BEGIN;\n" + prologue.encode())
    assert pipe.pg_restore.stdout is not None
    while chunk := pipe.pg_restore.stdout.read(1 << 20):
        to_psql.write(chunk)
        if to_psql.closed_early:  # psql stopped on an error: nothing more will be applied
            pipe.pg_restore.kill()
            break
    if to_psql.closed_early:
        # A lock not granted: stop the download at once. Any other error: read on, so a
        # corrupt object is reported as such rather than as the SQL error it caused.
        try:
            pipe.psql.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass  # killed by the caller if still there
        pipe.collectors[0].join(timeout=5)
        if _lock_timed_out(pipe.psql_err):
            pipe.stop.set()
    feeder.join()
    pr_rc = pipe.pg_restore.wait()
    good = pipe.error is None and pipe.stats is not None and not pipe.stats.problems and pr_rc == 0
    to_psql.write(b"\nCOMMIT;\n" if good else b"\nROLLBACK;\n")
    to_psql.close()
    return pr_rc, pipe.psql.wait(), to_psql.closed_early


def _outcome(pipe: _Pipeline, obj: S3Uri, target_url: str, pr_rc: int, psql_rc: int,
             psql_stopped: bool) -> StreamStats:
    """The stream's stats if the restore committed; else the error that says why it did not,
    the most telling first (a lock not had, a corrupt object, the SQL error, the download's)."""
    stats = pipe.stats
    psql_error = scrub(last_error_line(chr(10).join(pipe.psql_err)), target_url)
    if pipe.stop.is_set() or (psql_rc != 0 and _lock_timed_out(pipe.psql_err)):
        raise LockBusy(f"restore into {describe(target_url)} could not get its locks: {psql_error}")
    if stats is not None and stats.problems:
        raise ToolkitError(f"the backup {obj} is corrupt ({'; '.join(stats.problems)}): the restore was rolled "
                           f"back, {describe(target_url)} is unchanged",
                           hint="restore an older backup (`list-backups --env ENV`), and take a new one")
    if psql_rc != 0 or psql_stopped:
        raise ToolkitError(f"restore into {describe(target_url)} failed and was rolled back: {psql_error}")
    if pipe.error is not None:
        raise pipe.error
    assert stats is not None
    if pr_rc != 0:
        raise ToolkitError(
            f"restore rolled back: pg_restore failed: {last_error_line(chr(10).join(pipe.restore_err))}")
    return stats


def restore_stream(client, obj: S3Uri, manifest: Manifest, target_url: str, prologue: str, *,
                   progress: bool = True, server_major: int | None = None,
                   extra_args: tuple[str, ...] = (), lock_timeout_ms: int | None = None) -> StreamStats:
    """S3 -> (zstd) -> pg_restore --file=- -> psql, in one transaction that commits only if every
    check passed. Raises ToolkitError (after rolling back) on any failure: LockBusy if a lock was
    not granted within lock_timeout_ms (the download is then cut short, so a retry is cheap)."""
    pipe = _start_pipeline(target_url, server_major=server_major, extra_args=extra_args,
                           lock_timeout_ms=lock_timeout_ms)
    feeder = threading.Thread(target=_feed, args=(pipe, client, obj, manifest, progress), name="restore-feed",
                              daemon=True)
    feeder.start()
    try:
        pr_rc, psql_rc, psql_stopped = _apply(pipe, feeder, prologue)
    except BaseException:
        pipe.kill()
        raise
    for t in pipe.collectors:
        t.join(timeout=5)
    return _outcome(pipe, obj, target_url, pr_rc, psql_rc, psql_stopped)


def _lock_timed_out(psql_err: deque[str]) -> bool:
    return any("lock timeout" in line for line in psql_err)


def lock_holders(conn: psycopg.Connection, limit: int = 3) -> list[str]:
    """Other sessions holding locks on this database's user tables (what a restore must drop),
    longest-running first, each as `pid N (application, user, state for S s, query: ...) on tables`.
    Without pg_read_all_stats, another role's state and query show as unknown."""
    rows = conn.execute(
        r"""SELECT l.pid, coalesce(nullif(a.application_name, ''), '?'), coalesce(a.usename::text, '?'),
                   coalesce(a.state, '?'),
                   extract(epoch FROM now() - coalesce(a.xact_start, a.query_start))::int,
                   regexp_replace(coalesce(a.query, ''), '\s+', ' ', 'g'),
                   string_agg(DISTINCT n.nspname || '.' || c.relname, ', ')
              FROM pg_locks l
              LEFT JOIN pg_stat_activity a ON a.pid = l.pid
              JOIN pg_class c ON c.oid = l.relation
              JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE l.locktype = 'relation' AND l.granted AND l.pid IS DISTINCT FROM pg_backend_pid()
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%%'
             GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 5 DESC NULLS LAST LIMIT %s""", (limit,)).fetchall()
    out = []
    for pid, app, user, state, secs, query, tables in rows:
        who = f"pid {pid}" if pid is not None else "a prepared transaction"
        since = f" for {secs} s" if secs is not None else ""
        q = (query[:60] + "...") if len(query) > 60 else query
        out.append(f"{who} (application {app}, user {user}, {state}{since}, query: {q or '?'}) on {tables}")
    return out


def check_source(manifest: Manifest, obj: S3Uri, env_name: str, target: Identity,
                 from_other_database: str | None) -> str | None:
    """Refuse (UsageError, one line naming both) a backup of another database unless
    `from_other_database` names its source exactly. Returns the source when it was overridden."""
    target_d = SourceDatabase(target.name, target.oid, target.system_identifier)
    src, tgt = manifest.database.describe(manifest.environment), target_d.describe(env_name)
    if from_other_database is not None and from_other_database != manifest.source_name:
        raise UsageError(f"--from-other-database {from_other_database!r} does not name the backup's source: "
                         f"{obj} is a backup of {src}, to be restored into {tgt}",
                         hint=f"to restore it anyway pass --from-other-database {manifest.source_name}")
    mismatch = identity_mismatch(manifest, environment=env_name, database=target_d)
    if mismatch is None:
        return None
    if from_other_database is None:
        raise UsageError(f"refusing to restore {obj} into {tgt}: it is a backup of {src} ({mismatch}); "
                         "nothing was changed",
                         hint=f"to put that data here on purpose, pass --from-other-database {manifest.source_name}")
    return from_other_database


def compare_counts(expected: Mapping[str, int], actual: Mapping[str, int]) -> dict[str, list[int]]:
    """Tables whose row count differs (or that are missing/extra): name -> [expected, actual]."""
    out = {}
    for name in sorted(set(expected) | set(actual)):
        e, a = expected.get(name, -1), actual.get(name, -1)
        if e != a:
            out[name] = [e, a]
    return out


def preflight(config: Config, env: Environment, database_url: str, uri: str, *,
              from_other_database: str | None = None) -> str:
    """Everything checked before a restore touches the database: the manifest, and that the backup
    is of this database (see check_source). Returns a line for the confirmation prompt."""
    client = make_client(config.backup)
    obj, manifest = read_manifest(client, parse_uri(uri))
    with connect(database_url) as conn:
        target = database_identity(conn)
    check_source(manifest, obj, env.name, target, from_other_database)
    return (f"replace {SourceDatabase(target.name, target.oid).describe(env.name)} "
            f"({describe(database_url)}) with {obj}, a backup of "
            f"{manifest.database.describe(manifest.environment)} taken {manifest.started_at}")


def restore_backup(config: Config, env: Environment, database_url: str, uri: str, *,
                   progress: bool = True, from_other_database: str | None = None) -> RestoreResult:
    """Replace the database's contents with the backup at `uri` (no confirmation here: the CLI asks).

    Refuses a backup of another database unless `from_other_database` is its `<env>/<database>`
    exactly (the rollback path never passes it)."""
    from toolkit.console import warn
    from toolkit.migrations.tracking import latest_applied

    settings = config.backup
    client = make_client(settings)
    obj, manifest = read_manifest(client, parse_uri(uri))
    started = datetime.now(UTC)
    t0 = time.monotonic()
    with connect(database_url) as conn:
        target = database_identity(conn)
        server_major = conn.execute("SELECT current_setting('server_version_num')::int / 10000").fetchone()[0]
    name = target.name
    overridden = check_source(manifest, obj, env.name, target, from_other_database)

    engine = config.engine
    cap = min(engine.lock_timeout_max_ms, MAX_LOCK_TIMEOUT_MS)
    timeout, tries = min(engine.lock_timeout_ms, cap), 0
    while True:
        tries += 1
        with connect(database_url) as conn:
            schemas, public = inspect_target(conn)
        try:
            restore_stream(client, obj, manifest, database_url, reset_sql(schemas, public), progress=progress,
                           server_major=server_major, lock_timeout_ms=timeout)
            break
        except LockBusy:
            elapsed = time.monotonic() - t0
            pause = min(engine.lock_retry_pause_ms * (1.5 ** (tries - 1)), 5000) / 1000
            pause *= random.uniform(0.75, 1.25)  # noqa: S311 - jitter, not security
            if elapsed + pause >= engine.lock_retry_deadline_s:
                with connect(database_url) as conn:
                    holders = lock_holders(conn)
                raise ToolkitError(
                    f"restore of {obj} into {env.name} database '{name}' gave up after {tries} tries in "
                    f"{elapsed:.0f} s: its tables are locked by {'; '.join(holders) or 'another session'}; "
                    "the database is unchanged",
                    hint="stop the application (or end that session with pg_terminate_backend(pid)) and restore "
                         "again; [engine] lock_retry_deadline_s allows a longer wait") from None
            warn(f"restore: tables busy (try {tries}, waited at most {timeout} ms for a lock); "
                 f"retrying in {pause:.1f} s")
            time.sleep(pause)
            timeout = min(timeout * 2, cap)
    with connect(database_url) as conn:
        conn.execute("ANALYZE")  # a restored database has no planner statistics
        tables = count_rows(conn, list_tables(conn))
        newest = latest_applied(conn, manifest.migrations_table or config.engine.table)
    finished = datetime.now(UTC)
    result = RestoreResult(uri=str(obj), database=name, environment=env.name, started_at=iso(started),
                           finished_at=iso(finished), duration_s=round(time.monotonic() - t0, 3),
                           newest_migration=newest, tables=tables,
                           mismatches=compare_counts(manifest.tables, tables))
    record = {
        "kind": "restore", "uri": str(obj), "manifest_sha256": manifest.sha256,
        "backup_started_at": manifest.started_at, "backup_environment": manifest.environment,
        "source": {"environment": manifest.environment, "name": manifest.database.name,
                   "oid": manifest.database.oid, "system_identifier": manifest.database.system_identifier},
        "from_other_database": overridden,
        "target": {"environment": env.name, "database": name, "server": describe(database_url),
                   "oid": target.oid, "system_identifier": target.system_identifier},
        "started_at": result.started_at, "finished_at": result.finished_at, "duration_s": result.duration_s,
        "newest_migration": newest, "row_count_mismatches": result.mismatches, "lock_tries": tries,
        "by": os.environ.get("GITHUB_ACTOR") or os.environ.get("USER") or "unknown",
        "git": ci_context(os.environ), "toolkit_version": __version__,
    }
    if settings.bucket or obj.bucket:
        key = restore_record_key(settings.prefix, env.name, name, finished, secrets.token_hex(3))
        bucket = settings.bucket or obj.bucket
        try:
            put_json(client, settings, bucket, key, record)
            result.record_uri = f"s3://{bucket}/{key}"
        except ToolkitError as exc:
            warn(f"restore done, but its record could not be written: {exc.message}")
    return result
