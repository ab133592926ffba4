"""Use case: roll back one applied migration, or it and every later one (`rollback`).

rollback(settings, confirm, progress) -> RollbackResult (toolkit.migrations.runner, the service, runs
each rollback file with the removal of its tracking row in one transaction, under the runner lock).

I/O: the environment's database. Everything is checked (applied, no later migration still applied
without cascade, every rollback file present and parsed) and a protected environment confirmed
through `confirm` before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from toolkit.app.deploy import Confirm, refuse
from toolkit.config import Config
from toolkit.console import info


class RollbackSettings(msgspec.Struct, frozen=True):
    config: Config
    env_name: str
    name: str  # the migration to roll back (a trailing .sql is ignored)
    database_url: str | None = None  # override; else DATABASE_URL_<ENV>, then DATABASE_URL
    cascade: bool = False  # also every later applied migration, newest first
    skip_irreversible: bool = False  # an empty rollback file: remove only the tracking row, keep the changes


class RollbackResult(msgspec.Struct, frozen=True):
    environment: str
    rolled_back: tuple[str, ...]  # newest first
    skipped: tuple[str, ...] = ()  # irreversible: only their tracking rows were removed


def rollback(settings: RollbackSettings, confirm: Confirm = refuse,
             progress: Callable[[str], None] = info) -> RollbackResult:
    from toolkit.db import connect
    from toolkit.migrations import runner

    env = settings.config.environment(settings.env_name)

    def before_write(chain: list) -> None:
        if env.confirm:
            confirm(env.name, f"roll back {len(chain)} migration(s)")

    with connect(env.database_url(settings.database_url)) as conn:
        result = runner.rollback(conn, settings.config, env.name, settings.name.removesuffix(".sql"),
                                 cascade=settings.cascade, skip_irreversible=settings.skip_irreversible,
                                 progress=progress, before_write=before_write)
    return RollbackResult(environment=env.name, rolled_back=tuple(result.rolled_back),
                          skipped=tuple(result.skipped))
