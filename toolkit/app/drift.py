"""Use case: is an environment still what its applied migrations say it is?

The migrations the environment's tracking table lists as applied are rebuilt, in the order they
were applied, on a throwaway database; its catalog is compared with the environment's. The
environment is only read, on a read-only session.

detect_drift(settings) -> DriftResult; check_before_deploy(...) is the deploy's gate
(per environment: drift = "refuse" | "warn" | "ignore").
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec
import psycopg

from toolkit.config import Config
from toolkit.errors import ToolkitError, UsageError
from toolkit.proof.drift import DriftItem

DRIFT_MODES = ("refuse", "warn", "ignore")


def _quiet(_: str) -> None:
    pass


class DriftSettings(msgspec.Struct, frozen=True):
    config: Config
    env_name: str
    database_url: str
    scratch_url: str | None = None  # where to build the throwaway database; None: an embedded cluster
    ownership: bool = False
    privileges: bool = False


class DriftResult(msgspec.Struct, frozen=True):
    environment: str
    applied: tuple[str, ...]  # rebuilt, in the order applied
    items: tuple[DriftItem, ...]
    notes: tuple[str, ...] = ()

    @property
    def drifted(self) -> bool:
        return bool(self.items)

    def summary(self) -> str:
        if not self.items:
            return f"no drift: {self.environment} matches its {len(self.applied)} applied migration(s)"
        return (f"{self.environment} has drifted: {len(self.items)} difference(s) from its "
                f"{len(self.applied)} applied migration(s)")

    def to_dict(self) -> dict:
        return {"environment": self.environment, "drifted": self.drifted, "summary": self.summary(),
                "applied": list(self.applied), "notes": list(self.notes),
                "differences": [i.to_dict() for i in self.items]}


def connect_readonly(url: str) -> psycopg.Connection:
    """A session that cannot write: every transaction on it is READ ONLY (drift never changes E)."""
    from toolkit.db import connect

    conn = connect(url, application_name="migrate-action drift")
    conn.execute("SET default_transaction_read_only = on")
    return conn


def detect_drift(settings: DriftSettings, progress: Callable[[str], None] = _quiet) -> DriftResult:
    from toolkit.db import connect
    from toolkit.migrations import tracking
    from toolkit.migrations.files import discover
    from toolkit.migrations.runner import Engine, load_up
    from toolkit.proof.drift import compare
    from toolkit.proof.scratch import scratch_database
    from toolkit.trace.catalog import snapshot

    config = settings.config
    table = config.engine.table
    excluded = (table, table.rsplit(".", 1)[-1])
    files = {f.name: f for f in discover(config.migrations_dir)}
    notes: list[str] = []
    with connect_readonly(settings.database_url) as live_conn:
        rows = tracking.applied_rows(live_conn, table)
        live = snapshot(live_conn, exclude_tables=excluded, ownership=settings.ownership,
                        privileges=settings.privileges)
    if not rows:
        notes.append(f"no {table} rows on {settings.env_name}: compared with an empty schema")
    history = sorted(rows.values(), key=lambda r: (r.applied_at is None, r.applied_at, r.name))
    missing = [r.name for r in history if r.name not in files]
    if missing:
        raise UsageError(f"{settings.env_name} has applied {missing[0]}, but {config.migrations_dir} has no "
                         f"{missing[0]}.sql: cannot rebuild what {settings.env_name} should be",
                         hint="check out the branch that was deployed there (or pass --dir)")
    applied: list[str] = []
    with scratch_database(settings.scratch_url, progress) as url, connect(url) as scratch:
        tracking.ensure_table(scratch, table)
        engine = Engine(scratch, config.engine)
        for r in history:
            f = files[r.name]
            if r.status == "applied" and not f.matches(r.checksum):
                notes.append(f"{r.name}.sql changed since it was applied: the rebuild uses today's file")
            try:
                if r.status == "applied":
                    engine.apply(f, load_up(f))
                    applied.append(r.name)
                else:
                    # A statement-by-statement migration that stopped: its first statements stayed.
                    step = load_up(f)
                    done = (r.failed_statement or 1) - 1
                    for st in step.statements[:done]:
                        scratch.execute(st.text, prepare=False)
                    notes.append(f"{r.name} is recorded {r.status} at statement {r.failed_statement or '?'}: "
                                 f"rebuilt its first {done} statement(s) only")
            except (ToolkitError, psycopg.Error) as exc:
                msg = exc.message if isinstance(exc, ToolkitError) else (exc.diag.message_primary or str(exc))
                raise ToolkitError(f"cannot rebuild {settings.env_name}'s migrations on the throwaway database: "
                                   f"{msg}") from None
        progress(f"rebuilt {len(applied)} migration(s); comparing catalogs ...")
        expected = snapshot(scratch, exclude_tables=excluded, ownership=settings.ownership,
                            privileges=settings.privileges)
    return DriftResult(settings.env_name, tuple(applied), tuple(compare(expected, live)), tuple(notes))


class DriftGate(msgspec.Struct, frozen=True):
    mode: str  # refuse | warn | ignore
    result: DriftResult | None
    message: str  # one line for the deploy's story


def check_before_deploy(config: Config, env_name: str, database_url: str, mode: str, *,
                        scratch_url: str | None = None, progress: Callable[[str], None] = _quiet) -> DriftGate:
    """The deploy's drift gate, before anything is written. refuse: raises a ToolkitError naming the
    first differences when the environment has drifted (or drift cannot be checked); warn: returns
    the differences for the deploy to show and goes on; ignore: does not look."""
    if mode not in DRIFT_MODES:
        raise UsageError(f"drift = {mode!r} is not one of: {', '.join(DRIFT_MODES)}")
    if mode == "ignore":
        return DriftGate(mode, None, "drift check off for this environment")
    try:
        result = detect_drift(DriftSettings(config, env_name, database_url, scratch_url), progress)
    except ToolkitError as exc:
        if mode == "refuse":
            raise ToolkitError(f"drift check failed, refusing to migrate {env_name}: {exc.message}",
                               hint=exc.hint or f'set drift = "warn" for {env_name} to migrate anyway') from None
        return DriftGate(mode, None, f"drift check failed: {exc.message}")
    if not result.drifted:
        return DriftGate(mode, result, result.summary())
    first = "; ".join(i.describe() for i in result.items[:2])
    if mode == "refuse":
        raise ToolkitError(f"{result.summary()}; refusing to migrate ({first})",
                           hint=f"`drift --env {env_name}` lists every difference with the SQL that reconciles it; "
                                f'fix the database or adopt the change in a migration, or set drift = "warn"')
    return DriftGate(mode, result, f"{result.summary()} (migrating anyway, drift = \"warn\"): {first}")
