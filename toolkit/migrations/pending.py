"""The edges of planning: which migrations are pending (database or git), how big the tables are,
and what the database says that a file cannot (TimeZone, function volatility); plan_from_connection
puts them through the pure builder (toolkit.plan.build).

Everything here does I/O and returns plain values for the pure builder.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from toolkit.config import Config
from toolkit.errors import ToolkitError, UsageError
from toolkit.migrations.files import MigrationFile, discover
from toolkit.plan.model import PendingMigration, Plan
from toolkit.sql.lint import TableStats

if TYPE_CHECKING:  # psycopg costs 0.1-0.3 s to import: `lint` and plans from git never load it
    import psycopg


class PendingSet(msgspec.Struct, frozen=True):
    pending: list[PendingMigration]
    history: list[tuple[str, str]]  # (path, text) of the migrations before, for the schema model
    edited: list[PendingMigration]  # applied (or pre-existing) migrations whose file changed
    source: str
    notes: list[str]


def display_path(path: Path, base: Path | None = None) -> str:
    """Relative to the workspace (GITHUB_WORKSPACE, else the current directory) when inside it."""
    base = base or Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd())
    try:
        return _resolved(path).relative_to(_resolved_dir(os.path.abspath(base))).as_posix()
    except ValueError:
        return path.as_posix()


def _resolved(path: Path) -> Path:
    # A set of 700 files lives in one or two folders: resolve each folder once, not each file.
    if path.name in ("", ".", "..") or path.is_symlink():
        return path.resolve()
    return _resolved_dir(os.path.abspath(path.parent)) / path.name


@lru_cache(maxsize=256)
def _resolved_dir(absolute: str) -> Path:
    return Path(absolute).resolve()


def to_pending(f: MigrationFile) -> PendingMigration:
    try:
        text = f.read_text()
        rb = f.read_rollback()
    except UnicodeDecodeError as exc:
        raise ToolkitError(f"{f.path}: not UTF-8 text ({exc.reason})") from None
    return PendingMigration(f.name, display_path(f.path), text,
                            display_path(f.rollback_path) if f.rollback_path else None, rb)


def _history(files: Iterable[MigrationFile]) -> list[tuple[str, str]]:
    out = []
    for f in files:
        try:
            out.append((str(f.path), f.read_text()))
        except (OSError, UnicodeDecodeError):
            continue
    return out


def pending_from_database(config: Config, conn: psycopg.Connection) -> PendingSet:
    """What `migrate` would run: the engine's own status (pending = no tracking row)."""
    from toolkit.migrations.status import migration_status

    states = migration_status(config, conn)
    pending = [s for s in states if s.state == "pending" and s.file is not None]
    first = pending[0].name if pending else None
    history = [s.file for s in states if s.file is not None and (first is None or s.name < first)
               and s.state != "pending"]
    notes = []
    failed = [s.name for s in states if s.state == "failed"]
    if failed:
        notes.append(f"`migrate` will refuse to run: {', '.join(failed)} is recorded as failed")
    missing = [s.name for s in states if s.state == "missing"]
    if missing:
        notes.append(f"applied but missing from the branch: {', '.join(missing)}")
    return PendingSet(
        pending=[to_pending(s.file) for s in pending],
        history=_history(history),
        edited=[to_pending(s.file) for s in states if s.state == "changed" and s.file is not None],
        source=f"database ({config.engine.table})",
        notes=notes,
    )


def _git(args: list[str], cwd: Path) -> str:
    try:
        import subprocess  # only the git-based pending set needs it (lint and plan --env do not)

        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise UsageError("git is not installed; pass --database-url instead of --base-ref") from None
    if out.returncode != 0:
        raise UsageError(f"git {' '.join(args[:2])} failed: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else out.returncode}",
                         hint="is --base-ref fetched? (actions/checkout with fetch-depth: 0, or git fetch origin <base>)")
    return out.stdout


def pending_from_git(migrations_dir: Path, base_ref: str) -> PendingSet:
    """Migrations added or changed on this branch since it left `base_ref` (committed or not)."""
    if base_ref.startswith("-"):
        raise UsageError(f"invalid --base-ref '{base_ref}'")
    mdir = migrations_dir.resolve()
    if not mdir.is_dir():
        raise UsageError(f"migrations directory not found: {migrations_dir}")
    top = Path(_git(["rev-parse", "--show-toplevel"], mdir).strip())
    merge_base = _git(["merge-base", base_ref, "HEAD"], top).strip()
    rel = mdir.relative_to(top.resolve()).as_posix() or "."
    added = set(_git(["diff", "--name-only", "--diff-filter=A", merge_base, "--", rel], top).split())
    added |= set(_git(["ls-files", "--others", "--exclude-standard", "--", rel], top).split())
    modified = set(_git(["diff", "--name-only", "--diff-filter=MR", merge_base, "--", rel], top).split())
    files = discover(mdir)
    by_up = {(top / p).resolve(): p for p in added | modified}
    pending, edited, history = [], [], []
    for f in files:
        up_changed = by_up.get(f.path.resolve())
        rb_changed = f.rollback_path is not None and f.rollback_path.resolve() in by_up
        if up_changed in added:
            pending.append(to_pending(f))
        elif up_changed in modified:
            edited.append(to_pending(f))
            history.append(f)
        elif rb_changed:
            pending.append(to_pending(f))  # a new or edited rollback deserves review with its migration
        elif not pending:
            history.append(f)
    return PendingSet(pending, _history(history), edited, f"files added or changed since {base_ref}", [])


def table_stats(conn: psycopg.Connection, tables: list[str]) -> dict[str, TableStats]:
    """Planner row estimates and total sizes (table + indexes + TOAST) of the named tables."""
    if not tables:
        return {}
    # The parser gives exact-case names; quote each part so to_regclass does not fold them.
    import psycopg

    quoted = ['.'.join('"' + p.replace('"', '""') + '"' for p in t.split(".")) for t in tables]
    try:
        rows = conn.execute(
            "SELECT t.name, c.reltuples::bigint, pg_total_relation_size(c.oid) "
            "FROM unnest(%s::text[], %s::text[]) AS t(name, quoted) JOIN pg_class c ON c.oid = to_regclass(t.quoted)",
            (tables, quoted),
        ).fetchall()
    except psycopg.Error:
        conn.rollback()
        return {}  # sizes make findings concrete; without them the plan is still right
    return {name: TableStats(rows=None if est is None or est < 0 else int(est), bytes=size)
            for name, est, size in rows}


class DatabaseFacts(msgspec.Struct, frozen=True):
    """What a migration file cannot know and the database can: session settings that change what a
    statement does (TimeZone: timestamp -> timestamptz rewrites unless it is UTC) and the volatility
    of the functions that exist there (a volatile DEFAULT rewrites the table)."""

    settings: dict[str, str] = msgspec.field(default_factory=dict)
    functions: dict[str, str] = msgspec.field(default_factory=dict)  # name -> volatile | stable_or_immutable


def database_facts(conn: psycopg.Connection) -> DatabaseFacts:
    """Read the facts; an error leaves them unknown (the plan then says what its claims depend on)."""
    import psycopg

    try:
        timezone = conn.execute("SELECT current_setting('TimeZone')").fetchone()[0]
        rows = conn.execute(
            """SELECT lower(p.proname), bool_or(p.provolatile = 'v'), bool_and(p.provolatile = 'v')
                 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
                  AND p.prokind = 'f'
                GROUP BY 1""").fetchall()
    except psycopg.Error:
        conn.rollback()
        return DatabaseFacts()
    functions = {}
    for name, any_volatile, all_volatile in rows:
        if all_volatile:
            functions[name] = "volatile"
        elif not any_volatile:
            functions[name] = "stable_or_immutable"
        # overloads that disagree: which one a call resolves to is unknown here
    return DatabaseFacts({"timezone": timezone}, functions)


def plan_from_connection(config: Config, env_name: str, conn) -> Plan:
    """Pending migrations from the database, with the sizes of the tables they touch."""
    from toolkit.plan.build import build_plan, tables_touched
    from toolkit.plan.environment import check_lint_settings, rule_options

    check_lint_settings(config)
    ps = pending_from_database(config, conn)
    facts = database_facts(conn)
    common = dict(environment=env_name, source=ps.source, history=ps.history, settings=config.lint,
                  options=rule_options(config), server_settings=facts.settings, functions=facts.functions)
    draft = build_plan(ps.pending, check_rollback=False, **common)
    stats = table_stats(conn, tables_touched(draft))
    return build_plan(ps.pending, stats=stats, edited=ps.edited, notes=ps.notes, **common)

