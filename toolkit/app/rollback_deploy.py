"""Use case: undo a deploy (`rollback-deploy`, the action's `rollback` command, the dispatched workflow).

rollback_deploy(settings, confirm, progress) -> RollbackOutcome (toolkit.deploy.rollback, the
service: rollback scripts newest first, or a restore of the backup taken before the deploy).

I/O: the environment's database (rollback scripts, or a restore from S3); the GitHub API to mark the
deployment when a deployment id is given; then the step outputs, the job summary and the annotations
(no-ops outside Actions). Every input is checked, and a protected environment confirmed through
`confirm`, before anything is touched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import msgspec

from toolkit.app.deploy import Confirm, GitHubMode, github_reporter, refuse
from toolkit.config import Config
from toolkit.console import info
from toolkit.deploy.rollback import RollbackOutcome


class RollbackDeploySettings(msgspec.Struct, frozen=True):
    config: Config
    env_name: str
    mode: Literal["migrations", "restore"]
    database_url: str | None = None  # override; else DATABASE_URL_<ENV>, then DATABASE_URL
    migrations: tuple[str, ...] = ()  # to undo, newest first (migrations mode)
    backup_uri: str | None = None  # s3://bucket/key (restore mode)
    reason: str = ""
    deployment_id: int | None = None  # the GitHub deployment to mark with the outcome
    github: GitHubMode = "auto"  # used only with a deployment_id
    publish: bool = True  # step outputs, job summary, annotations


def rollback_deploy(settings: RollbackDeploySettings, confirm: Confirm = refuse,
                    progress: Callable[[str], None] = info) -> RollbackOutcome:
    """The outcome is returned, failed or not (outcome.ok); bad input raises before anything is touched."""
    from toolkit.deploy.report import publish_rollback
    from toolkit.deploy.rollback import RollbackRequest
    from toolkit.deploy.rollback import rollback_deploy as run_rollback

    config = settings.config
    env = config.environment(settings.env_name)
    request = RollbackRequest(config=config, env_name=env.name, database_url=env.database_url(settings.database_url),
                              mode=settings.mode, migrations=settings.migrations, backup_uri=settings.backup_uri,
                              reason=settings.reason.strip(), deployment_id=settings.deployment_id)
    request.check()
    if env.confirm:
        confirm(env.name, f"roll back ({settings.mode})")
    reporter = github_reporter(settings.github) if settings.deployment_id else None
    outcome = run_rollback(request, reporter, progress=progress)
    if settings.publish:
        publish_rollback(outcome, settings.deployment_id)
    return outcome
