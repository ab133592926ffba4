"""Use case: apply the pending migrations of one environment (`migrate`), or show them (`--dry-run`),
or prove them in a transaction that is rolled back (`--dry-run --execute`).

migrate(settings, confirm, progress, warn, on_plan) -> MigrateResult (toolkit.migrations.runner, the
service, runs each migration in its own transaction with its tracking row, under the runner lock).

I/O: the environment's database (read; then written unless a dry run; a trial takes real locks and
writes nothing it keeps); S3 for the backup gate of an environment configured with require_backup
(production). A protected environment is confirmed through `confirm` before anything is written
or tried.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import msgspec
import psycopg

from toolkit.app.deploy import Confirm, refuse
from toolkit.config import Config, Environment
from toolkit.console import info
from toolkit.console import warn as console_warn
from toolkit.errors import ToolkitError, UsageError
from toolkit.migrations.runner import Applied, Step, Trial
from toolkit.migrations.status import MigrationState

Progress = Callable[[str], None]


class MigrateSettings(msgspec.Struct, frozen=True):
    config: Config
    env_name: str
    database_url: str | None = None  # override; else DATABASE_URL_<ENV>, then DATABASE_URL
    dry_run: bool = False  # list what would run, change nothing
    execute: bool = False  # with dry_run: also try them in a transaction that is rolled back
    allow_out_of_order: bool = False  # apply a pending migration older than the newest applied one
    skip_backup_check: bool = False  # of require_backup environments; needs a reason
    reason: str | None = None  # why the backup check is skipped (recorded with the migrations)


class PlannedStatement(msgspec.Struct, frozen=True):
    line: int
    text: str


class PlannedMigration(msgspec.Struct, frozen=True):
    """One pending migration of a dry run, in the order it would run."""

    name: str
    path: Path
    transactional: bool
    mode: str  # "in one transaction" or "outside a transaction, statement by statement"
    statements: tuple[PlannedStatement, ...]

    def as_json(self) -> dict:
        return {"name": self.name, "transactional": self.transactional, "statements": len(self.statements),
                "file": str(self.path)}


class SequenceAdvanced(msgspec.Struct, frozen=True):
    """A sequence the trial advanced: sequences are not transactional, so the rollback kept it."""

    sequence: str
    before: int | None  # None: never used before
    after: int | None

    def note(self) -> str:
        reset = f"{self.before}, true)" if self.before is not None else "1, false)"
        return (f"sequence {self.sequence} advanced from {'unused' if self.before is None else self.before} to "
                f"{self.after} (next value {(self.after or 0) + 1}): sequences are not transactional, so the "
                f"rollback did not put it back; a gap is harmless. If nothing else used it meanwhile: "
                f"SELECT setval('{self.sequence}', " + reset)


class TrialRun(msgspec.Struct, frozen=True):
    """What a --dry-run --execute proved (tried), what it could not (not_tried) and what failed."""

    tried: tuple[tuple[str, int], ...]  # (migration, statements) applied, then discarded
    not_tried: tuple[tuple[str, str], ...]  # (migration, why)
    failed: tuple[tuple[str, str], ...]  # (migration, error)
    sequences: tuple[SequenceAdvanced, ...]

    @classmethod
    def of(cls, trial: Trial) -> TrialRun:
        return cls(tried=tuple(trial.tried), not_tried=tuple(trial.not_tried), failed=tuple(trial.failed),
                   sequences=tuple(SequenceAdvanced(n, b, a) for n, b, a in trial.sequences))

    def as_json(self) -> dict:
        return {"tried": [{"name": n, "statements": k} for n, k in self.tried],
                "not_tried": [{"name": n, "why": w} for n, w in self.not_tried],
                "failed": [{"name": n, "error": e} for n, e in self.failed],
                "sequences_advanced": [{"sequence": s.sequence, "before": s.before, "after": s.after}
                                       for s in self.sequences]}

    def error(self) -> str | None:
        """The one-line error of a failed trial (the first failure), None when nothing failed."""
        if not self.failed:
            return None
        more = f" (and {len(self.failed) - 1} more, listed above)" if len(self.failed) > 1 else ""
        return f"trial run: {self.failed[0][1]}{more}"


class MigrateResult(msgspec.Struct, frozen=True):
    environment: str
    dry_run: bool = False
    applied: tuple[Applied, ...] = ()  # a real run: what was applied, in order
    seconds: float = 0.0  # a real run: wall time, connection included
    planned: tuple[PlannedMigration, ...] = ()  # a dry run: what would run, in order
    trial: TrialRun | None = None  # a dry run with execute, when there was something to try

    def as_json(self) -> dict | list:
        """The JSON `migrate --format json` prints."""
        if not self.dry_run:
            return {"environment": self.environment, "applied": [a.name for a in self.applied],
                    "migrations": [msgspec.structs.asdict(a) for a in self.applied], "seconds": round(self.seconds, 3)}
        plan = [p.as_json() for p in self.planned]
        return plan if self.trial is None else {"plan": plan, "trial": self.trial.as_json()}


def check_options(*, dry_run: bool, execute: bool, skip_backup_check: bool, reason: str | None) -> None:
    """Bad combinations, refused before anything is read (the CLI calls it before loading the config)."""
    if execute and not dry_run:
        raise UsageError("--execute only goes with --dry-run")
    if skip_backup_check and not (reason and reason.strip()):
        raise UsageError("--skip-backup-check needs --reason \"...\" (it is recorded with the migrations)")


def migrate(settings: MigrateSettings, confirm: Confirm = refuse, progress: Progress = info,
            warn: Progress = console_warn,
            on_plan: Callable[[tuple[PlannedMigration, ...]], None] | None = None) -> MigrateResult:
    """Apply (or, with dry_run, list and maybe try) the pending migrations. on_plan receives a dry
    run's plan before any confirmation, so it can be shown first. A failed trial is returned
    (result.trial.failed); a failed real run raises (MigrationError, one line)."""
    from toolkit.db import connect

    check_options(dry_run=settings.dry_run, execute=settings.execute, skip_backup_check=settings.skip_backup_check,
                  reason=settings.reason)
    config = settings.config
    env = config.environment(settings.env_name)
    database_url = env.database_url(settings.database_url)
    started = time.monotonic()
    with connect(database_url) as conn:
        if settings.dry_run:
            return _dry_run(conn, settings, env, confirm, progress, on_plan)
        applied = _apply(conn, settings, env, database_url, confirm, progress, warn)
    return MigrateResult(environment=env.name, applied=applied, seconds=time.monotonic() - started)


def _apply(conn: psycopg.Connection, settings: MigrateSettings, env: Environment, database_url: str,
           confirm: Confirm, progress: Progress, warn: Progress) -> tuple[Applied, ...]:
    from toolkit.migrations import runner

    config = settings.config
    reason = (settings.reason or "").strip()
    note = f"backup check skipped: {reason}" if settings.skip_backup_check else None

    def before_write(plan: list[MigrationState]) -> None:
        if env.require_backup and not settings.skip_backup_check:
            uri = _backup_gate(conn, config, env, database_url)
            progress(f"backup check: {uri} is verified and current")
        elif settings.skip_backup_check:
            warn(f"backup check skipped on '{env.name}': {reason}")
        if env.confirm:
            confirm(env.name, f"apply {len(plan)} migration(s)")

    result = runner.apply_pending(conn, config, env.name, allow_out_of_order=settings.allow_out_of_order,
                                  note=note, progress=progress, before_write=before_write)
    return tuple(result.applied)


def _backup_gate(conn: psycopg.Connection, config: Config, env: Environment, database_url: str) -> str:
    """The URI of a verified backup newer than the environment's backup_max_age_min, or a ToolkitError."""
    try:
        from toolkit.backup.gate import require_verified_backup
    except ImportError as exc:  # the backup extra is missing from this install
        raise ToolkitError(f"the backup check needs toolkit.backup, which failed to load: {exc}",
                           hint="reinstall migrate-action, or --skip-backup-check --reason ...") from None
    from toolkit.migrations.tracking import latest_applied

    return require_verified_backup(config, env, database_url, latest_applied(conn, config.engine.table))


def _planned(steps: list[tuple[object, Step]]) -> tuple[PlannedMigration, ...]:
    return tuple(PlannedMigration(name=f.name, path=Path(f.path), transactional=s.transactional, mode=s.mode,
                                  statements=tuple(PlannedStatement(st.line, st.text) for st in s.statements))
                 for f, s in steps)


def _dry_run(conn: psycopg.Connection, settings: MigrateSettings, env: Environment, confirm: Confirm,
             progress: Progress, on_plan: Callable[[tuple[PlannedMigration, ...]], None] | None) -> MigrateResult:
    from toolkit.migrations import runner

    config = settings.config
    plan = runner.pending_plan(runner.read_states(conn, config), env.name,
                               allow_out_of_order=settings.allow_out_of_order or config.engine.allow_out_of_order)
    steps = [(p.file, runner.load_up(p.file)) for p in plan]
    planned = _planned(steps)
    if on_plan is not None:
        on_plan(planned)
    if not (settings.execute and steps):
        return MigrateResult(environment=env.name, dry_run=True, planned=planned)
    if env.confirm:
        confirm(env.name, "try the migrations in a rolled-back transaction (it takes real locks)")
    return MigrateResult(environment=env.name, dry_run=True, planned=planned,
                         trial=TrialRun.of(_trial(conn, config, steps, progress)))


def _trial(conn: psycopg.Connection, config: Config, steps: list, progress: Progress) -> Trial:
    """Under the runner lock (the one way: engine_session), without creating the tracking table."""
    from toolkit.migrations import runner
    from toolkit.migrations.session import engine_session

    with engine_session(conn, config.engine, progress, create_table=False) as run:
        for _, step in steps:
            runner.check_step(step, run)
        return runner.Engine(conn, run, progress).execute_and_discard(steps)
