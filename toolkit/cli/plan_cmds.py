"""The pull-request commands: plan, lint, comment.

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage errors or SQL that does not parse
(the report is still printed in full first).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from toolkit.cli.common import dir_option, env_options, make_context
from toolkit.errors import UsageError
from toolkit.plan.environment import FAIL_ON_LEVELS, check_lint_settings, exit_code, rule_options

FAIL_ON = click.Choice(list(FAIL_ON_LEVELS))
FORMATS = click.Choice(["text", "markdown", "json", "github"])


def _fail_on_option(f):
    return click.option("--fail-on", type=FAIL_ON, default=None,
                        help="Exit 1 when a finding is at or above this severity "
                             "(default: [lint] fail_on in the config, else error).")(f)


def build_env_plan(ctx, base_ref: str | None):
    """The plan for the command's environment (see toolkit.plan.environment)."""
    from toolkit.plan.environment import plan_for_environment

    try:
        url = ctx.database_url
    except UsageError:
        url = None
    return plan_for_environment(ctx.config, ctx.env, url, base_ref)


def _summary(plan, enabled: bool) -> None:
    if not enabled or not os.environ.get("GITHUB_STEP_SUMMARY"):
        return
    from toolkit.github.context import append_summary
    from toolkit.report.markdown import render

    append_summary(render(plan))


@click.command()
@env_options
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True, help="Output format.")
@click.option("--base-ref", metavar="REF",
              help="Without a database: plan the migrations added or changed since REF "
                   "(default in a pull request: origin/$GITHUB_BASE_REF).")
@_fail_on_option
@click.option("--summary/--no-summary", default=True, show_default=True,
              help="Also append the markdown plan to $GITHUB_STEP_SUMMARY when it is set.")
def plan(env_name: str, database_url: str | None, migrations_dir: str | None, config_file: str | None,
         fmt: str, base_ref: str | None, fail_on: str | None, summary: bool) -> None:
    """Show what would run on ENV: each statement's locks, findings and rollback coverage."""
    from toolkit.report import render

    ctx = make_context(migrations_dir, config_file, env_name, database_url)
    result = build_env_plan(ctx, base_ref)
    from toolkit.github.comments import plan_marker

    click.echo(render(result, fmt, marker=plan_marker(env_name) if fmt == "markdown" else None), nl=False)
    _summary(result, summary)
    sys.exit(exit_code(result, fail_on or ctx.config.lint.fail_on))


def _lint_targets(paths: tuple[str, ...], default_dir: Path):
    """(pending, history) per directory: files named or found, and the earlier siblings before them."""
    from toolkit.migrations.files import ROLLBACK_SUFFIX
    from toolkit.plan.model import PendingMigration
    from toolkit.plan.sources import display_path

    chosen: dict[Path, set[Path]] = {}
    for p in [Path(x) for x in paths] or [default_dir]:
        if p.is_dir():
            chosen.setdefault(p.resolve(), set()).update(
                q.resolve() for q in p.glob("*.sql") if not q.name.endswith(ROLLBACK_SUFFIX))
        elif p.is_file():
            chosen.setdefault(p.parent.resolve(), set()).add(p.resolve())
        else:
            raise UsageError(f"no such file or directory: {p}")
    groups = []
    for directory, files in sorted(chosen.items()):
        siblings = sorted(q.resolve() for q in directory.glob("*.sql") if not q.name.endswith(ROLLBACK_SUFFIX))
        first = min(files) if files else None
        history = [(str(q), _read(q)) for q in siblings if first is not None and q < first and q not in files]
        pending = []
        for f in sorted(files):
            rb = f.with_name(f.name[:-4] + ROLLBACK_SUFFIX)
            is_rollback = f.name.endswith(ROLLBACK_SUFFIX)
            pending.append(PendingMigration(
                f.name[:-4], display_path(f), _read(f),
                display_path(rb) if rb.is_file() and not is_rollback else None,
                _read(rb) if rb.is_file() and not is_rollback else None))
        groups.append((pending, history))
    return groups


def _read(path: Path) -> str:
    from toolkit.migrations.files import normalize

    try:
        return normalize(path.read_bytes()).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


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
        _print_rules()
        return
    from toolkit.plan.build import build_plan
    from toolkit.plan.model import Plan
    from toolkit.report import render

    ctx = make_context(migrations_dir, config_file)
    config = ctx.config
    check_lint_settings(config)
    migrations, extra = [], []
    for pending, history in _lint_targets(paths, config.migrations_dir):
        # Files are linted as each would run on a database that has the earlier ones (tables exist).
        part = build_plan(pending, environment=None, source="files", history=history, settings=config.lint,
                          options=rule_options(config), check_rollback=not no_rollback_check,
                          carry_new_tables=False)
        migrations += part.migrations
        extra += part.extra_findings
    result = Plan(None, "files", tuple(migrations), {}, tuple(extra))
    click.echo(render(result, fmt), nl=False)
    sys.exit(exit_code(result, fail_on or config.lint.fail_on))


def _print_rules() -> None:
    from toolkit.plan.build import EDITED
    from toolkit.sql.lint import SYNTAX_RULE
    from toolkit.sql.rollback_coverage import RULES
    from toolkit.sql.rules import all_rules

    rules = [r.rule for r in all_rules()] + list(RULES) + [SYNTAX_RULE, EDITED]
    for r in sorted(rules, key=lambda r: r.id):
        click.echo(f"{r.id:<36} {r.severity:<8} {r.summary}")


@click.command()
@env_options
@click.option("--base-ref", metavar="REF", help="As for `plan`.")
@click.option("--repo", metavar="OWNER/NAME", help="Repository (default: $GITHUB_REPOSITORY).")
@click.option("--pr", "pr_number", type=int, metavar="N",
              help="Pull request number (default: from the event at $GITHUB_EVENT_PATH).")
@_fail_on_option
@click.option("--summary/--no-summary", default=True, show_default=True,
              help="Also append the plan to $GITHUB_STEP_SUMMARY when it is set.")
def comment(env_name: str, database_url: str | None, migrations_dir: str | None, config_file: str | None,
            base_ref: str | None, repo: str | None, pr_number: int | None, fail_on: str | None,
            summary: bool) -> None:
    """Post the plan for ENV on the pull request, or update the comment posted before."""
    from toolkit.github.comments import plan_marker, upsert_comment
    from toolkit.github.context import load_context
    from toolkit.report.markdown import render

    gh_ctx = load_context()
    repo = repo or gh_ctx.repository
    pr_number = pr_number or gh_ctx.pr_number
    if not repo:
        raise UsageError("no repository: pass --repo OWNER/NAME or set GITHUB_REPOSITORY")
    if not pr_number:
        raise UsageError("no pull request: pass --pr N, or run on a pull_request event")
    ctx = make_context(migrations_dir, config_file, env_name, database_url)
    result = build_env_plan(ctx, base_ref)
    marker = plan_marker(env_name)
    res = upsert_comment(repo, pr_number, marker, render(result, marker=marker))
    click.echo(f"{'Posted' if res.created else 'Updated'} the {env_name} plan on {repo}#{pr_number}: {res.url}")
    _summary(result, summary)
    sys.exit(exit_code(result, fail_on or ctx.config.lint.fail_on))
