"""Use case: rehearse the pending migrations on a copy of an environment's newest verified backup.

    newest verified backup (or --backup-uri)  ->  scratch PostgreSQL (embedded cluster, or a new
    database on --scratch-url)  ->  schema of everything + data of what the migrations touch  ->
    the pending migrations applied as `migrate` would, measured, with a probe session per table
    ->  a Rehearsal (text / JSON / comment section)  ->  the scratch is destroyed.

The environment's database is never connected to: the source is the backup in S3.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import msgspec

from toolkit.config import Config
from toolkit.errors import ToolkitError, UsageError
from toolkit.rehearse.report import (
    LockHold,
    MigrationReport,
    Rehearsal,
    Restored,
    StatementReport,
    compare,
)


class RehearseSettings(msgspec.Struct, frozen=True):
    env_name: str
    backup_uri: str | None = None  # default: the newest verified backup of env_name
    scratch_url: str | None = None  # default: an embedded throwaway cluster
    exclude_data: tuple[str, ...] = ()  # fnmatch patterns on schema.table (or table)
    full_data: bool = False  # restore every table's data, not only the touched ones
    probe: bool = True
    bucket: str | None = None
    prefix: str | None = None


def find_backup(config: Config, s: RehearseSettings):
    """(client, dump URI, manifest) of the backup to rehearse on."""
    from toolkit.backup.listing import newest_manifests, read_manifest
    from toolkit.backup.manifest import folder, is_verified
    from toolkit.backup.s3 import make_client, parse_uri
    from toolkit.backup.take import resolve_bucket

    client = make_client(config.backup)
    if s.backup_uri:
        obj, manifest = read_manifest(client, parse_uri(s.backup_uri))
        if not is_verified(manifest):
            raise ToolkitError(f"{obj} is not a verified backup", hint="verify it with `verify-backup --uri ...`")
        return client, obj, manifest
    bucket = resolve_bucket(config.backup, s.bucket)
    prefix = config.backup.prefix if s.prefix is None else s.prefix
    for manifest in newest_manifests(client, bucket, folder(prefix, s.env_name)):
        if is_verified(manifest):
            obj, manifest = read_manifest(client, parse_uri(manifest.manifest_uri))
            return client, obj, manifest
    raise ToolkitError(f"no verified backup of {s.env_name} in s3://{bucket}/{folder(prefix, s.env_name)}",
                       hint=f"take one with `backup --env {s.env_name}`, or pass --backup-uri")


def rehearse(config: Config, s: RehearseSettings, progress: Callable[[str], None] = lambda _: None) -> Rehearsal:
    from toolkit.rehearse import scratch as scratch_mod

    if s.scratch_url is not None and not s.scratch_url.strip():
        raise UsageError("--scratch-url is empty")
    client, obj, manifest = find_backup(config, s)
    progress(f"backup {obj} of {manifest.started_at}")
    place = scratch_mod.scratch_database(s.scratch_url) if s.scratch_url else scratch_mod.embedded_cluster()
    with place as sc:
        progress(f"scratch database on {sc.where}")
        return _on_scratch(config, s, client, obj, manifest, sc, progress)


def _on_scratch(config, s: RehearseSettings, client, obj, manifest, sc, progress) -> Rehearsal:
    from toolkit.db import connect
    from toolkit.migrations.runner import load_up, pending_plan
    from toolkit.migrations.status import migration_status
    from toolkit.rehearse.probe import Probe
    from toolkit.rehearse.restore import PartialRestore
    from toolkit.rehearse.run import Sampler, TracedRunner
    from toolkit.rehearse.toc import qualify

    table = config.engine.table
    pr = PartialRestore(client, obj, manifest, sc.url, sc.workdir)
    try:
        pr.fetch()
        pr.restore_schema(table)
        with connect(sc.url) as conn:
            states = migration_status(config, conn)
        plan = pending_plan(states, s.env_name, allow_out_of_order=config.engine.allow_out_of_order)
        steps = [(p.file, load_up(p.file)) for p in plan]
        touched = sorted({qualify(rel) for _, step in steps for st in step.statements for rel in st.relations})
        progress(f"{len(steps)} pending migration(s) touching {', '.join(touched) or 'no existing table'}")
        facts = pr.restore_data(touched, table, s.exclude_data, s.full_data)
    finally:
        pr.discard()
    restored = Restored(
        backup_uri=facts.backup_uri, backup_started_at=facts.backup_started_at, environment=facts.environment,
        data_tables={t: {"bytes": facts.table_bytes.get(t, 0), "rows": facts.table_rows.get(t, -1),
                         "why": facts.plan.why[t]} for t in facts.plan.data_tables},
        schema_only_tables=len(facts.plan.schema_only_tables), excluded=tuple(facts.plan.excluded),
        dropped_foreign_keys=tuple(facts.plan.dropped_fks), skipped=tuple(facts.plan.skipped),
        restored_bytes=facts.restored_bytes, database_bytes=facts.database_bytes, dump_bytes=facts.dump_bytes,
        download_s=facts.download_s, restore_s=facts.restore_s)
    progress(f"restored {len(facts.plan.data_tables)} table(s) with data in {facts.restore_s:.1f} s")
    notes = []
    if facts.plan.dropped_fks:
        notes.append("foreign keys to tables restored without data were left out: "
                     + ", ".join(facts.plan.dropped_fks))
    with connect(sc.url, application_name="migrate-action rehearse") as conn, \
            connect(sc.url, application_name="migrate-action rehearse monitor") as monitor:
        existing = {r[0] for r in monitor.execute(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p')")}
        probed = [t for t in touched if t in existing and t != qualify(table)][:8] if s.probe else []
        runs = []
        t_origin = time.perf_counter()
        with Sampler(sc.url, conn.info.backend_pid) as sampler, Probe(sc.url, probed) as probe:
            runner = TracedRunner(conn, monitor, config.engine, sampler, progress)
            t_origin = time.perf_counter()
            for f, step in steps:
                progress(f"rehearsing {f.name} ({step.mode}) ...")
                run = runner.apply(f, step)
                runs.append((run, step))
                if run.error:
                    break
            time.sleep(0.02)  # let the probe finish the attempt that a commit just unblocked
    migrations = _reports(runs, probe.probes if s.probe else [], t_origin)
    total = sum(m.wall_ms for m in migrations)
    return Rehearsal(environment=s.env_name, scratch=sc.where, restored=restored, migrations=tuple(migrations),
                     probed_tables=tuple(probed), total_ms=round(total, 1),
                     already_applied=manifest.newest_migration, notes=tuple(notes))


def _claims(steps) -> dict[tuple[str, int], tuple[tuple[tuple[str, str], ...], bool]]:
    """(migration, statement number) -> (claimed (table, mode) on existing tables, claimed rewrite)."""
    from toolkit.sql.locks import _RANK, Schema, analyze_file

    out = {}
    schema = Schema()
    for name, step in steps:
        try:
            facts = analyze_file(step.parsed, schema)
        except Exception:  # the plan's analysis is best effort here; the measurement stands alone
            continue
        body = [f for f in facts if f.statement.tx_control not in ("begin", "commit")]
        for n, f in enumerate(body, 1):
            best: dict[str, str] = {}
            for lk in f.locks:
                if lk.new:
                    continue
                held = f.held.get(lk.table)
                if held is not None and _RANK[held.mode] >= _RANK[lk.mode]:
                    continue  # already held from an earlier statement: nothing new to take
                if lk.table not in best or _RANK[lk.mode] > _RANK[best[lk.table]]:
                    best[lk.table] = lk.mode
            out[(name, n)] = (tuple(sorted(best.items())), any(lk.rewrite for lk in f.locks))
        schema = schema.copy_for_next_migration(keep_created=True)
    return out


def _reports(runs, probes, t0: float) -> list[MigrationReport]:
    claims = _claims([(run.name, step) for run, step in runs])

    def rel(t: float) -> float:
        return round((t - t0) * 1000, 2)

    ordered = [st for run, _ in runs for st in run.statements]
    next_start = {id(a): b.start for a, b in zip(ordered, ordered[1:], strict=False)}
    out = []
    for run, _step in runs:
        stmts = []
        for st in run.statements:
            locks = tuple(LockHold(lk.relation, lk.mode, rel(lk.start), round(lk.ms, 2), lk.new_relation)
                          for lk in st.locks)
            # A stall that began while this statement ran (or before the next one started) is its.
            until = next_start.get(id(st), float("inf"))
            stall = max((p.longest_starting(st.start, until) for p in probes), default=0.0)
            c_locks, c_rewrite = claims.get((run.name, st.index), ((), False))
            stmts.append(StatementReport(
                migration=run.name, index=st.index, line=st.line, text=st.text, start_ms=rel(st.start),
                wall_ms=round(st.wall_ms, 2), locks=locks, rewritten=tuple(st.rewritten),
                truncated=tuple(st.truncated), rows=st.rows, rows_estimated=st.rows_estimated,
                wal_bytes=st.wal_bytes, probe_stall_ms=round(stall, 1), static_locks=c_locks,
                static_rewrite=c_rewrite,
                disagreements=() if st.error else compare(locks, tuple(st.rewritten), c_locks, c_rewrite),
                error=st.error))
        longest = max((lk.hold_ms for s in stmts for lk in s.locks if lk.blocking), default=0.0)
        out.append(MigrationReport(
            name=run.name, transactional=run.transactional, wall_ms=round((run.end - run.start) * 1000, 2),
            statements=tuple(stmts), wal_bytes=sum(s.wal_bytes for s in stmts), longest_lock_ms=longest,
            probe_stall_ms=max((s.probe_stall_ms for s in stmts), default=0.0), tries=run.tries,
            error=run.error))
    return out
