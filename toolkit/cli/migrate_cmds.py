"""The runbook's commands: create, status, migrate, rollback; plus mark and rebaseline."""

from __future__ import annotations

import json
import time

import click

from toolkit.cli.common import dir_option, echo_json, env_options, format_option, make_context
from toolkit.console import confirm_environment, fmt_ms, info, style, warn
from toolkit.errors import ToolkitError, UsageError


@click.command()
@click.option("--name", required=True, help="Short name: lowercase letters, digits, underscores.")
@dir_option
def create(name: str, migrations_dir: str | None, config_file: str | None) -> None:
    """Create YYYYMMDD_HHMMSS_NAME.sql and its _rollback.sql (UTC timestamp)."""
    from toolkit.migrations.files import create as create_files

    ctx = make_context(migrations_dir, config_file)
    up, down = create_files(ctx.config.migrations_dir, name)
    click.echo(f"Created {up}")
    click.echo(f"Created {down}")


def _connect(ctx):
    from toolkit.db import connect

    return connect(ctx.database_url)


@click.command()
@env_options
@format_option("text", "json")
def status(env_name: str, database_url: str | None, migrations_dir: str | None, config_file: str | None,
           fmt: str) -> None:
    """Show every migration and its state: applied, pending, changed, missing or failed."""
    from toolkit.migrations.blockers import bounded
    from toolkit.migrations.session import bound_session
    from toolkit.migrations.status import migration_status, resolve_hint

    ctx = make_context(migrations_dir, config_file, env_name, database_url)
    s = ctx.config.engine
    with _connect(ctx) as conn:
        bound_session(conn, s)
        states = bounded(conn, s, "reading the migration history", s.table,
                         lambda: migration_status(ctx.config, conn))
    if fmt == "json":
        echo_json([s.as_json() for s in states])
        return
    if not states:
        click.echo(f"No migrations in {ctx.config.migrations_dir}")
        return
    colors = {"applied": "green", "pending": "yellow", "changed": "red", "missing": "magenta", "failed": "red",
              "running": "cyan"}
    width = max(len(s.name) for s in states)
    click.echo(f"{'MIGRATION':<{width}}  {'STATE':<8}  {'APPLIED AT':<19}  {'TIME':>8}  ROLLBACK")
    for s in states:
        at = s.applied_at.strftime("%Y-%m-%d %H:%M:%S") if s.applied_at else "-"
        ms = s.row.execution_ms if s.row and s.row.execution_ms is not None and s.state != "pending" else None
        state = style(f"{s.state:<8}", fg=colors[s.state])
        click.echo(f"{s.name:<{width}}  {state}  {at:<19}  {fmt_ms(ms) if ms is not None else '-':>8}  "
                   f"{'yes' if s.has_rollback else 'no'}")
    counts = {k: sum(1 for s in states if s.state == k) for k in colors}
    click.echo(", ".join(f"{v} {k}" for k, v in counts.items() if v))
    for s in states:
        hint = resolve_hint(s, env_name)
        if hint:
            click.echo(f"\n{s.name}: {s.state}. {hint}")


def _guard_production(ctx, action: str, yes: bool):
    """Returns the before_write callback: confirmation where the environment asks for it."""
    def before_write(plan) -> None:
        if ctx.env.confirm:
            confirm_environment(ctx.env.name, action, assume_yes=yes)
    return before_write


@click.command()
@env_options
@click.option("--dry-run", is_flag=True, help="Print what would run, in order, and change nothing.")
@click.option("--execute", "dry_execute", is_flag=True,
              help="With --dry-run: also run the pending migrations in a transaction that is rolled back, "
                   "to prove they apply to the real schema.")
@click.option("--yes", is_flag=True, help="Confirm writes to a protected environment without a prompt.")
@click.option("--allow-out-of-order", is_flag=True,
              help="Apply a pending migration older than the newest applied one.")
@click.option("--skip-backup-check", is_flag=True,
              help="Do not require a fresh verified backup (production); needs --reason.")
@click.option("--reason", help="Why the backup check is skipped; recorded in schema_migrations.")
@format_option("text", "json")
def migrate(env_name: str, database_url: str | None, migrations_dir: str | None, config_file: str | None,
            dry_run: bool, dry_execute: bool, yes: bool, allow_out_of_order: bool, skip_backup_check: bool,
            reason: str | None, fmt: str) -> None:
    """Apply all pending migrations, in order, each in its own transaction with its tracking row.

    Production (and any environment configured with require_backup) needs a verified backup newer
    than backup_max_age_min, taken with `backup --env ENV`, and a typed confirmation (or --yes).
    """
    from toolkit.migrations import runner

    if dry_execute and not dry_run:
        raise UsageError("--execute only goes with --dry-run")
    if skip_backup_check and not (reason and reason.strip()):
        raise UsageError("--skip-backup-check needs --reason \"...\" (it is recorded with the migrations)")
    ctx = make_context(migrations_dir, config_file, env_name, database_url)
    config, env = ctx.config, ctx.env
    started = time.monotonic()
    with _connect(ctx) as conn:
        if dry_run:
            _dry_run(ctx, conn, allow_out_of_order, dry_execute, yes, fmt)
            return
        note = f"backup check skipped: {reason.strip()}" if skip_backup_check else None

        def before_write(plan) -> None:
            if env.require_backup and not skip_backup_check:
                try:
                    from toolkit.backup.gate import require_verified_backup
                except ImportError as exc:  # the backup extra is missing from this install
                    raise ToolkitError(f"the backup check needs toolkit.backup, which failed to load: {exc}",
                                       hint="reinstall migrate-action, or --skip-backup-check --reason ...") from None
                from toolkit.migrations.tracking import latest_applied

                uri = require_verified_backup(config, env, ctx.database_url, latest_applied(conn, config.engine.table))
                info(f"backup check: {uri} is verified and current")
            elif skip_backup_check:
                warn(f"backup check skipped on '{env.name}': {reason.strip()}")
            if env.confirm:
                confirm_environment(env.name, f"apply {len(plan)} migration(s)", assume_yes=yes)

        result = runner.apply_pending(conn, config, env.name, allow_out_of_order=allow_out_of_order, note=note,
                                      progress=info, before_write=before_write)
    total = time.monotonic() - started
    if fmt == "json":
        echo_json({"environment": env.name, "applied": [a.name for a in result.applied],
                   "migrations": [a.__dict__ for a in result.applied], "seconds": round(total, 3)})
    elif result.applied:
        click.echo(f"Applied {len(result.applied)} migration(s) to {env.name} in {fmt_ms(total * 1000)}")
    else:
        click.echo(f"Nothing to migrate on {env.name}: the database is up to date")


def _dry_run(ctx, conn, allow_out_of_order: bool, execute: bool, yes: bool, fmt: str) -> None:
    from toolkit.migrations import runner
    from toolkit.migrations.session import engine_session

    config, env = ctx.config, ctx.env
    plan = runner.pending_plan(runner.read_states(conn, config), env.name,
                               allow_out_of_order=allow_out_of_order or config.engine.allow_out_of_order)
    steps = [(p.file, runner.load_up(p.file)) for p in plan]
    if fmt == "json":
        out = [{"name": f.name, "transactional": s.transactional, "statements": len(s.statements),
                "file": str(f.path)} for f, s in steps]
    else:
        if not steps:
            click.echo(f"Nothing to migrate on {env.name}: the database is up to date")
        for i, (f, s) in enumerate(steps, 1):
            click.echo(f"{i}. {f.name}  ({len(s.statements)} statement(s), {s.mode})")
            for st in s.statements:
                first = st.text.splitlines()[0]
                click.echo(f"     line {st.line}: {first[:100]}{' ...' if len(st.text) > len(first) else ''}")
    if execute and steps:
        if env.confirm:
            confirm_environment(env.name, "try the migrations in a rolled-back transaction (it takes real locks)",
                                assume_yes=yes)
        with engine_session(conn, config.engine, info, create_table=False) as run:
            for _, step in steps:
                runner.check_step(step, run)
            trial = runner.Engine(conn, run, info).execute_and_discard(steps)
        seq_notes = [f"sequence {name} advanced from {'unused' if old is None else old} to {new} (next value "
                     f"{(new or 0) + 1}): sequences are not transactional, so the rollback did not put it back; "
                     f"a gap is harmless. If nothing else used it meanwhile: SELECT setval('{name}', "
                     + (f"{old}, true)" if old is not None else "1, false)")
                     for name, old, new in trial.sequences]
        if fmt == "json":
            out = {"plan": out, "trial": {
                "tried": [{"name": n, "statements": k} for n, k in trial.tried],
                "not_tried": [{"name": n, "why": w} for n, w in trial.not_tried],
                "failed": [{"name": n, "error": e} for n, e in trial.failed],
                "sequences_advanced": [{"sequence": n, "before": o, "after": a} for n, o, a in trial.sequences]}}
        else:
            click.echo("\nTrial run (in a transaction that was rolled back):")
            for n, k in trial.tried:
                click.echo(f"  {n}: ok ({k} statement(s))")
            for n, why in trial.not_tried:
                click.echo(f"  {n}: not tried: {why}")
            for n, e in trial.failed:
                click.echo(f"  {n}: FAILED: {e}")
            click.echo(f"\nProved: {len(trial.tried)} of {len(steps)} pending migration(s) apply, in this order, to "
                       "the real schema and data (each after the ones before it that were tried).")
            if trial.not_tried:
                click.echo(f"Not proved: {len(trial.not_tried)} migration(s) not tried (listed above); a later "
                           "migration that depends on one of them may fail for real.")
            click.echo("Kept: no schema change, row or tracking row (all rolled back).")
            for line in seq_notes:
                click.echo(f"Not rolled back: {line}")
        if fmt == "json":
            click.echo(json.dumps(out, indent=2))
        if trial.failed:
            more = f" (and {len(trial.failed) - 1} more, listed above)" if len(trial.failed) > 1 else ""
            raise ToolkitError(f"trial run: {trial.failed[0][1]}{more}")
        return
    if fmt == "json":
        click.echo(json.dumps(out, indent=2))
    elif steps:
        click.echo("\nDry run: nothing was changed.")


@click.command()
@click.option("--name", required=True, help="Migration to roll back, e.g. 20241227_120000_add_user_preferences.")
@env_options
@click.option("--cascade", is_flag=True, help="Also roll back every later applied migration, newest first.")
@click.option("--skip-irreversible", is_flag=True,
              help="For a migration whose rollback file is empty (irreversible): remove only its tracking row, "
                   "keeping its changes, and go on. Printed for each one skipped.")
@click.option("--yes", is_flag=True, help="Confirm writes to a protected environment without a prompt.")
def rollback(name: str, env_name: str, database_url: str | None, migrations_dir: str | None,
             config_file: str | None, cascade: bool, skip_irreversible: bool, yes: bool) -> None:
    """Run NAME's rollback file and remove its tracking row, in one transaction.

    Refuses when NAME is not applied, when later migrations are still applied (see --cascade), or
    when the rollback file is missing (then the way back is `restore` from a backup).
    """
    from toolkit.migrations import runner

    name = name.removesuffix(".sql")
    ctx = make_context(migrations_dir, config_file, env_name, database_url)
    with _connect(ctx) as conn:
        result = runner.rollback(conn, ctx.config, ctx.env.name, name, cascade=cascade,
                                 skip_irreversible=skip_irreversible, progress=info,
                                 before_write=lambda chain: ctx.env.confirm and confirm_environment(
                                     ctx.env.name, f"roll back {len(chain)} migration(s)", assume_yes=yes))
    if result.skipped:
        click.echo(f"Skipped (irreversible, only the tracking row removed, changes kept): "
                   f"{', '.join(result.skipped)}")
    click.echo(f"Rolled back {', '.join(result.rolled_back) or 'nothing'} on {ctx.env.name}")


@click.command()
@click.option("--name", required=True, help="The migration to mark.")
@click.option("--as", "as_state", type=click.Choice(["applied", "pending"]), required=True,
              help="applied: you finished it by hand; pending: forget the failed run so migrate retries it.")
@env_options
@click.option("--yes", is_flag=True, help="Confirm writes to a protected environment without a prompt.")
def mark(name: str, as_state: str, env_name: str, database_url: str | None, migrations_dir: str | None,
         config_file: str | None, yes: bool) -> None:
    """Resolve a failed migration (one that ran outside a transaction and stopped part way).

    Takes the runner lock like `migrate`, and refuses a migration that a live runner is inside.
    """
    from toolkit.migrations import tracking
    from toolkit.migrations.blockers import bounded
    from toolkit.migrations.runner import read_states
    from toolkit.migrations.session import bound_session, engine_session
    from toolkit.migrations.status import migration_status

    name = name.removesuffix(".sql")
    ctx = make_context(migrations_dir, config_file, env_name, database_url)
    s = ctx.config.engine

    def checked(states):
        state = {x.name: x for x in states}.get(name)
        if state is None:
            raise ToolkitError(f"no migration named {name}")
        if state.state == "running":
            raise ToolkitError(f"{name} is running: another migrate run is inside it right now; refusing to mark it",
                               hint=f"wait for that run to end, then look again with `status --env {ctx.env.name}`")
        if as_state == "applied" and state.state not in ("failed", "pending"):
            raise ToolkitError(f"{name} is {state.state}; only a failed or pending migration can be marked applied")
        if as_state == "pending" and state.state != "failed":
            raise ToolkitError(f"{name} is {state.state}; only a failed migration can be marked pending",
                               hint="to undo an applied migration use `rollback`")
        return state

    with _connect(ctx) as conn:
        bound_session(conn, s)
        checked(bounded(conn, s, "reading the migration history", s.table, lambda: migration_status(ctx.config, conn)))
        if ctx.env.confirm:
            confirm_environment(ctx.env.name, f"mark {name} as {as_state}", assume_yes=yes)
        with engine_session(conn, s, info) as run:
            # Decided again under the lock: a runner that was inside it may have finished meanwhile.
            state = checked(read_states(conn, ctx.config, run.table))
            table = run.table
            if as_state == "pending":
                write = lambda: tracking.delete_row(conn, table, name)  # noqa: E731
            elif state.row is None:
                if state.file is None:
                    raise ToolkitError(f"{name}: file missing")
                write = lambda: tracking.insert_row(conn, table, name, state.file.checksum,  # noqa: E731
                                                    status="applied", note="marked applied by hand")
            else:
                write = lambda: tracking.finish_row(conn, table, name, status="applied",  # noqa: E731
                                                    failed_statement=None, error=None)
            bounded(conn, run, f"marking {name} {as_state}", table, write, info)
    click.echo(f"Marked {name} as {as_state} on {ctx.env.name}")


@click.command()
@click.option("--name", help="The changed migration whose stored checksum to replace.")
@click.option("--all-changed", is_flag=True, help="Re-baseline every migration whose file changed.")
@env_options
@click.option("--yes", is_flag=True, help="Confirm writes to a protected environment without a prompt.")
def rebaseline(name: str | None, all_changed: bool, env_name: str, database_url: str | None,
               migrations_dir: str | None, config_file: str | None, yes: bool) -> None:
    """Accept an applied migration's edited file as the new baseline (stores its new checksum).

    For the rare deliberate edit (a comment, a fix already applied by hand). It runs no SQL from the
    file: the database must already match what the file now says.
    """
    from toolkit.migrations import tracking
    from toolkit.migrations.blockers import bounded
    from toolkit.migrations.runner import read_states
    from toolkit.migrations.session import engine_session

    if bool(name) == all_changed:
        raise UsageError("pass either --name NAME or --all-changed")
    ctx = make_context(migrations_dir, config_file, env_name, database_url)
    if name:
        name = name.removesuffix(".sql")

    def changed_of(states):
        changed = [s for s in states if s.state == "changed"]
        if name:
            changed = [s for s in changed if s.name == name]
            if not changed:
                raise ToolkitError(f"{name} is not a changed migration: nothing to re-baseline")
        return changed

    with _connect(ctx) as conn:
        changed = changed_of(read_states(conn, ctx.config))
        if not changed:
            click.echo("No changed migrations")
            return
        if ctx.env.confirm:
            confirm_environment(ctx.env.name, f"re-baseline {len(changed)} migration(s)", assume_yes=yes)
        with engine_session(conn, ctx.config.engine, info) as run:
            for s in changed_of(read_states(conn, ctx.config, run.table)):
                bounded(conn, run, f"re-baselining {s.name}", run.table,
                        lambda s=s: tracking.set_checksum(conn, run.table, s.name, s.file.checksum,
                                                          f"re-baselined by {tracking.applied_by()}"), info)
                click.echo(f"Re-baselined {s.name}")
