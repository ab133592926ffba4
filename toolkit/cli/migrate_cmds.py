"""The runbook's commands: create, status, migrate, rollback; plus mark and rebaseline.

Adapters over the use cases in toolkit.app (create, status, migrate, rollback, mark, rebaseline):
parse the options, build the settings, call one use case, render its result, choose the exit code.
"""

from __future__ import annotations

import click

from toolkit.cli.common import (
    confirm_callback,
    dir_option,
    echo_json,
    env_options,
    format_option,
    make_context,
)
from toolkit.console import fmt_ms, info, style
from toolkit.errors import ToolkitError


@click.command()
@click.option("--name", required=True, help="Short name: lowercase letters, digits, underscores.")
@dir_option
def create(name: str, migrations_dir: str | None, config_file: str | None) -> None:
    """Create YYYYMMDD_HHMMSS_NAME.sql and its _rollback.sql (UTC timestamp)."""
    from toolkit.app.create import CreateSettings
    from toolkit.app.create import create as run_create

    result = run_create(CreateSettings(config=make_context(migrations_dir, config_file).config, name=name))
    click.echo(f"Created {result.up}")
    click.echo(f"Created {result.down}")


_STATE_COLORS = {"applied": "green", "pending": "yellow", "changed": "red", "missing": "magenta", "failed": "red",
                 "running": "cyan"}


@click.command()
@env_options
@format_option("text", "json")
def status(env_name: str, database_url: str | None, migrations_dir: str | None, config_file: str | None,
           fmt: str) -> None:
    """Show every migration and its state: applied, pending, changed, missing or failed."""
    from toolkit.app.status import StatusSettings
    from toolkit.app.status import status as run_status

    ctx = make_context(migrations_dir, config_file, env_name, database_url)
    result = run_status(StatusSettings(config=ctx.config, env_name=env_name, database_url=database_url))
    if fmt == "json":
        echo_json([s.as_json() for s in result.states])
        return
    if not result.states:
        click.echo(f"No migrations in {result.migrations_dir}")
        return
    width = max(len(s.name) for s in result.states)
    click.echo(f"{'MIGRATION':<{width}}  {'STATE':<8}  {'APPLIED AT':<19}  {'TIME':>8}  ROLLBACK")
    for s in result.states:
        at = s.applied_at.strftime("%Y-%m-%d %H:%M:%S") if s.applied_at else "-"
        ms = s.row.execution_ms if s.row and s.row.execution_ms is not None and s.state != "pending" else None
        state = style(f"{s.state:<8}", fg=_STATE_COLORS[s.state])
        click.echo(f"{s.name:<{width}}  {state}  {at:<19}  {fmt_ms(ms) if ms is not None else '-':>8}  "
                   f"{'yes' if s.has_rollback else 'no'}")
    click.echo(", ".join(f"{v} {k}" for k, v in result.counts().items()))
    for name, state, hint in result.hints:
        click.echo(f"\n{name}: {state}. {hint}")


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
    from toolkit.app.migrate import MigrateSettings, check_options
    from toolkit.app.migrate import migrate as run_migrate

    check_options(dry_run=dry_run, execute=dry_execute, skip_backup_check=skip_backup_check, reason=reason)
    ctx = make_context(migrations_dir, config_file, env_name, database_url)
    settings = MigrateSettings(config=ctx.config, env_name=env_name, database_url=database_url, dry_run=dry_run,
                               execute=dry_execute, allow_out_of_order=allow_out_of_order,
                               skip_backup_check=skip_backup_check, reason=reason)
    result = run_migrate(settings, confirm=confirm_callback(yes),
                         on_plan=_echo_plan(env_name) if fmt == "text" else None)
    if fmt == "json":
        echo_json(result.as_json())
    elif result.trial is not None:
        _echo_trial(result)
    elif result.dry_run:
        if result.planned:
            click.echo("\nDry run: nothing was changed.")
    elif result.applied:
        click.echo(f"Applied {len(result.applied)} migration(s) to {result.environment} in "
                   f"{fmt_ms(result.seconds * 1000)}")
    else:
        click.echo(f"Nothing to migrate on {result.environment}: the database is up to date")
    if result.trial is not None and result.trial.failed:
        raise ToolkitError(result.trial.error() or "trial run failed")


def _echo_plan(env_name: str):
    """A dry run's plan, shown as soon as it is known (before a confirmation and the trial)."""
    def echo(planned) -> None:
        if not planned:
            click.echo(f"Nothing to migrate on {env_name}: the database is up to date")
        for i, p in enumerate(planned, 1):
            click.echo(f"{i}. {p.name}  ({len(p.statements)} statement(s), {p.mode})")
            for st in p.statements:
                first = st.text.splitlines()[0]
                click.echo(f"     line {st.line}: {first[:100]}{' ...' if len(st.text) > len(first) else ''}")
    return echo


def _echo_trial(result) -> None:
    trial = result.trial
    click.echo("\nTrial run (in a transaction that was rolled back):")
    for n, k in trial.tried:
        click.echo(f"  {n}: ok ({k} statement(s))")
    for n, why in trial.not_tried:
        click.echo(f"  {n}: not tried: {why}")
    for n, e in trial.failed:
        click.echo(f"  {n}: FAILED: {e}")
    click.echo(f"\nProved: {len(trial.tried)} of {len(result.planned)} pending migration(s) apply, in this order, "
               "to the real schema and data (each after the ones before it that were tried).")
    if trial.not_tried:
        click.echo(f"Not proved: {len(trial.not_tried)} migration(s) not tried (listed above); a later "
                   "migration that depends on one of them may fail for real.")
    click.echo("Kept: no schema change, row or tracking row (all rolled back).")
    for seq in trial.sequences:
        click.echo(f"Not rolled back: {seq.note()}")


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
    from toolkit.app.rollback import RollbackSettings
    from toolkit.app.rollback import rollback as run_rollback

    ctx = make_context(migrations_dir, config_file, env_name, database_url)
    result = run_rollback(RollbackSettings(config=ctx.config, env_name=env_name, name=name, database_url=database_url,
                                           cascade=cascade, skip_irreversible=skip_irreversible),
                          confirm=confirm_callback(yes))
    if result.skipped:
        click.echo(f"Skipped (irreversible, only the tracking row removed, changes kept): "
                   f"{', '.join(result.skipped)}")
    click.echo(f"Rolled back {', '.join(result.rolled_back) or 'nothing'} on {result.environment}")


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
    from toolkit.app.mark import MarkSettings
    from toolkit.app.mark import mark as run_mark

    ctx = make_context(migrations_dir, config_file, env_name, database_url)
    result = run_mark(MarkSettings(config=ctx.config, env_name=env_name, name=name, as_state=as_state,
                                   database_url=database_url), confirm=confirm_callback(yes), progress=info)
    click.echo(f"Marked {result.name} as {result.as_state} on {result.environment}")


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
    from toolkit.app.rebaseline import RebaselineSettings, check_options
    from toolkit.app.rebaseline import rebaseline as run_rebaseline

    check_options(name=name, all_changed=all_changed)
    ctx = make_context(migrations_dir, config_file, env_name, database_url)
    result = run_rebaseline(RebaselineSettings(config=ctx.config, env_name=env_name, name=name,
                                               all_changed=all_changed, database_url=database_url),
                            confirm=confirm_callback(yes))
    if not result.rebaselined:
        click.echo("No changed migrations")
    for done in result.rebaselined:
        click.echo(f"Re-baselined {done}")
