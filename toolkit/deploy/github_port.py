"""Where a deploy reports to: GitHub (deployments, commit status, rollback dispatch) or nowhere.

The pipeline talks to this small interface so that a local deploy runs the very same code with
`NoGitHub`, and a GitHub failure while *reporting* never hides the deploy's own outcome.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from toolkit.console import warn
from toolkit.errors import ToolkitError


class GitHubTarget(msgspec.Struct, frozen=True):
    repo: str  # owner/name
    sha: str  # the commit deployed
    dispatch_ref: str | None  # branch/tag the rollback workflow is dispatched on
    run_url: str | None  # log_url / target_url
    commit_status: bool = False
    environment_url: str | None = None


class NoGitHub:
    """Outside Actions: nothing to report to."""

    enabled = False
    target: GitHubTarget | None = None

    def create_deployment(self, environment: str, description: str, payload: Mapping) -> int | None:
        return None

    def set_state(self, deployment_id: int | None, environment: str, state: str, description: str) -> None:
        return None

    def dispatch(self, workflow: str, inputs: Mapping[str, str], deploy_id: str) -> None:
        raise ToolkitError("no GitHub repository to dispatch the rollback workflow on (not in GitHub Actions)")


class GitHubReporter:
    enabled = True

    def __init__(self, target: GitHubTarget) -> None:
        from toolkit.github.client import github_client

        self.target = target
        self.gh = github_client()

    def create_deployment(self, environment: str, description: str, payload: Mapping) -> int | None:
        from toolkit.github import deployments

        info = deployments.create_deployment(
            self.target.repo, ref=self.target.sha, environment=environment,
            description=deployments.truncate_description(description), payload=dict(payload),
            production=environment == "production", gh=self.gh)
        return info.id

    def set_state(self, deployment_id: int | None, environment: str, state: str, description: str) -> None:
        """Deployment status (and commit status when asked). A failure to report is a warning: the
        outcome of the deploy itself is already decided and is what the job's exit code says."""
        from toolkit.github import deployments

        text = deployments.truncate_description(description)
        try:
            if deployment_id is not None:
                deployments.set_deployment_status(self.target.repo, deployment_id, state, description=text,
                                                  log_url=self.target.run_url,
                                                  environment_url=self.target.environment_url, gh=self.gh)
            if self.target.commit_status:
                commit_state = {"in_progress": "pending", "queued": "pending", "inactive": "success"}.get(state, state)
                deployments.set_commit_status(self.target.repo, self.target.sha, commit_state,
                                              context=f"migrate-action/{environment}", description=text,
                                              target_url=self.target.run_url, gh=self.gh)
        except ToolkitError as exc:
            if state == "in_progress":
                raise
            warn(f"could not record '{state}' on GitHub: {exc.message}")

    def dispatch(self, workflow: str, inputs: Mapping[str, str], deploy_id: str) -> None:
        from toolkit.github.dispatch import dispatch_workflow

        if not self.target.dispatch_ref:
            raise ToolkitError("no branch to dispatch the rollback workflow on",
                               hint="run the deploy from a branch or tag (push / workflow_dispatch)")
        dispatch_workflow(self.target.repo, workflow, self.target.dispatch_ref, inputs, deploy_id=deploy_id,
                          gh=self.gh)
