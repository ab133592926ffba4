"""Use case: resolve a failed migration by hand (`mark --as applied|pending`).

mark(settings, confirm, progress) -> MarkResult. I/O: the environment's tracking table only (no SQL of
the migration runs). The state is checked, a protected environment confirmed through `confirm`, then
checked again under the runner lock (taken the one way, toolkit.migrations.session.engine_session),
so a migration a live runner is inside is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import msgspec
import psycopg

from toolkit.app.deploy import Confirm, refuse
from toolkit.config import Config
from toolkit.console import info
from toolkit.errors import ToolkitError
from toolkit.migrations.status import MigrationState

MarkAs = Literal["applied", "pending"]


class MarkSettings(msgspec.Struct, frozen=True):
    config: Config
    env_name: str
    name: str  # the migration (a trailing .sql is ignored)
    as_state: MarkAs  # applied: finished by hand; pending: forget the failed run so migrate retries it
    database_url: str | None = None  # override; else DATABASE_URL_<ENV>, then DATABASE_URL


class MarkResult(msgspec.Struct, frozen=True):
    environment: str
    name: str
    as_state: MarkAs
    was: str  # its state before: failed or pending


def _checked(states: Sequence[MigrationState], name: str, as_state: MarkAs, env_name: str) -> MigrationState:
    state = {x.name: x for x in states}.get(name)
    if state is None:
        raise ToolkitError(f"no migration named {name}")
    if state.state == "running":
        raise ToolkitError(f"{name} is running: another migrate run is inside it right now; refusing to mark it",
                           hint=f"wait for that run to end, then look again with `status --env {env_name}`")
    if as_state == "applied" and state.state not in ("failed", "pending"):
        raise ToolkitError(f"{name} is {state.state}; only a failed or pending migration can be marked applied")
    if as_state == "pending" and state.state != "failed":
        raise ToolkitError(f"{name} is {state.state}; only a failed migration can be marked pending",
                           hint="to undo an applied migration use `rollback`")
    return state


def _write(conn: psycopg.Connection, table: str, state: MigrationState, as_state: MarkAs) -> Callable[[], object]:
    from toolkit.migrations import tracking

    name = state.name
    if as_state == "pending":
        return lambda: tracking.delete_row(conn, table, name)
    if state.row is None:
        if state.file is None:
            raise ToolkitError(f"{name}: file missing")
        checksum = state.file.checksum
        return lambda: tracking.insert_row(conn, table, name, checksum, status="applied",
                                           note="marked applied by hand")
    return lambda: tracking.finish_row(conn, table, name, status="applied", failed_statement=None, error=None)


def mark(settings: MarkSettings, confirm: Confirm = refuse, progress: Callable[[str], None] = info) -> MarkResult:
    from toolkit.db import connect
    from toolkit.migrations.blockers import bounded
    from toolkit.migrations.runner import read_states
    from toolkit.migrations.session import bound_session, engine_session
    from toolkit.migrations.status import migration_status

    config = settings.config
    env = config.environment(settings.env_name)
    name, as_state, s = settings.name.removesuffix(".sql"), settings.as_state, config.engine
    with connect(env.database_url(settings.database_url)) as conn:
        bound_session(conn, s)
        before = _checked(bounded(conn, s, "reading the migration history", s.table,
                                  lambda: migration_status(config, conn)), name, as_state, env.name)
        if env.confirm:
            confirm(env.name, f"mark {name} as {as_state}")
        with engine_session(conn, s, progress) as run:
            # Decided again under the lock: a runner that was inside it may have finished meanwhile.
            state = _checked(read_states(conn, config, run.table), name, as_state, env.name)
            bounded(conn, run, f"marking {name} {as_state}", run.table, _write(conn, run.table, state, as_state),
                    progress)
    return MarkResult(environment=env.name, name=name, as_state=as_state, was=before.state)
