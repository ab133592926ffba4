"""The state of every migration: files on disk joined with tracking rows (pure), and the edge
function that reads both."""

from __future__ import annotations

from datetime import datetime

import msgspec
import psycopg

from toolkit.config import Config
from toolkit.errors import ToolkitError
from toolkit.migrations.files import MigrationFile, discover
from toolkit.migrations.tracking import Row, applied_rows
from toolkit.sql.parse import ParsedFile, SqlSyntaxError, parse

# "running" only while another session holds the runner lock and is inside that migration.
STATES = ("applied", "pending", "changed", "missing", "failed", "running")


class MigrationState(msgspec.Struct, frozen=True):
    name: str
    state: str  # one of STATES
    file: MigrationFile | None
    row: Row | None

    @property
    def checksum(self) -> str | None:
        if self.file is not None:
            return self.file.checksum
        return self.row.checksum if self.row else None

    @property
    def has_rollback(self) -> bool:
        """One meaning everywhere: a rollback file with at least one statement other than
        transaction control (an empty one, only comments or BEGIN; COMMIT;, is `rollback`-refused)."""
        return rollback_has_statements(self.file)

    @property
    def applied_at(self) -> datetime | None:
        return self.row.applied_at if self.row and self.state != "pending" else None

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "state": self.state,
            "checksum": self.checksum,
            "applied_at": self.applied_at.isoformat() if self.applied_at else None,
            "execution_ms": self.row.execution_ms if self.row else None,
            "has_rollback": self.has_rollback,
        }


def has_statements(parsed: ParsedFile) -> bool:
    return any(st.tx_control is None for st in parsed.statements)


def rollback_has_statements(f: MigrationFile | None) -> bool:
    if f is None or f.rollback_path is None:
        return False
    try:
        text = f.read_rollback() or ""
    except (OSError, ValueError, ToolkitError):  # unreadable: `rollback` will say why; it is not known to be empty
        return True
    try:
        return has_statements(parse(text, str(f.rollback_path)))
    except SqlSyntaxError:
        return True  # something is there; `rollback` reports the syntax error


def compute_states(files: list[MigrationFile], rows: dict[str, Row], *,
                   runner_active: bool = False) -> list[MigrationState]:
    """Join files and rows by name, in name order. runner_active: another session holds the
    runner lock now, so a row marked running is really running (not left by a dead runner)."""
    by_name = {f.name: f for f in files}
    states = []
    for name in sorted(set(by_name) | set(rows)):
        f, r = by_name.get(name), rows.get(name)
        if r is None:
            state = "pending"
        elif r.status == "running" and runner_active:
            state = "running"
        elif r.status in ("failed", "running"):
            # 'running' left behind means its runner died (the runner lock is gone with it).
            state = "failed"
        elif f is None:
            state = "missing"
        elif not f.matches(r.checksum):
            state = "changed"
        else:
            state = "applied"
        states.append(MigrationState(name, state, f, r))
    return states


def migration_status(config: Config, conn: psycopg.Connection) -> list[MigrationState]:
    """For reading (status, plan): a migration another runner is executing shows as running."""
    from toolkit.migrations.locking import holder, lock_key

    rows = applied_rows(conn, config.engine.table)
    active = any(r.status == "running" for r in rows.values()) and \
        holder(conn, lock_key(config.engine.table)) is not None
    return compute_states(discover(config.migrations_dir), rows, runner_active=active)


def resolve_hint(state: MigrationState, env_name: str) -> str:
    """What an operator does about a migration in a blocking state."""
    n = state.name
    if state.state == "failed":
        reached = state.row.failed_statement if state.row else None
        where = f" at statement {reached}" if reached else ""
        return (f"{n} failed{where} outside a transaction, so the statements before it stayed applied. "
                f"Fix the cause, then re-run it from the start with `mark --name {n} --env {env_name} --as pending` "
                f"(its statements must be idempotent, e.g. IF NOT EXISTS), or finish it by hand and record it "
                f"with `mark --name {n} --env {env_name} --as applied`")
    if state.state == "changed":
        return (f"restore {n}.sql to the applied version (git checkout), or, if the edit is deliberate "
                f"and already reflected in the database, `rebaseline --name {n} --env {env_name}`")
    return ""
