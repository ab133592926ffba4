"""The plan's static claims measured against what PostgreSQL really does, on real migration sets.

For every migration of a set, in order, on one fresh database per set:
  claims: lint_text() with the Schema carried from file to file as the plan does for an environment
          that has the earlier migrations applied (toolkit/plan/build.py: schema_from_history);
  truth:  the tracer (toolkit/trace) runs the file: which existing tables got a new relfilenode
          (TRUNCATE excluded), the strongest lock per existing table; and, when the migration has a
          rollback file, the proof snapshot -> up -> rollback -> snapshot (catalog.diff empty or not).
Compared per migration x table (rewrites, locks) and per migration (rollback-incomplete).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from pglast import ast

from toolkit.migrations.runner import load_step
from toolkit.sql.lint import LintOptions, lint_text
from toolkit.sql.locks import MODES, Schema, normalize_table
from toolkit.trace import catalog

HERE = Path(__file__).resolve().parent
SETS = ("docs_rs", "hydra", "keto", "concourse", "svix", "harness", "graph_node")
_RANK = {m: i for i, m in enumerate(MODES)}


@dataclass
class Score:
    """Binary claim vs truth counts; positives are 'rewrites' / 'rollback leaves something'."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, claimed: bool, actual: bool) -> None:
        if claimed and actual:
            self.tp += 1
        elif claimed:
            self.fp += 1
        elif actual:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def __iadd__(self, other: Score) -> Score:
        self.tp, self.fp, self.fn, self.tn = (self.tp + other.tp, self.fp + other.fp, self.fn + other.fn,
                                              self.tn + other.tn)
        return self


@dataclass
class LockScore:
    """Per migration x existing table: the strongest mode claimed vs the strongest mode taken."""

    agree: int = 0
    over: int = 0  # claimed stronger than taken (or claimed, not taken)
    under: int = 0  # claimed weaker than taken (or taken, not claimed): the dangerous direction

    @property
    def total(self) -> int:
        return self.agree + self.over + self.under

    @property
    def agreement(self) -> float:
        return self.agree / self.total if self.total else 1.0

    def __iadd__(self, other: LockScore) -> LockScore:
        self.agree, self.over, self.under = (self.agree + other.agree, self.over + other.over,
                                             self.under + other.under)
        return self


@dataclass
class SetResult:
    name: str
    migrations: int = 0
    rollbacks: int = 0  # migrations whose rollback was proven (ran without error)
    rewrite: Score = field(default_factory=Score)
    rollback: Score = field(default_factory=Score)
    locks: LockScore = field(default_factory=LockScore)
    errors: list[str] = field(default_factory=list)  # files that did not run (their claims not counted)
    # Rollbacks that fail in the project itself (PostgreSQL's error): no rollback-incomplete truth for them.
    rollback_failures: list[str] = field(default_factory=list)
    rollback_unknown: list[str] = field(default_factory=list)  # the analysis says it cannot tell (dynamic SQL)
    mismatches: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Migration:
    name: str
    path: Path
    text: str
    rollback_path: Path | None
    rollback_text: str | None


def load_set(name: str) -> list[Migration]:
    out = []
    for p in sorted((HERE / name / "migrations").glob("*.sql")):
        if p.name.endswith("_rollback.sql"):
            continue
        rb = p.with_name(p.stem + "_rollback.sql")
        out.append(Migration(p.stem, p, p.read_text(), rb if rb.exists() else None,
                             rb.read_text() if rb.exists() else None))
    return out


def table_name(regclass_text: str) -> str:
    """'public."Users"' -> 'Users', 'app.t' -> 'app.t': the static analysis' spelling."""
    parts = [p[1:-1].replace('""', '"') if p.startswith('"') else p for p in _split_ident(regclass_text)]
    return normalize_table(".".join(parts))


def _split_ident(text: str) -> list[str]:
    parts, cur, quoted = [], "", False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == "." and not quoted:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def _existing(conn: psycopg.Connection) -> dict[str, str]:
    """table name (static spelling) -> relkind, for tables, partitioned tables, matviews and views."""
    return {table_name(r.name): r.relkind for r in catalog.relations(conn) if r.relkind in ("r", "p", "m", "v")}


def _run(conn: psycopg.Connection, text: str, path: str) -> None:
    """Apply a file as the engine does: one transaction unless it holds CONCURRENTLY & co."""
    step = load_step(Path(path).stem, path, text)
    conn.execute("RESET ALL")
    if step.transactional:
        with conn.transaction():
            for st in step.statements:
                conn.execute(st.text)
    else:
        for st in step.statements:
            conn.execute(st.text)


def _prove_rollback(conn: psycopg.Connection, m: Migration, before: catalog.Catalog) -> list[str] | str:
    """What the rollback leaves different from `before` (empty: a complete undo), or PostgreSQL's
    error (one line) if it fails.
    A transactional rollback runs in a transaction that is then rolled back, so the set goes on
    from the migrated state; any other one is undone by applying the migration again."""
    assert m.rollback_text is not None
    step = load_step(m.name, str(m.rollback_path), m.rollback_text)
    conn.execute("RESET ALL")
    try:
        if step.transactional:
            with conn.transaction(force_rollback=True):
                for st in step.statements:
                    conn.execute(st.text)
                after = catalog.snapshot(conn)
        else:
            for st in step.statements:
                conn.execute(st.text)
            after = catalog.snapshot(conn)
            _run(conn, m.text, str(m.path))
    except psycopg.Error as exc:
        return str(exc).splitlines()[0]
    return [d.describe() for d in catalog.diff(before, after)]


def _truncated(text: str, path: str) -> set[str]:
    from toolkit.sql.parse import parse

    out = set()
    for st in parse(text, path).statements:
        if st.kind == "TruncateStmt":
            out.update(normalize_table(".".join(p for p in (rv.schemaname, rv.relname) if p))
                       for rv in st.node.relations or () if isinstance(rv, ast.RangeVar))
    return out


def _tracer(conn: psycopg.Connection, monitor: psycopg.Connection):
    try:
        from toolkit.trace.tracer import Tracer
    except ImportError:
        return None
    return Tracer(conn, monitor, catalog_diff=False)


def measure_set(name: str, connect: Callable[[], psycopg.Connection], *, server_settings: bool = True,
                progress: Callable[[str], None] | None = None) -> SetResult:
    """Apply set `name` in order on the (empty) database `connect()` reaches, scoring every claim.

    server_settings: give the analysis the database's TimeZone, as the plan can (a file that does
    not set it cannot know it otherwise)."""
    res = SetResult(name)
    with connect() as conn, connect() as monitor:
        conn.autocommit = True
        monitor.autocommit = True
        tracer = _tracer(conn, monitor)
        schema = Schema()
        server_tz = conn.execute("SHOW TimeZone").fetchone()[0]
        for m in load_set(name):
            mschema = schema.copy_for_next_migration(keep_created=False)
            if server_settings and hasattr(mschema, "settings"):
                mschema.settings.setdefault("timezone", server_tz)
            report = lint_text(m.text, str(m.path), schema=mschema, opts=LintOptions(),
                               rollback_path=str(m.rollback_path) if m.rollback_path else None,
                               rollback_text=m.rollback_text)
            schema = mschema
            existing = _existing(conn)
            # The proof only where there is a rollback-incomplete claim to check (not empty/missing/broken).
            prove = report.rollback is not None and report.rollback.status in ("covered", "partial", "nothing-to-undo")
            before_cat = catalog.snapshot(conn) if prove else None
            before_rels = {r.oid: r for r in catalog.relations(conn)}
            locks_taken: dict[str, str] = {}
            try:
                if tracer is not None:
                    ft = tracer.trace_sql(m.text, str(m.path))
                    if ft.error:
                        raise RuntimeError(ft.error)
                    for st in ft.statements:
                        for lk in st.locks:
                            t = table_name(lk.relation)
                            if t in existing and (t not in locks_taken or _RANK[lk.mode] > _RANK[locks_taken[t]]):
                                locks_taken[t] = lk.mode
                else:
                    _run(conn, m.text, str(m.path))
            except (psycopg.Error, RuntimeError) as exc:
                res.errors.append(f"{m.name}: {str(exc).splitlines()[0]}")
                continue
            res.migrations += 1
            truncated = _truncated(m.text, str(m.path))
            # The same relation (oid) with new storage; a table dropped and created again is not a rewrite.
            rewritten = {table_name(r.name) for r in catalog.relations(conn)
                         if r.relkind in ("r", "m") and r.oid in before_rels
                         and before_rels[r.oid].relfilenode not in (0, r.relfilenode)}
            rewritten = {t for t in rewritten if t in existing and t not in truncated}
            claimed_rw: dict[str, str] = {}
            claimed_lock: dict[str, str] = {}
            for sf in report.facts:
                for lk in sf.locks:
                    if lk.new or lk.table not in existing:
                        continue
                    if lk.rewrite and existing[lk.table] in ("r", "m") and lk.table not in truncated:
                        claimed_rw.setdefault(lk.table, f"line {sf.statement.line} {lk.action}")
                    if lk.table not in claimed_lock or _RANK[lk.mode] > _RANK[claimed_lock[lk.table]]:
                        claimed_lock[lk.table] = lk.mode
            for t in sorted(set(claimed_rw) | rewritten):
                res.rewrite.add(t in claimed_rw, t in rewritten)
                if (t in claimed_rw) != (t in rewritten):
                    res.mismatches.append(f"rewrite {'FP' if t in claimed_rw else 'FN'} {m.name} {t} "
                                          f"{claimed_rw.get(t, '')}")
            if tracer is not None:
                for t in sorted(set(claimed_lock) | set(locks_taken)):
                    c, a = claimed_lock.get(t), locks_taken.get(t)
                    if c == a:
                        res.locks.agree += 1
                    elif a is None or (c is not None and _RANK[c] > _RANK[a]):
                        res.locks.over += 1
                        res.mismatches.append(f"lock OVER {m.name} {t} claimed {c} took {a}")
                    else:
                        res.locks.under += 1
                        res.mismatches.append(f"lock UNDER {m.name} {t} claimed {c} took {a}")
            if before_cat is not None and report.rollback is not None:
                # rollback-empty, -missing, -syntax-error are other claims: only rollback-incomplete here.
                left = _prove_rollback(conn, m, before_cat)
                if isinstance(left, str):
                    res.rollback_failures.append(f"{m.name}: rollback fails: {left}")
                    continue
                res.rollbacks += 1
                claimed = report.rollback.status == "partial"
                res.rollback.add(claimed, bool(left))
                if claimed != bool(left):
                    res.mismatches.append(
                        f"rollback {'FP' if claimed else 'FN'} {m.name} "
                        + ("; ".join(report.rollback.left_behind) if claimed else "; ".join(left[:3])))
            if report.rollback is not None and report.rollback.status == "unknown":
                res.rollback_unknown.append(f"rollback unknown {m.name}: " + "; ".join(report.rollback.left_behind))
            if progress:
                progress(m.name)
    return res

