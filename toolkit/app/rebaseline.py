"""Use case: accept an applied migration's edited file as its new baseline (`rebaseline`).

rebaseline(settings, confirm, progress) -> RebaselineResult. I/O: the environment's tracking table
only: the new checksum is stored, no SQL from the file runs (the database must already match what
the file now says). Under the runner lock (taken the one way, engine_session), after a protected
environment is confirmed through `confirm`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import msgspec

from toolkit.app.deploy import Confirm, refuse
from toolkit.config import Config
from toolkit.console import info
from toolkit.errors import ToolkitError, UsageError
from toolkit.migrations.status import MigrationState


class RebaselineSettings(msgspec.Struct, frozen=True):
    config: Config
    env_name: str
    name: str | None = None  # the changed migration (a trailing .sql is ignored) ...
    all_changed: bool = False  # ... or every changed one: exactly one of the two
    database_url: str | None = None  # override; else DATABASE_URL_<ENV>, then DATABASE_URL


class RebaselineResult(msgspec.Struct, frozen=True):
    environment: str
    rebaselined: tuple[str, ...]  # empty: there was no changed migration (all_changed)


def check_options(*, name: str | None, all_changed: bool) -> None:
    if bool(name) == all_changed:
        raise UsageError("pass either --name NAME or --all-changed")


def _changed(states: Sequence[MigrationState], name: str | None) -> list[MigrationState]:
    changed = [s for s in states if s.state == "changed"]
    if name:
        changed = [s for s in changed if s.name == name]
        if not changed:
            raise ToolkitError(f"{name} is not a changed migration: nothing to re-baseline")
    return changed


def rebaseline(settings: RebaselineSettings, confirm: Confirm = refuse,
               progress: Callable[[str], None] = info) -> RebaselineResult:
    from toolkit.db import connect
    from toolkit.migrations import tracking
    from toolkit.migrations.blockers import bounded
    from toolkit.migrations.runner import read_states
    from toolkit.migrations.session import engine_session

    check_options(name=settings.name, all_changed=settings.all_changed)
    config = settings.config
    env = config.environment(settings.env_name)
    name = settings.name.removesuffix(".sql") if settings.name else None
    done: list[str] = []
    with connect(env.database_url(settings.database_url)) as conn:
        changed = _changed(read_states(conn, config), name)
        if not changed:
            return RebaselineResult(environment=env.name, rebaselined=())
        if env.confirm:
            confirm(env.name, f"re-baseline {len(changed)} migration(s)")
        with engine_session(conn, config.engine, progress) as run:
            for s in _changed(read_states(conn, config, run.table), name):
                bounded(conn, run, f"re-baselining {s.name}", run.table,
                        lambda s=s: tracking.set_checksum(conn, run.table, s.name, s.file.checksum,
                                                          f"re-baselined by {tracking.applied_by()}"), progress)
                done.append(s.name)
    return RebaselineResult(environment=env.name, rebaselined=tuple(done))
