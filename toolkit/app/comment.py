"""Use case: post an environment's plan on a pull request, or edit the comment posted before (`comment`).

comment(settings) -> CommentResult.

I/O: reads the GitHub Actions context ($GITHUB_REPOSITORY, the event at $GITHUB_EVENT_PATH) for what
the settings leave out; builds the plan as `plan` does (database or git); creates or edits one
comment through the GitHub API; appends the plan to $GITHUB_STEP_SUMMARY when asked and it is set.
"""

from __future__ import annotations

import os
from pathlib import Path

import msgspec

from toolkit.config import Config
from toolkit.errors import UsageError
from toolkit.plan.model import Plan


class CommentTarget(msgspec.Struct, frozen=True):
    repo: str  # owner/name
    pr_number: int


class CommentSettings(msgspec.Struct, frozen=True):
    config: Config
    env_name: str
    target: CommentTarget
    database_url: str | None = None  # as for PlanSettings
    base_ref: str | None = None
    fail_on: str | None = None
    summary: bool = True
    proofs: Path | None = None  # as for PlanSettings
    # A rehearsal's comment section (Markdown, escaped by toolkit.rehearse.render.markdown_section),
    # inserted after the static findings; the rehearse workflow names it on the comment step.
    rehearsal_file: str | None = msgspec.field(default_factory=lambda: os.environ.get("MIGRATE_ACTION_REHEARSAL_FILE"))


class CommentResult(msgspec.Struct, frozen=True):
    plan: Plan
    environment: str
    repo: str
    pr_number: int
    created: bool  # False: the comment posted before was edited
    url: str
    exit_code: int  # as for PlanResult


def comment_target(repo: str | None = None, pr_number: int | None = None) -> CommentTarget:
    """The pull request: what is given, else the Actions context's; a one-line UsageError without one."""
    from toolkit.github.context import load_context

    gh_ctx = load_context()
    repo = repo or gh_ctx.repository
    pr_number = pr_number or gh_ctx.pr_number
    if not repo:
        raise UsageError("no repository: pass --repo OWNER/NAME or set GITHUB_REPOSITORY")
    if not pr_number:
        raise UsageError("no pull request: pass --pr N, or run on a pull_request event")
    return CommentTarget(repo, pr_number)


def rehearsal_sections(path: str | None) -> tuple[str, ...]:
    """The rehearsal section for the comment when `path` names an existing file, else none."""
    if not path or not os.path.isfile(path):
        return ()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"MIGRATE_ACTION_REHEARSAL_FILE {path}: cannot read it ({exc})".splitlines()[0]) from None
    return (text,) if text.strip() else ()


def comment(settings: CommentSettings) -> CommentResult:
    """One comment per environment and pull request: created the first time, edited after."""
    from toolkit.app.plan import append_plan_summary, plan_for_environment, resolve_database_url
    from toolkit.github.comments import plan_marker, upsert_comment
    from toolkit.plan.environment import exit_code
    from toolkit.report.markdown import render

    config, target = settings.config, settings.target
    env = config.environment(settings.env_name)
    sections = rehearsal_sections(settings.rehearsal_file)
    result = plan_for_environment(config, env, resolve_database_url(env, settings.database_url), settings.base_ref,
                                  settings.proofs)
    marker = plan_marker(env.name)
    res = upsert_comment(target.repo, target.pr_number, marker, render(result, marker=marker, sections=sections))
    append_plan_summary(result, settings.summary)
    return CommentResult(plan=result, environment=env.name, repo=target.repo, pr_number=target.pr_number,
                         created=res.created, url=res.url,
                         exit_code=exit_code(result, settings.fail_on or config.lint.fail_on))
