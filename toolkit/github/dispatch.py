"""Start a workflow (the rollback) with workflow_dispatch, at most once per deploy.

The once-only guard is a marker file, created with O_CREAT|O_EXCL *before* the API call, in
RUNNER_TEMP (the job's scratch directory; outside Actions: MIGRATE_ACTION_STATE_DIR or the system
temp directory), named after (repository, workflow, deploy id). Why this and not a look-up on GitHub:
- it is atomic: two processes or two steps of the job racing to dispatch cannot both create it;
- it needs no extra permission or request, and cannot be fooled by GitHub's eventual consistency
  (a freshly dispatched run is not listed at once, so "is there a run already?" races);
- it makes the dispatch at-most-once even if the process dies mid-request: the marker is left in
  place unless GitHub answered with a 4xx (then nothing was started and a retry is allowed).
A deploy id is one deploy attempt (the deploy creates a new GitHub deployment each run, and a job
re-run gets a fresh runner and a new deployment), so RUNNER_TEMP's lifetime (the job) is the scope
that matters: every step that could react to the failed health check runs in that job.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from github import GithubException

from toolkit.errors import ToolkitError
from toolkit.github.client import api_errors, github_client, split_repo

if TYPE_CHECKING:
    from github import Github

# GitHub Enterprise Server allows 10 workflow_dispatch inputs (github.com: 25); stay portable.
MAX_INPUTS = 10
PERMISSION = "actions: write"


class AlreadyDispatched(ToolkitError):
    """A second dispatch for the same deploy id was refused."""


def state_dir() -> Path:
    base = os.environ.get("RUNNER_TEMP") or os.environ.get("MIGRATE_ACTION_STATE_DIR") or tempfile.gettempdir()
    return Path(base) / "migrate-action-dispatch"


def marker_path(repo: str, workflow_file: str, deploy_id: str) -> Path:
    key = hashlib.sha256(f"{repo}\0{workflow_file}\0{deploy_id}".encode()).hexdigest()[:24]
    return state_dir() / f"{key}.json"


def _check_inputs(inputs: Mapping[str, str]) -> dict[str, str]:
    if len(inputs) > MAX_INPUTS:
        raise ToolkitError(f"workflow_dispatch takes at most {MAX_INPUTS} inputs, got {len(inputs)}",
                           exit_code=2)
    checked: dict[str, str] = {}
    for key, value in inputs.items():
        if not isinstance(key, str) or not key:
            raise ToolkitError(f"invalid workflow input name {key!r}", exit_code=2)
        if not isinstance(value, str):
            raise ToolkitError(f"workflow input {key!r} must be a string, got {type(value).__name__}",
                               exit_code=2)
        checked[key] = value
    return checked


def _claim(path: Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        try:
            earlier = json.loads(path.read_text(encoding="utf-8"))
            when = f" at {earlier.get('at')}" if earlier.get("at") else ""
        except (OSError, ValueError):
            when = ""
        raise AlreadyDispatched(
            f"refusing to dispatch {record['workflow']} again for deploy {record['deploy_id']}: "
            f"it was already dispatched{when}",
            hint=f"marker: {path}",
        ) from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(record, fh)


def dispatch_workflow(repo: str, workflow_file: str, ref: str, inputs: Mapping[str, str], *, deploy_id: str,
                      gh: Github | None = None) -> None:
    split_repo(repo)
    if not workflow_file or "/" in workflow_file:
        raise ToolkitError(f"invalid workflow {workflow_file!r}: give the file name, e.g. rollback.yml",
                           exit_code=2)
    if not ref:
        raise ToolkitError("workflow_dispatch needs a ref (branch or tag)", exit_code=2)
    if not str(deploy_id).strip():
        raise ToolkitError("dispatch_workflow needs a deploy id (the once-only guard is keyed on it)",
                           exit_code=2)
    payload = _check_inputs(inputs)
    gh = gh or github_client()
    path = marker_path(repo, workflow_file, str(deploy_id))
    _claim(path, {"repo": repo, "workflow": workflow_file, "deploy_id": str(deploy_id), "ref": ref,
                  "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    with api_errors(f"dispatch workflow {workflow_file} on {ref}", permission=PERMISSION, repo=repo):
        try:
            gh.get_repo(repo).get_workflow(workflow_file).create_dispatch(ref, payload, throw=True)
        except GithubException as exc:
            if 400 <= exc.status < 500:
                path.unlink(missing_ok=True)  # GitHub refused it: nothing started, a corrected retry may go
            raise
