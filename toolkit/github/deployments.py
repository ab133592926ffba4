"""GitHub deployments, their statuses, and commit statuses.

A deployment is created with auto_merge=False and required_contexts=[]: it must neither merge the
default branch into the ref nor wait for (or fail on) the repository's status checks, so it works on
any repository. Statuses carry `log_url` (the run's page) so "View deployment" leads to the logs.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from toolkit.errors import ToolkitError
from toolkit.github.client import api_errors, github_client, split_repo

if TYPE_CHECKING:
    from github import Github

DESCRIPTION_LIMIT = 140  # GitHub's limit for deployment and commit status descriptions
DEPLOYMENT_STATES = ("queued", "pending", "in_progress", "success", "failure", "error", "inactive")
COMMIT_STATES = ("pending", "success", "failure", "error")
PERMISSION = "deployments: write"
STATUS_PERMISSION = "statuses: write"


class DeploymentInfo(msgspec.Struct, frozen=True):
    id: int
    url: str
    environment: str
    ref: str
    sha: str


class StatusInfo(msgspec.Struct, frozen=True):
    id: int
    state: str
    description: str
    log_url: str | None


def truncate_description(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """One line, at most `limit` characters, cut on a word boundary when one is near, with an ellipsis."""
    text = " ".join(str(text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:.") + "…"


def create_deployment(repo: str, *, ref: str, environment: str, description: str = "",
                      payload: Mapping[str, Any] | None = None, task: str = "deploy", transient: bool = False,
                      production: bool | None = None, gh: Github | None = None) -> DeploymentInfo:
    split_repo(repo)
    if not ref or not environment:
        raise ToolkitError("a deployment needs a ref and an environment", exit_code=2)
    gh = gh or github_client()
    extra: dict[str, Any] = {}
    if production is not None:
        extra["production_environment"] = production
    with api_errors(f"create a deployment of {ref} to {environment}", permission=PERMISSION, repo=repo):
        deployment = gh.get_repo(repo).create_deployment(
            ref=ref,
            task=task,
            auto_merge=False,
            required_contexts=[],
            payload=dict(payload or {}),
            environment=environment,
            description=truncate_description(description),
            transient_environment=transient,
            **extra,
        )
    if not deployment.id:  # a 202 "Auto-merged ..." answer creates nothing; auto_merge=False avoids it
        raise ToolkitError(f"GitHub created no deployment of {ref} to {environment} on {repo}")
    return DeploymentInfo(id=deployment.id, url=deployment.url, environment=deployment.environment,
                          ref=deployment.ref, sha=deployment.sha)


def set_deployment_status(repo: str, deployment_id: int, state: str, *, description: str = "",
                          log_url: str | None = None, environment_url: str | None = None,
                          auto_inactive: bool | None = None, gh: Github | None = None) -> StatusInfo:
    owner, name = split_repo(repo)
    if state not in DEPLOYMENT_STATES:
        raise ToolkitError(f"unknown deployment state {state!r} (one of: {', '.join(DEPLOYMENT_STATES)})",
                           exit_code=2)
    body: dict[str, Any] = {"state": state, "description": truncate_description(description)}
    if log_url:
        body["log_url"] = log_url  # GitHub copies it to target_url
    if environment_url:
        body["environment_url"] = environment_url
    if auto_inactive is not None:
        body["auto_inactive"] = auto_inactive
    gh = gh or github_client()
    # PyGithub's Deployment.create_status has no log_url, so this one call goes through its requester.
    url = f"/repos/{owner}/{name}/deployments/{int(deployment_id)}/statuses"
    with api_errors(f"set deployment {deployment_id} to {state}", permission=PERMISSION, repo=repo):
        _, data = gh.requester.requestJsonAndCheck("POST", url, input=body)
    return StatusInfo(id=data["id"], state=data["state"], description=data.get("description") or "",
                      log_url=data.get("log_url") or data.get("target_url") or None)


def set_commit_status(repo: str, sha: str, state: str, *, context: str, description: str = "",
                      target_url: str | None = None, gh: Github | None = None) -> None:
    owner, name = split_repo(repo)
    if state not in COMMIT_STATES:
        raise ToolkitError(f"unknown commit status state {state!r} (one of: {', '.join(COMMIT_STATES)})",
                           exit_code=2)
    if not sha:
        raise ToolkitError("a commit status needs the commit's sha", exit_code=2)
    body: dict[str, Any] = {"state": state, "context": context,
                            "description": truncate_description(description)}
    if target_url:
        body["target_url"] = target_url
    gh = gh or github_client()
    url = f"/repos/{owner}/{name}/statuses/{urllib.parse.quote(sha, safe='')}"
    with api_errors(f"set the commit status {context!r} on {sha[:12]}", permission=STATUS_PERMISSION,
                    repo=repo):
        gh.requester.requestJsonAndCheck("POST", url, input=body)
