"""The deploy pipeline's commands: deploy, health-check, rollback-deploy, local-deploy."""

from __future__ import annotations

import json
from collections.abc import Callable

import click

from toolkit.cli.common import confirm_callback, dir_option, env_options, format_option, make_context
from toolkit.console import info
from toolkit.errors import ToolkitError

# (option suffix, dest, type, help). The same knobs in `health-check` (--deadline) and in `deploy`
# (--health-deadline), so the action's inputs map one to one; defaults are HealthKnobs'.
_HEALTH_KNOBS: list[tuple[str, str, type, str]] = [
    ("expected-status", "expected_status", str, "Accepted status codes: 200, 200-299, 2xx, 200,204."),
    ("body-match", "body_match", str, "Regular expression the body must match."),
    ("deadline", "deadline", float, "Seconds for the whole check."),
    ("timeout", "timeout", float, "Seconds for one try."),
    ("interval", "interval", float, "Seconds between measurements."),
    ("initial-delay", "initial_delay", float, "Seconds before the first measurement."),
    ("retries", "retries", int,
     "Consecutive errors (timeout, refused) tolerated, retried with exponential backoff and jitter."),
    ("failure-limit", "failure_limit", int, "Wrong answers (bad status, body mismatch) tolerated."),
    ("successes", "successes", int, "Consecutive successes required to pass."),
    ("count", "count", int, "Maximum number of measurements (0: until the deadline)."),
]


def health_options(prefix: str) -> Callable:
    from toolkit.app.health_check import HealthKnobs

    defaults = HealthKnobs()

    def decorate(f: Callable) -> Callable:
        for suffix, dest, typ, help_ in reversed(_HEALTH_KNOBS):
            f = click.option(f"--{prefix}{suffix}", f"hc_{dest}", type=typ, default=getattr(defaults, dest),
                             show_default=True, help=help_)(f)
        f = click.option(f"--{prefix}sql", "hc_sql", metavar="QUERY",
                         help="SQL query that must return a true first value (uses the environment's database).")(f)
        f = click.option(f"--{prefix}url", "hc_urls", multiple=True, metavar="URL",
                         help="URL to GET (repeat, or separate by spaces/newlines).")(f)
        return f
    return decorate


def _health_spec(kwargs: dict):
    """The hc_* options (removed from kwargs) as a HealthSpec."""
    from toolkit.app.health_check import HealthKnobs

    return HealthKnobs(**{k[3:]: kwargs.pop(k) for k in list(kwargs) if k.startswith("hc_")}).spec()


# -- health-check ----------------------------------------------------------------------------------

@click.command("health-check")
@health_options("")
@click.option("--env", "env_name", metavar="ENV", help="Environment whose database --sql runs against.")
@click.option("--database-url", metavar="URL", help="Database for --sql (default: the environment's).")
@dir_option
@format_option("text", "json", "markdown")
def health_check(env_name: str | None, database_url: str | None, migrations_dir: str | None,
                 config_file: str | None, fmt: str, **kwargs) -> None:
    """Check that a service is healthy: HTTP(S) GETs and/or a SQL query, Argo Rollouts style.

    Each URL is measured every --interval seconds (after --initial-delay) until --successes
    consecutive successes (pass), more than --failure-limit wrong answers (fail), more than
    --retries consecutive errors such as timeouts or refused connections (fail), --count
    measurements, or the --deadline. Exits 0 when healthy, 1 when not.
    """
    from toolkit.app.health_check import HealthCheckSettings
    from toolkit.app.health_check import health_check as run_health_check
    from toolkit.health.report import measurement_line, render_markdown, render_text

    settings = HealthCheckSettings(health=_health_spec(kwargs), env_name=env_name, database_url=database_url,
                                   migrations_dir=migrations_dir, config_file=config_file)
    result = run_health_check(settings, None if fmt != "text" else lambda m: info(measurement_line(m)))
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2))
    elif fmt == "markdown":
        click.echo(render_markdown(result))
    else:
        click.echo(render_text(result))
    if not result.ok:
        raise ToolkitError(f"unhealthy: {result.reason}")


# -- deploy ----------------------------------------------------------------------------------------

_github_option = click.option("--github", type=click.Choice(["auto", "on", "off"]), default="auto",
                              show_default=True,
                              help="Report to GitHub (deployment, statuses, rollback dispatch); auto: inside Actions.")


@click.command()
@env_options
@health_options("health-")
@click.option("--auto-rollback/--no-auto-rollback", default=True, show_default=True,
              help="Dispatch the rollback workflow when health checks fail after migrating.")
@click.option("--rollback-workflow", default="rollback.yml", show_default=True, metavar="FILE",
              help="Workflow file to dispatch for the rollback.")
@click.option("--dry-run", is_flag=True, help="Show what would be applied; change nothing.")
@click.option("--allow-out-of-order", is_flag=True, help="Apply a pending migration older than the newest applied.")
@click.option("--yes", is_flag=True, help="Confirm a protected environment without a prompt.")
@_github_option
@click.option("--commit-status", is_flag=True, help="Also set the commit status migrate-action/<env>.")
@click.option("--ref", metavar="SHA", help="Commit the deployment is for (default: $GITHUB_SHA).")
@click.option("--scratch-url", metavar="URL", envvar="MIGRATE_ACTION_SCRATCH_URL",
              help="PostgreSQL server where the drift check (the environment's `drift` setting) builds its "
                   "throwaway database (default: $MIGRATE_ACTION_SCRATCH_URL, else an embedded throwaway cluster).")
@format_option("text", "json")
def deploy(env_name: str, database_url: str | None, migrations_dir: str | None, config_file: str | None,
           auto_rollback: bool, rollback_workflow: str, dry_run: bool, allow_out_of_order: bool, yes: bool,
           github: str, commit_status: bool, ref: str | None, scratch_url: str | None, fmt: str,
           **kwargs) -> None:
    """The whole job: deployment in progress, backup, verify, migrate, health checks, success.

    Any failure marks the deployment failed with the step that failed. When health checks fail after
    migrations were applied, the rollback workflow is dispatched once (see --auto-rollback).
    """
    from toolkit.app.deploy import DeploySettings
    from toolkit.app.deploy import deploy as run_deploy
    from toolkit.deploy.report import deploy_headline
    from toolkit.deploy.story import render_text

    spec = _health_spec(kwargs)
    ctx = make_context(migrations_dir, config_file, env_name, database_url)
    outcome = run_deploy(DeploySettings(config=ctx.config, env_name=env_name, database_url=database_url, health=spec,
                                        auto_rollback=auto_rollback, rollback_workflow=rollback_workflow,
                                        dry_run=dry_run, allow_out_of_order=allow_out_of_order, github=github,
                                        commit_status=commit_status, ref=ref, scratch_url=scratch_url),
                         confirm=confirm_callback(yes))
    if fmt == "json":
        click.echo(json.dumps(outcome.to_dict(), indent=2))
    else:
        click.echo(render_text(outcome.story, outcome=deploy_headline(outcome)))
    if not outcome.ok:
        raise ToolkitError(f"deploy to {outcome.environment} failed at {outcome.failed_step or 'deploy'}: "
                           f"{outcome.error}", hint=outcome.error_hint)


# -- rollback-deploy -------------------------------------------------------------------------------

@click.command("rollback-deploy")
@env_options
@click.option("--mode", type=click.Choice(["migrations", "restore"]), required=True,
              help="migrations: run rollback scripts, newest first. restore: restore the backup.")
@click.option("--migrations", "migration_list", metavar="LIST",
              help="Migrations to undo, newest first: comma-separated or a JSON list.")
@click.option("--backup-uri", metavar="S3_URI", help="Backup to restore (restore mode).")
@click.option("--reason", default="", help="Why (shown in the summary and on the deployment).")
@click.option("--deployment-id", type=int, help="GitHub deployment to mark with the outcome.")
@click.option("--yes", is_flag=True, help="Confirm a protected environment without a prompt.")
@_github_option
@format_option("text", "json")
def rollback_deploy(env_name: str, database_url: str | None, migrations_dir: str | None, config_file: str | None,
                    mode: str, migration_list: str | None, backup_uri: str | None, reason: str,
                    deployment_id: int | None, yes: bool, github: str, fmt: str) -> None:
    """Undo a deploy: rollback scripts newest first, or restore the backup taken before it."""
    from toolkit.app.rollback_deploy import RollbackDeploySettings
    from toolkit.app.rollback_deploy import rollback_deploy as run_rollback
    from toolkit.deploy.decide import parse_migration_list
    from toolkit.deploy.story import render_text

    ctx = make_context(migrations_dir, config_file, env_name, database_url)
    settings = RollbackDeploySettings(config=ctx.config, env_name=env_name, mode=mode, database_url=database_url,
                                      migrations=tuple(parse_migration_list(migration_list)),
                                      backup_uri=backup_uri, reason=reason, deployment_id=deployment_id,
                                      github=github)
    outcome = run_rollback(settings, confirm=confirm_callback(yes))
    if fmt == "json":
        click.echo(json.dumps(outcome.to_dict(), indent=2))
    else:
        click.echo(render_text(outcome.story, outcome="rolled back" if outcome.ok else "FAILED"))
    if not outcome.ok:
        raise ToolkitError(f"rollback of {outcome.environment} failed: {outcome.error}",
                           hint=(f"still applied: {', '.join(outcome.remaining)}; " if outcome.remaining else "")
                           + "see the rollback runbook in README.md")


# -- local-deploy ----------------------------------------------------------------------------------

@click.command("local-deploy")
@dir_option
@click.option("--keep", is_flag=True, help="Leave PostgreSQL, S3 and the health app running (prints how to reach them).")
@format_option("text", "json")
def local_deploy(migrations_dir: str | None, config_file: str | None, keep: bool, fmt: str) -> None:
    """The whole deploy job on this machine: a throwaway PostgreSQL, a local S3-compatible server and a
    local health endpoint, then backup, verify, migrate and health check of the migrations."""
    from toolkit.deploy.local import run_local_deploy

    outcome = run_local_deploy(migrations_dir=migrations_dir, config_file=config_file, keep=keep, fmt=fmt)
    if not outcome.ok:
        raise ToolkitError(f"local deploy failed at {outcome.failed_step}: {outcome.error}")
