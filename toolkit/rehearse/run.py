"""Apply pending migrations statement by statement, as the engine does, while measuring.

The engine runs a transactional file as one pipelined transaction; here the same statements run
in the same single transaction (with the engine's lock_timeout / statement_timeout, its lock
retries, and its tracking row written in that transaction), but one at a time, so that each can
be timed and its locks, rewrites and WAL read between statements. Files PostgreSQL refuses inside
a transaction run statement by statement with a `running` then `applied` tracking row, as the
engine does.

Locks: inside a transaction a lock lasts until COMMIT, so after each statement the monitor
session reads the worker's pg_locks and any new (relation, mode) is this statement's; it is held
from the statement's start to the commit. Outside a transaction locks come and go within the
statement (CREATE INDEX CONCURRENTLY), so a sampler thread reads pg_locks every few milliseconds
and records first/last seen per (relation, mode).
(What the tracer in toolkit/trace should grow to replace this: hold durations per lock.)
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

import msgspec
import psycopg
from psycopg import errors as pg_errors

from toolkit.config import EngineSettings
from toolkit.migrations import tracking
from toolkit.migrations.files import MigrationFile
from toolkit.migrations.runner import Step
from toolkit.sql.locks import _RANK, MODES

_PG_MODE = {"".join(w.capitalize() for w in m.split()) + "Lock": m for m in MODES}
_DML = {"InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"}
LOCKS_SQL = ("SELECT l.relation, l.mode FROM pg_locks l WHERE l.pid = %s AND l.locktype = 'relation' "
             "AND l.granted AND l.relation >= 16384")
RELS_SQL = ("SELECT c.oid, n.nspname || '.' || c.relname, c.relkind FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid >= 16384 "
            "AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'")
# One round trip for both: the WAL position and every table's relfilenode.
FILENODES_SQL = ("SELECT pg_current_wal_insert_lsn()::text, coalesce(array_agg(c.oid::bigint), '{}'), "
                 "coalesce(array_agg(c.relfilenode::bigint), '{}') FROM pg_class c "
                 "WHERE c.oid >= 16384 AND c.relkind IN ('r', 'm') AND c.relfilenode <> 0")
_TABLE_KINDS = ("r", "p", "m", "v", "f")


class LockSpan(msgspec.Struct):
    relation: str
    mode: str
    start: float  # perf_counter seconds
    end: float
    new_relation: bool = False  # created by this run: nobody else can be waiting for it

    @property
    def ms(self) -> float:
        return (self.end - self.start) * 1000


class StatementRun(msgspec.Struct):
    migration: str
    index: int  # 1-based within the file
    line: int
    text: str
    kind: str
    start: float
    end: float
    locks: list[LockSpan] = msgspec.field(default_factory=list)
    rewritten: list[str] = msgspec.field(default_factory=list)
    truncated: list[str] = msgspec.field(default_factory=list)
    rows: int | None = None
    rows_estimated: bool = False
    wal_bytes: int = 0
    error: str | None = None

    @property
    def wall_ms(self) -> float:
        return (self.end - self.start) * 1000


class MigrationRun(msgspec.Struct):
    name: str
    transactional: bool
    statements: list[StatementRun] = msgspec.field(default_factory=list)
    start: float = 0.0
    end: float = 0.0
    tries: int = 1
    error: str | None = None


class Sampler:
    """pg_locks of one backend every `interval` seconds: first/last seen per (relation oid, mode)."""

    def __init__(self, url: str, pid: int, interval: float = 0.003) -> None:
        from toolkit.db import connect

        self.conn = connect(url, application_name="migrate-action rehearse sampler")
        self.pid, self.interval = pid, interval
        self.seen: dict[tuple[int, str], list[float]] = {}  # -> [first, last]
        self._stop = threading.Event()
        # Sampling runs only while a statement outside a transaction runs: inside one, locks last
        # until the commit and are read after each statement instead (no load on the server).
        self.active = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="lock sampler", daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.conn.close()

    def take(self) -> dict[tuple[int, str], list[float]]:
        """What was seen since the last take (and forget it)."""
        out, self.seen = self.seen, {}
        return out

    def _loop(self) -> None:
        while not self._stop.is_set():
            if not self.active.wait(timeout=0.05):
                continue
            now = time.perf_counter()
            try:
                rows = self.conn.execute(LOCKS_SQL, (self.pid,)).fetchall()
            except psycopg.Error:
                return
            for oid, mode in rows:
                span = self.seen.setdefault((oid, _PG_MODE.get(mode, mode)), [now, now])
                span[1] = now
            time.sleep(self.interval)


class TracedRunner:
    def __init__(self, conn: psycopg.Connection, monitor: psycopg.Connection, settings: EngineSettings,
                 sampler: Sampler, progress: Callable[[str], None] = lambda _: None) -> None:
        self.conn, self.monitor, self.s, self.sampler, self.progress = conn, monitor, settings, sampler, progress
        self.pid = conn.info.backend_pid
        self.names: dict[int, tuple[str, str]] = {}

    # -- reading state ---------------------------------------------------------------------------
    def _refresh_names(self) -> None:
        self.names = {oid: (name, kind) for oid, name, kind in self.monitor.execute(RELS_SQL)}

    def _locks_now(self) -> set[tuple[int, str]]:
        return {(oid, _PG_MODE.get(mode, mode)) for oid, mode in self.monitor.execute(LOCKS_SQL, (self.pid,))}

    def _filenodes(self) -> tuple[int, dict[int, int]]:
        """(WAL insert position, oid -> relfilenode). On the worker: its uncommitted rewrite is
        invisible to other sessions."""
        lsn, oids, nodes = self.conn.execute(FILENODES_SQL).fetchone()
        return lsn_bytes(lsn), dict(zip(oids, nodes, strict=True))

    def _name(self, oid: int) -> tuple[str, str, bool]:
        if oid in self.names:
            return (*self.names[oid], False)
        return f"oid {oid}", "?", True

    def _reltuples(self, rels: list[str]) -> int:
        if not rels:
            return 0
        return int(self.monitor.execute(
            "SELECT coalesce(sum(greatest(reltuples, 0)), 0) FROM pg_class WHERE oid = ANY(%s::regclass[])",
            (rels,)).fetchone()[0])

    def _timeouts(self, lock_ms: int, local: bool) -> None:
        self.conn.execute("SELECT set_config('lock_timeout', %s, %s), set_config('statement_timeout', %s, %s)",
                          (f"{lock_ms}ms", local, f"{self.s.statement_timeout_ms}ms", local))

    # -- one statement -----------------------------------------------------------------------------
    def _statement(self, name: str, n: int, st, held: dict[int, str] | None) -> StatementRun:
        """Run one statement; `held` (transactional files) maps oid -> strongest mode held so far."""
        lsn0, nodes0 = self._filenodes()
        if held is None:
            self.sampler.take()
            self.sampler.active.set()
        run = StatementRun(name, n, st.line, st.text, st.kind, 0.0, 0.0)
        run.start = time.perf_counter()
        try:
            cur = self.conn.execute(st.text, prepare=False)
        finally:
            run.end = time.perf_counter()
            self.sampler.active.clear()
        if st.kind in _DML and cur.rowcount >= 0:
            run.rows = cur.rowcount
        lsn1, nodes1 = self._filenodes()
        changed = [oid for oid, node in nodes0.items() if oid in nodes1 and nodes1[oid] != node]
        names = [self._name(oid)[0] for oid in changed]
        if st.kind == "TruncateStmt":
            run.truncated = sorted(names)
        else:
            run.rewritten = sorted(names)
            if run.rows is None and names:
                run.rows, run.rows_estimated = self._reltuples(names), True
        run.wal_bytes = lsn1 - lsn0
        if held is not None:
            for oid, mode in sorted(self._locks_now()):
                before = held.get(oid)
                if before is not None and _RANK[before] >= _RANK[mode]:
                    continue
                held[oid] = mode if before is None or _RANK[mode] > _RANK[before] else before
                rel, kind, new = self._name(oid)
                if new or kind in _TABLE_KINDS:
                    run.locks.append(LockSpan(rel, mode, run.start, run.end, new))
        else:
            for (oid, mode), (first, last) in sorted(self.sampler.take().items()):
                rel, kind, new = self._name(oid)
                if new or kind in _TABLE_KINDS:
                    # Seen at `first` at the latest; held until at most one interval after `last`.
                    run.locks.append(LockSpan(rel, mode, max(first, run.start),
                                              min(last + self.sampler.interval, run.end), new))
        run.locks = _strongest_per_relation(run.locks)
        return run

    # -- one migration -----------------------------------------------------------------------------
    def apply(self, f: MigrationFile, step: Step, note: str = "rehearsal") -> MigrationRun:
        self._refresh_names()
        m = MigrationRun(f.name, step.transactional, start=time.perf_counter())
        try:
            if step.transactional:
                self._apply_transactional(f, step, m, note)
            else:
                self._apply_one_by_one(f, step, m, note)
        except psycopg.Error as exc:
            m.error = exc.diag.message_primary or str(exc).strip().splitlines()[0]
        m.end = time.perf_counter()
        self._resolve_new(m)
        return m

    def _apply_transactional(self, f: MigrationFile, step: Step, m: MigrationRun, note: str) -> None:
        s = self.s
        timeout, started = s.lock_timeout_ms, time.monotonic()
        while True:
            runs: list[StatementRun] = []
            try:
                with self.conn.transaction():
                    self.conn.execute("SELECT set_config('lock_timeout', %s, true), "
                                      "set_config('statement_timeout', %s, true)",
                                      (f"{timeout}ms", f"{s.statement_timeout_ms}ms"))
                    held: dict[int, str] = {}
                    for n, st in enumerate(step.statements, 1):
                        try:
                            runs.append(self._statement(f.name, n, st, held))
                        except psycopg.Error as exc:
                            if not isinstance(exc, pg_errors.LockNotAvailable):
                                now = time.perf_counter()
                                runs.append(StatementRun(f.name, n, st.line, st.text, st.kind, now, now,
                                                         error=exc.diag.message_primary or str(exc)))
                            raise
                    tracking.insert_row(self.conn, s.table, f.name, f.checksum, status="applied", note=note,
                                        server_timed=True)
                commit = time.perf_counter()
                for r in runs:  # locks taken inside the transaction last until its commit
                    for lk in r.locks:
                        lk.end = commit
                m.statements = runs
                return
            except pg_errors.LockNotAvailable:
                # The engine's retry: a fresh try with a longer lock_timeout after a pause.
                if time.monotonic() - started > s.lock_retry_deadline_s:
                    raise
                m.tries += 1
                time.sleep(min(s.lock_retry_pause_ms * (1.5 ** (m.tries - 2)), 5000) / 1000
                           * random.uniform(0.75, 1.25))
                timeout = min(timeout * 2, s.lock_timeout_max_ms)
            except psycopg.Error:
                m.statements = runs
                raise

    def _apply_one_by_one(self, f: MigrationFile, step: Step, m: MigrationRun, note: str) -> None:
        s = self.s
        tracking.insert_row(self.conn, s.table, f.name, f.checksum, status="running", note=note)
        t0 = time.monotonic()
        for n, st in enumerate(step.statements, 1):
            timeout, started = s.lock_timeout_ms, time.monotonic()
            while True:
                self._timeouts(timeout, local=False)
                try:
                    m.statements.append(self._statement(f.name, n, st, None))
                    break
                except pg_errors.LockNotAvailable:
                    if time.monotonic() - started > s.lock_retry_deadline_s:
                        raise
                    m.tries += 1
                    time.sleep(s.lock_retry_pause_ms / 1000)
                    timeout = min(timeout * 2, s.lock_timeout_max_ms)
                except psycopg.Error as exc:
                    now = time.perf_counter()
                    m.statements.append(StatementRun(f.name, n, st.line, st.text, st.kind, now, now,
                                                     error=exc.diag.message_primary or str(exc)))
                    self.conn.execute("RESET lock_timeout; RESET statement_timeout")
                    tracking.finish_row(self.conn, s.table, f.name, status="failed", failed_statement=n,
                                        error=m.statements[-1].error)
                    raise
        self.conn.execute("RESET lock_timeout")
        self.conn.execute("RESET statement_timeout")
        tracking.finish_row(self.conn, s.table, f.name, status="applied",
                            execution_ms=int((time.monotonic() - t0) * 1000))

    def _resolve_new(self, m: MigrationRun) -> None:
        """Name relations created by the migration, now that its commit made them visible."""
        self._refresh_names()
        for r in m.statements:
            keep = []
            for lk in r.locks:
                if lk.relation.startswith("oid "):
                    name = self.names.get(int(lk.relation[4:]))
                    if name is None or name[1] not in _TABLE_KINDS:
                        continue  # an index it built, or a relation it dropped again
                    lk.relation = name[0]
                keep.append(lk)
            r.locks = keep


def lsn_bytes(lsn: str) -> int:
    """'16/B374D848' -> its byte position."""
    hi, lo = lsn.split("/")
    return (int(hi, 16) << 32) + int(lo, 16)


def _strongest_per_relation(locks: list[LockSpan]) -> list[LockSpan]:
    best: dict[str, LockSpan] = {}
    for lk in locks:
        cur = best.get(lk.relation)
        if cur is None or _RANK[lk.mode] > _RANK[cur.mode]:
            best[lk.relation] = lk
    return sorted(best.values(), key=lambda lk: (lk.new_relation, lk.relation))
