"""The command line: a thin click layer over toolkit functions.

Subcommands live in one module per area and are imported only when run, so that `status`
never pays for boto3 or PyGithub.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import sys

import click

from toolkit import __version__
from toolkit.errors import ToolkitError

_WHOLE_PROCESS = False  # run() sets it: this process runs one command, then exits

# command name -> (module, attribute). Each module holds the commands of one area.
COMMANDS: dict[str, tuple[str, str]] = {
    # migrations (the runbook's commands first)
    "create": ("toolkit.cli.migrate_cmds", "create"),
    "status": ("toolkit.cli.migrate_cmds", "status"),
    "migrate": ("toolkit.cli.migrate_cmds", "migrate"),
    "rollback": ("toolkit.cli.migrate_cmds", "rollback"),
    "mark": ("toolkit.cli.migrate_cmds", "mark"),
    "rebaseline": ("toolkit.cli.migrate_cmds", "rebaseline"),
    # backups
    "backup": ("toolkit.cli.backup_cmds", "backup"),
    "verify-backup": ("toolkit.cli.backup_cmds", "verify_backup"),
    "list-backups": ("toolkit.cli.backup_cmds", "list_backups"),
    "restore": ("toolkit.cli.backup_cmds", "restore"),
    # pull-request plan
    "plan": ("toolkit.cli.plan_cmds", "plan"),
    "lint": ("toolkit.cli.plan_cmds", "lint"),
    "comment": ("toolkit.cli.plan_cmds", "comment"),
    # deploy pipeline
    "deploy": ("toolkit.cli.deploy_cmds", "deploy"),
    "health-check": ("toolkit.cli.deploy_cmds", "health_check"),
    "rollback-deploy": ("toolkit.cli.deploy_cmds", "rollback_deploy"),
    "local-deploy": ("toolkit.cli.deploy_cmds", "local_deploy"),
    # proofs on a throwaway copy: rehearsal, rollback round trips, drift
    "rehearse": ("toolkit.cli.rehearse_cmds", "rehearse"),
    "verify-rollbacks": ("toolkit.cli.proof_cmds", "verify_rollbacks"),
    "drift": ("toolkit.cli.proof_cmds", "drift"),
}


def _available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, (mod, _) in COMMANDS.items() if _available(mod)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None or not _available(target[0]):
            return None
        command = getattr(importlib.import_module(target[0]), target[1])
        if _WHOLE_PROCESS:
            gc.freeze()  # what the imports built lives until exit: no collector pass walks it again
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Keep the runbook order rather than click's alphabetical one.
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(limit=90)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ToolkitError as exc:
            report_error(exc)
            sys.exit(exc.exit_code)
        except Exception as exc:
            # A database error nobody anticipated still gets one line, not a traceback.
            if type(exc).__module__.startswith("psycopg"):
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                report_error(ToolkitError(f"database error: {first}"))
                sys.exit(1)
            raise


def report_error(exc: ToolkitError) -> None:
    from toolkit.console import style

    click.echo(style("error: ", fg="red", bold=True) + exc.message, err=True)
    if exc.hint:
        click.echo(f"  hint: {exc.hint}", err=True)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="migrate-action")
def main() -> None:
    """Safe PostgreSQL schema migrations: plan, back up, migrate, verify, roll back.

    Migrations are SQL files named YYYYMMDD_HHMMSS_name.sql with a sibling
    YYYYMMDD_HHMMSS_name_rollback.sql. The database of environment E comes from
    DATABASE_URL_<E> (e.g. DATABASE_URL_PRODUCTION), else DATABASE_URL.

    \b
    Typical use:
      migration_manager.py create   --name add_user_preferences
      migration_manager.py status   --env dev
      migration_manager.py migrate  --env dev --dry-run
      migration_manager.py migrate  --env production
      migration_manager.py rollback --name 20241227_120000_add_user_preferences --env dev
    """


def run() -> None:
    """The program's entry (console scripts, `python -m toolkit`, scripts/migration_manager.py).

    A command is a short-lived process that builds many objects and frees few: the cyclic
    collector's default (a pass every 700 allocations, each walking every object still alive) was
    a quarter of `lint`'s time on 342 files. Here it passes every 50,000 allocations, as mypy does
    for the same reason, and the objects the imports built are frozen out of its passes. Only for
    a whole process: `main` called in-process (tests, embedding) keeps the interpreter's settings.
    """
    global _WHOLE_PROCESS
    _WHOLE_PROCESS = True
    gc.set_threshold(50_000, 20, 100)
    main()
