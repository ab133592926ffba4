"""The pull-request commands: plan, lint, comment (adapters over toolkit.app.plan, .lint, .comment).

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage errors or SQL that does not parse
(the report is still printed in full first).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from toolkit.cli.common import dir_option, env_options, make_context
from toolkit.plan.environment import FAIL_ON_LEVELS

FAIL_ON = click.Choice(list(FAIL_ON_LEVELS))
FORMATS = click.Choice(["text", "markdown", "json", "github"])


def _fail_on_option(f):
    return click.option("--fail-on", type=FAIL_ON, default=None,
                        help="Exit 1 when a finding is at or above this severity "
                             "(default: [lint] fail_on in the config, else error).")(f)


def _proofs_option(f):
    return click.option("--proofs", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
                        help="Output of `verify-rollbacks --format json`: the Rollback column says whether "
                             "each rollback was proved on a throwaway database.")(f)


@click.command()
@env_options
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True, help="Output format.")
@click.option("--base-ref", metavar="REF",
              help="Without a database: plan the migrations added or changed since REF "
                   "(default in a pull request: origin/$GITHUB_BASE_REF).")
@_fail_on_option
@click.option("--summary/--no-summary", default=True, show_default=True,
              help="Also append the markdown plan to $GITHUB_STEP_SUMMARY when it is set.")
@_proofs_option
def plan(env_name: str, database_url: str | None, migrations_dir: str | None, config_file: str | None,
         fmt: str, base_ref: str | None, fail_on: str | None, summary: bool, proofs: Path | None) -> None:
    """Show what would run on ENV: each statement's locks, findings and rollback coverage."""
    from toolkit.app.plan import PlanSettings
    from toolkit.app.plan import plan as run_plan

    ctx = make_context(migrations_dir, config_file, env_name, database_url)
    result = run_plan(PlanSettings(config=ctx.config, env_name=env_name, database_url=database_url,
                                   base_ref=base_ref, fail_on=fail_on, summary=summary, proofs=proofs))
    _echo_report(result.plan, fmt, marker=result.marker if fmt == "markdown" else None)
    sys.exit(result.exit_code)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@dir_option
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True, help="Output format.")
@_fail_on_option
@click.option("--no-rollback-check", is_flag=True, help="Skip rollback coverage (rollback-* rules).")
@click.option("--list-rules", is_flag=True, help="List the rules with their severity and exit.")
def lint(paths: tuple[str, ...], migrations_dir: str | None, config_file: str | None, fmt: str,
         fail_on: str | None, no_rollback_check: bool, list_rules: bool) -> None:
    """Lint migration files (default: every migration in the migrations folder)."""
    if list_rules:
        from toolkit.app.lint import rules

        for r in rules():
            click.echo(f"{r.id:<36} {r.severity:<8} {r.summary}")
        return
    from toolkit.app.lint import LintRequest
    from toolkit.app.lint import lint as run_lint

    ctx = make_context(migrations_dir, config_file)
    result = run_lint(LintRequest(config=ctx.config, paths=tuple(Path(p) for p in paths),
                                  check_rollback=not no_rollback_check, fail_on=fail_on))
    _echo_report(result.plan, fmt)
    sys.exit(result.exit_code)


@click.command()
@env_options
@click.option("--base-ref", metavar="REF", help="As for `plan`.")
@click.option("--repo", metavar="OWNER/NAME", help="Repository (default: $GITHUB_REPOSITORY).")
@click.option("--pr", "pr_number", type=int, metavar="N",
              help="Pull request number (default: from the event at $GITHUB_EVENT_PATH).")
@_fail_on_option
@click.option("--summary/--no-summary", default=True, show_default=True,
              help="Also append the plan to $GITHUB_STEP_SUMMARY when it is set.")
@_proofs_option
def comment(env_name: str, database_url: str | None, migrations_dir: str | None, config_file: str | None,
            base_ref: str | None, repo: str | None, pr_number: int | None, fail_on: str | None,
            summary: bool, proofs: Path | None) -> None:
    """Post the plan for ENV on the pull request, or update the comment posted before."""
    from toolkit.app.comment import CommentSettings, comment_target
    from toolkit.app.comment import comment as run_comment

    target = comment_target(repo, pr_number)
    ctx = make_context(migrations_dir, config_file, env_name, database_url)
    res = run_comment(CommentSettings(config=ctx.config, env_name=env_name, target=target,
                                      database_url=database_url, base_ref=base_ref, fail_on=fail_on,
                                      summary=summary, proofs=proofs))
    click.echo(f"{'Posted' if res.created else 'Updated'} the {env_name} plan on {res.repo}#{res.pr_number}: "
               f"{res.url}")
    sys.exit(res.exit_code)


def _echo_report(plan, fmt: str, marker: str | None = None) -> None:
    """Print the report; JSON a chunk at a time, so a huge file's report is never held whole."""
    if fmt == "json":
        from toolkit.report.json_report import chunks

        for part in chunks(plan):
            click.echo(part, nl=False)
        return
    from toolkit.report import render

    click.echo(render(plan, fmt, marker=marker), nl=False)
