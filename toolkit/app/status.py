"""Use case: every migration of one environment and its state (`status`, the action's `status`).

status(settings) -> StatusResult. I/O: reads the migrations folder and the environment's tracking
table (each engine statement waits for a lock at most [engine] lock_timeout_ms). Changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from toolkit.config import Config
from toolkit.migrations.status import MigrationState

# The order `status` counts them in.
STATES = ("applied", "pending", "changed", "missing", "failed", "running")


class StatusSettings(msgspec.Struct, frozen=True):
    config: Config
    env_name: str
    database_url: str | None = None  # override; else DATABASE_URL_<ENV>, then DATABASE_URL


class StatusResult(msgspec.Struct, frozen=True):
    environment: str
    migrations_dir: Path
    states: tuple[MigrationState, ...]  # by name (oldest first)
    hints: tuple[tuple[str, str, str], ...]  # (migration, state, what to do) for those that need a hand

    def counts(self) -> dict[str, int]:
        """state -> how many, in STATES order, only the states present."""
        counts = {k: sum(1 for s in self.states if s.state == k) for k in STATES}
        return {k: v for k, v in counts.items() if v}


def status(settings: StatusSettings) -> StatusResult:
    from toolkit.db import connect
    from toolkit.migrations.blockers import bounded
    from toolkit.migrations.session import bound_session
    from toolkit.migrations.status import migration_status, resolve_hint

    config = settings.config
    env = config.environment(settings.env_name)
    s = config.engine
    with connect(env.database_url(settings.database_url)) as conn:
        bound_session(conn, s)
        states = bounded(conn, s, "reading the migration history", s.table, lambda: migration_status(config, conn))
    hints = tuple((st.name, st.state, hint) for st in states if (hint := resolve_hint(st, env.name)))
    return StatusResult(environment=env.name, migrations_dir=config.migrations_dir, states=tuple(states),
                        hints=hints)
