"""Run a migration file on a scratch database and record what PostgreSQL really did, statement
by statement: the locks taken (pg_locks, read from a second "monitor" session), the relations
written anew (pg_class.relfilenode before/after), and the catalog objects created, dropped or
altered (catalog.snapshot before/after).

It runs a file the way the engine does (toolkit.migrations.runner): a transactional file in ONE
transaction, statement by statement (the file's BEGIN/COMMIT are already dropped by the parser),
a file with CREATE INDEX CONCURRENTLY or VACUUM statement by statement in autocommit; with the
engine's lock_timeout and statement_timeout, in a clean session per file. A failing statement
ends the file: a transactional file is rolled back (nothing of it is left).

Why each measurement is taken where it is:
- Locks are held to the end of the transaction, so inside one transaction the locks a statement
  added are "after it" minus "before it". Outside a transaction they are gone when the statement
  returns, so a background thread samples pg_locks (and the wait event) while it runs.
- Relfilenodes and catalog snapshots must see the worker's uncommitted changes, so they are read
  on the worker, inside a savepoint that is rolled back: the catalog locks those reads take (and
  pg_get_viewdef's locks on the tables a view reads) go with it and never count as the statement's.
- Lock targets are oids; a relation a statement creates is invisible to the monitor until commit
  and one it drops is gone afterwards, so oids are named from the worker's before/after maps.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import msgspec
import psycopg
from pglast import ast

from toolkit.config import EngineSettings
from toolkit.migrations.runner import Step, load_step
from toolkit.sql.locks import MODES, PG_LOCKS_NAME, stronger
from toolkit.sql.parse import Statement
from toolkit.trace.catalog import Catalog, Difference, Relation, diff, relations, snapshot

MODE_OF_PG = {pg: mode for mode, pg in PG_LOCKS_NAME.items()}  # "ShareRowExclusiveLock" -> "SHARE ROW EXCLUSIVE"
_STORAGE = ("r", "i", "m", "t")  # relkinds whose data lives in a relfilenode
_FIRST_USER_OID = 16384
_WAIT_SAMPLING_DELAY_S = 0.05  # a transactional statement slower than this is sampled for lock waits  # below: system catalogs, whose locks are PostgreSQL's bookkeeping


class LockHeld(msgspec.Struct, frozen=True):
    relation: str  # "public.users" (regclass text), or "<locktype> ..." for a non-relation lock
    mode: str  # a toolkit.sql.locks.MODES spelling: "ACCESS EXCLUSIVE"
    granted: bool
    new_relation: bool = False  # the relation did not exist before the statement (it created it)
    locktype: str = "relation"  # pg_locks.locktype: relation, object (a schema, type...), advisory, ...


# StatementTrace and FileTrace stay dataclasses: their differences, relfilenode maps and catalogs
# are left out of == and repr (field(compare=False, repr=False)), which a Struct cannot do per field.
@dataclass(frozen=True)
class StatementTrace:
    index: int  # 1-based within the file (BEGIN/COMMIT not counted)
    line: int
    text: str
    wall_ms: float
    locks: tuple[LockHeld, ...]  # locks this statement acquired, the strongest per relation
    rewritten: tuple[str, ...]  # relations that existed before it and got a new relfilenode
    created: tuple[str, ...]  # catalog keys added
    dropped: tuple[str, ...]  # catalog keys removed
    altered: tuple[str, ...]  # catalog keys changed
    error: str | None = None
    truncated: tuple[str, ...] = ()  # new relfilenode because of TRUNCATE (emptied, not rewritten)
    waits: tuple[str, ...] = ()  # wait events seen while it ran ("Lock:relation"), sampled runs only
    kind: str = ""  # its parse node: AlterTableStmt, IndexStmt, ...
    differences: tuple[Difference, ...] = field(default=(), repr=False, compare=False)

    def lock_on(self, relation: str) -> str | None:
        return next((lk.mode for lk in self.locks if lk.relation == relation), None)


@dataclass(frozen=True)
class FileTrace:
    path: str
    transactional: bool
    statements: tuple[StatementTrace, ...]
    error: str | None
    # Relfilenodes before the file: name -> (relfilenode, relkind).
    before: Mapping[str, tuple[int, str]] = field(default_factory=dict, repr=False, compare=False)
    catalog_before: Catalog | None = field(default=None, repr=False, compare=False)
    catalog_after: Catalog | None = field(default=None, repr=False, compare=False)

    def _rewritten(self, kinds: tuple[str, ...]) -> set[str]:
        return {name for st in self.statements for name in st.rewritten
                if name in self.before and self.before[name][1] in kinds}

    def tables_rewritten(self) -> set[str]:
        """Tables (and materialized views) that existed before the file and whose data was written
        anew; TRUNCATE does not count, nor a table the file created."""
        return self._rewritten(("r", "m"))

    def indexes_rewritten(self) -> set[str]:
        return self._rewritten(("i",))

    def locks(self) -> dict[str, str]:
        """The strongest mode each relation was locked in by the file (granted locks)."""
        out: dict[str, str] = {}
        for st in self.statements:
            for lk in st.locks:
                if lk.granted:
                    out[lk.relation] = stronger(out.get(lk.relation), lk.mode)
        return out

    def strongest_lock(self, relation: str) -> str | None:
        return self.locks().get(relation)

    def differences(self) -> list[Difference]:
        """The file's whole effect on the catalog (empty without catalog_diff)."""
        if self.catalog_before is None or self.catalog_after is None:
            return []
        return diff(self.catalog_before, self.catalog_after)


_Q_LOCKS = """
SELECT l.locktype, l.relation::bigint, l.mode, l.granted,
       CASE WHEN l.locktype = 'object' THEN coalesce(pg_describe_object(l.classid, l.objid, l.objsubid),
                                                      l.classid::regclass::text || ' ' || l.objid)
            WHEN l.locktype = 'advisory' THEN l.classid || ':' || l.objid END
  FROM pg_locks l
 WHERE l.pid = %s AND l.locktype NOT IN ('virtualxid', 'transactionid')"""

# (locktype, target, pg mode) -> granted; target is an oid for relation-level locks, else text.
_LockSet = dict[tuple[str, int | str, str], bool]


def _read_locks(monitor: psycopg.Connection, pid: int) -> _LockSet:
    out: _LockSet = {}
    for locktype, rel, mode, granted, other in monitor.execute(_Q_LOCKS, (pid,), prepare=True).fetchall():
        if rel is not None:
            if rel < _FIRST_USER_OID:
                continue
            target: int | str = rel
        else:
            target = other or ""
        key = (locktype, target, mode)
        out[key] = out.get(key, False) or granted
    return out


class _Sampler(threading.Thread):
    """Reads the worker's locks and wait event every interval while a statement runs outside a
    transaction (its locks are released before the statement returns)."""

    def __init__(self, monitor: psycopg.Connection, pid: int, interval: float, *, delay: float = 0.0) -> None:
        super().__init__(daemon=True)
        self.monitor, self.pid, self.interval, self.delay = monitor, pid, interval, delay
        self.locks: _LockSet = {}
        self.waits: set[str] = set()
        self.error: BaseException | None = None
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            if self.delay and self._stop_event.wait(self.delay):
                return
            while True:
                for key, granted in _read_locks(self.monitor, self.pid).items():
                    self.locks[key] = self.locks.get(key, False) or granted
                row = self.monitor.execute(
                    "SELECT wait_event_type, wait_event FROM pg_stat_activity WHERE pid = %s AND state = 'active'",
                    (self.pid,), prepare=True).fetchone()
                if row and row[0]:
                    self.waits.add(f"{row[0]}:{row[1]}")
                if self._stop_event.wait(self.interval):
                    return
        except BaseException as exc:  # reported by stop(): a dead monitor must not pass as "no locks"
            self.error = exc

    def stop(self) -> None:
        self._stop_event.set()
        self.join()
        if self.error is not None:
            raise self.error


def _names(*maps: list[Relation]) -> dict[int, str]:
    out: dict[int, str] = {}
    for m in maps:
        for r in m:
            out.setdefault(r.oid, r.name)
    return out


def _rank(mode: str) -> int:
    return MODES.index(mode) if mode in MODES else -1


def _held(locks: _LockSet, names: dict[int, str], existed: set[int]) -> tuple[LockHeld, ...]:
    """The strongest mode per target, as LockHeld values sorted by target."""
    best: dict[str, tuple[str, bool, bool, str]] = {}
    for (locktype, target, pg_mode), granted in locks.items():
        mode = MODE_OF_PG.get(pg_mode, pg_mode)
        if locktype == "relation":
            name = names.get(target, f"oid {target}")  # type: ignore[arg-type]
            new = target not in existed
        else:
            name, new = f"{locktype} {target}".strip(), False
        prev = best.get(name)
        if prev is None or _rank(mode) > _rank(prev[0]):
            best[name] = (mode, granted, new, locktype)
        elif mode == prev[0]:
            best[name] = (mode, prev[1] or granted, new, locktype)
    return tuple(LockHeld(n, m, g, new, t) for n, (m, g, new, t) in sorted(best.items()))


def _rewrites(before: list[Relation], after: list[Relation]) -> list[str]:
    """Relations present before and after whose relfilenode changed. Matched by oid, then by name
    (ALTER COLUMN TYPE rebuilds an index under its old name with a new oid)."""
    by_oid = {r.oid: r for r in before}
    by_name = {r.name: r for r in before}
    after_oids = {r.oid for r in after}
    out = []
    for r in after:
        if r.relkind not in _STORAGE or r.relfilenode == 0:
            continue
        prior = by_oid.get(r.oid)
        if prior is None:
            p = by_name.get(r.name)
            prior = p if p is not None and p.oid not in after_oids and p.relkind == r.relkind else None
        if prior is not None and prior.relfilenode not in (0, r.relfilenode):
            out.append(r.name)
    return sorted(out)


def _error_text(exc: psycopg.Error) -> str:
    return exc.diag.message_primary or str(exc).strip().splitlines()[0]


class Tracer:
    """Traces steps on `conn` (the worker, autocommit) while `monitor` (a second autocommit session
    on the same server) watches its locks."""

    def __init__(self, conn: psycopg.Connection, monitor: psycopg.Connection, *, catalog_diff: bool = True,
                 sample_interval_s: float = 0.005, settings: EngineSettings | None = None,
                 session: Mapping[str, str] | None = None) -> None:
        if not conn.autocommit or not monitor.autocommit:
            raise ValueError("the tracer needs two autocommit connections (worker and monitor)")
        if conn.info.backend_pid == monitor.info.backend_pid:
            raise ValueError("the monitor must be a session of its own")
        self.conn, self.monitor = conn, monitor
        self.catalog_diff = catalog_diff
        self.interval = sample_interval_s
        self.settings = settings or EngineSettings()
        self.session = dict(session or {})  # settings applied after RESET ALL, e.g. {"TimeZone": "UTC"}
        self.pid = conn.info.backend_pid

    # -- public ----------------------------------------------------------------------------------
    def trace_sql(self, text: str, path: str = "<sql>", *, keep: bool = True) -> FileTrace:
        return self.trace_step(load_step(Path(path).stem, path, text), keep=keep)

    def trace_step(self, step: Step, *, keep: bool = True) -> FileTrace:
        """Run the step and record it. keep=False rolls a transactional file back at the end."""
        self._clean_session()
        if step.transactional:
            return self._transactional(step, keep)
        return self._statement_by_statement(step)

    # -- internals -------------------------------------------------------------------------------
    def _clean_session(self) -> None:
        self.conn.execute("RESET ALL")
        for name, value in self.session.items():
            self.conn.execute("SELECT set_config(%s, %s, false)", (name, value))

    def _timeouts(self, local: bool) -> None:
        s = self.settings
        self.conn.execute("SELECT set_config('lock_timeout', %s, %s), set_config('statement_timeout', %s, %s)",
                          (f"{s.lock_timeout_ms}ms", local, f"{s.statement_timeout_ms}ms", local))

    def _catalog(self) -> Catalog | None:
        return snapshot(self.conn, exclude_tables=(self.settings.table,)) if self.catalog_diff else None

    def _trace(self, n: int, st: Statement, wall_ms: float, locks: tuple[LockHeld, ...], rels_before: list[Relation],
               rels_after: list[Relation] | None, cat_before: Catalog | None, cat_after: Catalog | None,
               error: str | None = None, waits: tuple[str, ...] = ()) -> StatementTrace:
        changed = _rewrites(rels_before, rels_after) if rels_after is not None else []
        truncating = isinstance(st.node, ast.TruncateStmt)
        diffs = diff(cat_before, cat_after) if cat_before is not None and cat_after is not None else []
        return StatementTrace(
            index=n, line=st.line, text=st.text, wall_ms=wall_ms, locks=locks,
            rewritten=() if truncating else tuple(changed), truncated=tuple(changed) if truncating else (),
            created=tuple(d.key for d in diffs if d.change == "added"),
            dropped=tuple(d.key for d in diffs if d.change == "removed"),
            altered=tuple(d.key for d in diffs if d.change == "changed"),
            error=error, waits=waits, kind=st.kind, differences=tuple(diffs))

    def _transactional(self, step: Step, keep: bool) -> FileTrace:
        traces: list[StatementTrace] = []
        error: str | None = None
        before_file: dict[str, tuple[int, str]] = {}
        cat_first = cat_last = None
        try:
            with self.conn.transaction():
                self._timeouts(local=True)
                rels = relations(self.conn)
                before_file = {r.name: (r.relfilenode, r.relkind) for r in rels if r.relkind in _STORAGE}
                cat = cat_first = self._catalog()
                held = _read_locks(self.monitor, self.pid)
                for n, st in enumerate(step.statements, 1):
                    # Granted locks are read exactly after the statement; the sampler only catches
                    # what a slow statement WAITED for (gone once it fails), so it starts late.
                    sampler = _Sampler(self.monitor, self.pid, self.interval, delay=_WAIT_SAMPLING_DELAY_S)
                    failure, wall = self._run_sampled(st, sampler)
                    # Read before the rollback: an aborted transaction still holds its locks.
                    now = _read_locks(self.monitor, self.pid)
                    new = {k: g for k, g in now.items() if k not in held}
                    for k, g in sampler.locks.items():
                        if k not in held and k not in new:
                            new[k] = g
                    existed = {r.oid for r in rels}
                    waits = tuple(sorted(sampler.waits))
                    if failure is not None:
                        error = f"{step.path}:{st.line}: {_error_text(failure)}"
                        traces.append(self._trace(n, st, wall, _held(new, _names(rels), existed), rels, None,
                                                  None, None, error=_error_text(failure), waits=waits))
                        raise psycopg.Rollback()
                    held = now
                    after = relations(self.conn)
                    cat_after = self._catalog()
                    traces.append(self._trace(n, st, wall, _held(new, _names(after, rels), existed),
                                              rels, after, cat, cat_after, waits=waits))
                    rels, cat = after, cat_after
                cat_last = cat
                if not keep:
                    raise psycopg.Rollback()
        except psycopg.Error as exc:  # the commit itself (deferred constraints, serialization)
            error = f"{step.path}: commit failed: {_error_text(exc)}"
        if error is not None:
            cat_last = cat_first
        return FileTrace(step.path, True, tuple(traces), error, MappingProxyType(before_file), cat_first, cat_last)

    def _run_sampled(self, st, sampler: _Sampler) -> tuple[psycopg.Error | None, float]:
        """Run one statement with the lock sampler on: (its error or None, wall time in ms)."""
        sampler.start()
        t0 = time.perf_counter()
        failure: psycopg.Error | None = None
        try:
            self.conn.execute(st.text, prepare=False)
        except psycopg.Error as exc:
            failure = exc
        wall = (time.perf_counter() - t0) * 1000
        sampler.stop()
        return failure, wall

    def _statement_by_statement(self, step: Step) -> FileTrace:
        traces: list[StatementTrace] = []
        error: str | None = None
        rels = relations(self.conn)
        before_file = {r.name: (r.relfilenode, r.relkind) for r in rels if r.relkind in _STORAGE}
        cat = cat_first = self._catalog()
        self._timeouts(local=False)
        for n, st in enumerate(step.statements, 1):
            sampler = _Sampler(self.monitor, self.pid, self.interval)
            failure, wall = self._run_sampled(st, sampler)
            after = relations(self.conn)
            cat_after = self._catalog()
            locks = _held(sampler.locks, _names(after, rels), {r.oid for r in rels})
            traces.append(self._trace(n, st, wall, locks, rels, after, cat, cat_after,
                                      error=_error_text(failure) if failure else None,
                                      waits=tuple(sorted(sampler.waits))))
            rels, cat = after, cat_after
            if failure is not None:
                # As in the engine: the statements before stay applied.
                error = f"{step.path}:{st.line}: {_error_text(failure)}"
                break
        self.conn.execute("RESET lock_timeout")
        self.conn.execute("RESET statement_timeout")
        return FileTrace(step.path, False, tuple(traces), error, MappingProxyType(before_file), cat_first, cat)
