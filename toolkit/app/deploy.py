"""Use case: the whole deploy job of one environment (`deploy`, the action's `deploy` command).

deploy(settings, confirm, progress) -> DeployOutcome (toolkit.deploy.pipeline, the service, does the
steps: deployment in progress, backup, verify, migrate, health checks, success or failure).
github_reporter(...) is the GitHub side both deploy and rollback-deploy use.

I/O: the environment's database (read, then migrated), S3 (backup and its verification), the health
check URLs and query, the GitHub API (deployment, statuses, the rollback dispatch) when reporting is
on; then the step outputs, the job summary and the annotations (no-ops outside Actions) and the plan
as a Markdown file under $RUNNER_TEMP. A protected environment is confirmed through `confirm` first.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Literal

import msgspec

from toolkit.config import Config
from toolkit.console import info
from toolkit.deploy.github_port import GitHubReporter, NoGitHub
from toolkit.deploy.pipeline import DeployOutcome, HealthSpec
from toolkit.errors import ToolkitError, UsageError

GitHubMode = Literal["auto", "on", "off"]
# confirm(environment, what) returns to go on, raises ToolkitError to refuse
Confirm = Callable[[str, str], None]


def refuse(env_name: str, action: str) -> None:
    """The confirmation when the caller gives none: a protected environment is refused."""
    raise ToolkitError(f"refusing to {action} on '{env_name}' without confirmation", exit_code=2,
                       hint="pass --yes to confirm non-interactively (in GitHub Actions, protect the environment instead)")


class DeploySettings(msgspec.Struct, frozen=True):
    config: Config
    env_name: str
    database_url: str | None = None  # override; else DATABASE_URL_<ENV>, then DATABASE_URL
    health: HealthSpec = msgspec.field(default_factory=HealthSpec)
    auto_rollback: bool = True
    rollback_workflow: str = "rollback.yml"
    dry_run: bool = False
    allow_out_of_order: bool = False
    github: GitHubMode = "auto"  # auto: report inside Actions with a repository and a token
    commit_status: bool = False  # also set the commit status migrate-action/<env>
    ref: str | None = None  # commit of the deployment (default: $GITHUB_SHA)
    publish: bool = True  # step outputs, job summary, annotations, plan file
    # Where the drift check (environment `drift` setting) builds its throwaway database; None: an
    # embedded throwaway cluster on this machine.
    scratch_url: str | None = None


def github_reporter(mode: GitHubMode, commit_status: bool = False, ref: str | None = None) -> GitHubReporter | NoGitHub:
    """GitHub when asked, or by default inside Actions with a repository and a token. Reads the
    Actions context from the environment; raises a UsageError when `on` lacks what it needs."""
    from toolkit.deploy.decide import dispatch_ref
    from toolkit.deploy.github_port import GitHubTarget
    from toolkit.github.context import load_context

    ctx = load_context()
    has_token = bool(os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN"))
    if mode == "off" or (mode == "auto" and not (ctx.in_actions and ctx.repository and has_token)):
        return NoGitHub()
    if not ctx.repository:
        raise UsageError("--github on needs GITHUB_REPOSITORY (owner/name)")
    sha = ref or os.environ.get("GITHUB_SHA") or ctx.sha
    if not sha:
        raise UsageError("no commit to deploy: set GITHUB_SHA or pass --ref")
    return GitHubReporter(GitHubTarget(repo=ctx.repository, sha=sha,
                                       dispatch_ref=dispatch_ref(ctx.ref, ctx.default_branch),
                                       run_url=ctx.run_url, commit_status=commit_status))


def _drift_check(settings: DeploySettings, database_url: str, progress: Callable[[str], None]
                 ) -> Callable[[], str] | None:
    """The environment's drift gate for the pipeline: None when its `drift` setting is "ignore"."""
    mode = settings.config.environment(settings.env_name).drift
    if mode == "ignore":
        return None

    def check() -> str:
        from toolkit.app.drift import check_before_deploy

        return check_before_deploy(settings.config, settings.env_name, database_url, mode,
                                   scratch_url=settings.scratch_url, progress=progress).message

    return check


def deploy(settings: DeploySettings, confirm: Confirm = refuse,
           progress: Callable[[str], None] = info) -> DeployOutcome:
    """The outcome is returned, failed or not (outcome.ok); only bad input before anything started raises."""
    from toolkit.deploy.pipeline import DeployRequest
    from toolkit.deploy.pipeline import deploy as run_deploy
    from toolkit.deploy.report import publish_deploy

    config = settings.config
    env = config.environment(settings.env_name)
    if env.confirm and not settings.dry_run:
        confirm(env.name, "deploy migrations")
    database_url = env.database_url(settings.database_url)
    request = DeployRequest(config=config, env_name=env.name, database_url=database_url,
                            health=settings.health, auto_rollback=settings.auto_rollback,
                            rollback_workflow=settings.rollback_workflow, dry_run=settings.dry_run,
                            allow_out_of_order=settings.allow_out_of_order,
                            drift_check=_drift_check(settings, database_url, progress))
    outcome = run_deploy(request, github_reporter(settings.github, settings.commit_status, settings.ref),
                         progress=progress)
    if settings.publish:
        publish_deploy(outcome)
    return outcome
