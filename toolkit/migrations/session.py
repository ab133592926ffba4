"""The engine's session: the one way to take the runner lock, the tracking table resolved once per
run, bounded lock waits for the engine's own statements, and the reset that gives every migration
the same starting state.

Session isolation: a migration's `SET search_path`, `SET timezone`, `SET ROLE` ... would otherwise
stay in force for the later migrations of the run (a SET in a committed transaction persists), so
the same files would give different results in one run and applied one at a time. After each
migration the engine runs RESET ALL, SET SESSION AUTHORIZATION DEFAULT and RESET ROLE, then puts
back the engine's own session settings. Not DISCARD ALL: it cannot run in a transaction and would
release the runner's advisory lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import psycopg
from msgspec.structs import replace
from psycopg import sql

from toolkit.config import EngineSettings
from toolkit.migrations import tracking
from toolkit.migrations.blockers import bounded
from toolkit.migrations.locking import runner_lock
from toolkit.sql.parse import Statement

# The role resets cost a catalog-cache rebuild each (doubling the engine's time on 1,000 small
# migrations), so they run only after a migration that can change the role (changes_role).
ROLE_RESETS = ("SET SESSION AUTHORIZATION DEFAULT", "RESET ROLE")


def changes_role(statements: Iterable[Statement]) -> bool:
    """Whether a migration may SET ROLE / SET SESSION AUTHORIZATION (directly, by set_config or in a DO block)."""
    for st in statements:
        if st.kind == "VariableSetStmt" and st.raw.get("name") in ("role", "session_authorization"):
            return True
        if st.kind in ("DoStmt", "SelectStmt", "CallStmt") and ("role" in st.text.lower()
                                                                  or "authorization" in st.text.lower()):
            return True
    return False


def bound_session(conn: psycopg.Connection, settings: EngineSettings) -> None:
    """Every statement the engine runs for itself waits at most lock_timeout_ms for a lock (then
    blockers.bounded retries it); without this a backup or an idle transaction could stall it."""
    conn.execute("SELECT set_config('lock_timeout', %s, false)", (f"{settings.lock_timeout_ms}ms",))


class Baseline:
    """The engine's own session settings (those set by SET in this session: the bounded
    lock_timeout, client_connection_check_interval, ...), captured before any migration runs."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.settings = conn.execute(
            "SELECT name, setting FROM pg_settings WHERE source = 'session' "
            "AND name NOT IN ('role', 'session_authorization') ORDER BY name").fetchall()

    def restore_sql(self, local: tuple[tuple[str, str], ...] = ()) -> sql.Composed:
        """One SELECT that puts the baseline back, then the transaction-local values given."""
        calls = [sql.SQL("set_config({}, {}, false)").format(sql.Literal(n), sql.Literal(v))
                 for n, v in self.settings]
        calls += [sql.SQL("set_config({}, {}, true)").format(sql.Literal(n), sql.Literal(v)) for n, v in local]
        return sql.SQL("SELECT ") + sql.SQL(", ").join(calls or [sql.SQL("1")])

    def reset(self, conn: psycopg.Connection, local: tuple[tuple[str, str], ...] = (), *, role: bool = True) -> None:
        """Queue (in a pipeline) or run the reset: no result is awaited, so a pipeline stays one round trip.
        role=False skips the role resets (see ROLE_RESETS) for a migration that cannot change the role."""
        conn.execute("RESET ALL")
        for stmt in ROLE_RESETS if role else ():
            conn.execute(stmt)
        conn.execute(self.restore_sql(local))


@contextmanager
def engine_session(conn: psycopg.Connection, settings: EngineSettings, progress: Callable[[str], None] | None = None,
                   *, create_table: bool = True) -> Iterator[EngineSettings]:
    """Hold the runner lock (the only place it is taken) and yield the settings with the tracking
    table resolved to schema.name. create_table: create or complete the table (not for a trial)."""
    bound_session(conn, settings)
    # The lock key stays the configured name, so runners of every version agree on it.
    with runner_lock(conn, settings.table, wait_s=settings.runner_lock_wait_s, on_wait=progress):
        table = tracking.resolve(conn, settings.table)
        if create_table:
            bounded(conn, settings, "creating or completing the tracking table", table,
                    lambda: tracking.ensure_table(conn, table), progress)
        else:
            tracking.check_shape(conn, table)
        yield replace(settings, table=table)
