"""workflow_dispatch of the rollback: inputs as GitHub checks them, and never twice for one deploy."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from toolkit.errors import ToolkitError
from toolkit.github.dispatch import MAX_INPUTS, AlreadyDispatched, dispatch_workflow, marker_path

REPO = "octo-org/app"
INPUTS = {"environment": "uat", "mode": "migrations", "migrations": "20250102_b,20250101_a",
          "backup-uri": "s3://backups/uat/1.dump", "reason": "health check failed", "deployment-id": "1234"}

ROLLBACK_YML = """\
name: rollback
on:
  workflow_dispatch:
    inputs:
      environment: {type: choice, required: true, options: [dev, uat, production]}
      mode: {type: choice, required: true, default: migrations, options: [migrations, restore]}
      migrations: {type: string, required: false}
      backup-uri: {type: string, required: false}
      reason: {type: string, required: true}
      deployment-id: {type: string, required: false}
jobs: {}
"""


@pytest.fixture
def rollback_workflow(github_api, tmp_path: Path) -> str:
    path = tmp_path / "rollback.yml"
    path.write_text(ROLLBACK_YML)
    github_api.add_workflow_file(path)
    return "rollback.yml"


def test_inputs_are_recorded_and_a_second_dispatch_is_refused(github_api, rollback_workflow):
    dispatch_workflow(REPO, rollback_workflow, "main", INPUTS, deploy_id="1234")
    assert github_api.repo.dispatches == [
        {"workflow": "rollback.yml", "ref": "main", "inputs": INPUTS, "at": github_api.repo.dispatches[0]["at"]}]
    with pytest.raises(AlreadyDispatched, match="already dispatched"):
        dispatch_workflow(REPO, rollback_workflow, "main", INPUTS, deploy_id="1234")
    assert len(github_api.calls("POST", r"/dispatches$")) == 1  # the refusal made no request
    dispatch_workflow(REPO, rollback_workflow, "main", {**INPUTS, "deployment-id": "1235"}, deploy_id="1235")
    assert len(github_api.repo.dispatches) == 2  # another deploy may roll back


def test_concurrent_dispatches_for_one_deploy_send_one(github_api, rollback_workflow):
    outcomes: list[str] = []

    def go() -> None:
        try:
            dispatch_workflow(REPO, rollback_workflow, "main", INPUTS, deploy_id="77")
            outcomes.append("sent")
        except AlreadyDispatched:
            outcomes.append("refused")

    threads = [threading.Thread(target=go) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused", "refused", "refused", "sent"]
    assert len(github_api.repo.dispatches) == 1


def test_rejected_inputs_leave_room_for_a_corrected_retry(github_api, rollback_workflow):
    with pytest.raises(ToolkitError, match=r"Unexpected inputs provided: \[\"typo\"\]"):
        dispatch_workflow(REPO, rollback_workflow, "main", {**INPUTS, "typo": "x"}, deploy_id="9")
    assert not marker_path(REPO, rollback_workflow, "9").exists()  # a 4xx started nothing
    with pytest.raises(ToolkitError, match="not in the list of allowed values"):
        dispatch_workflow(REPO, rollback_workflow, "main", {**INPUTS, "environment": "staging"}, deploy_id="9")
    with pytest.raises(ToolkitError, match="Required input 'reason' not provided"):
        dispatch_workflow(REPO, rollback_workflow, "main",
                          {k: v for k, v in INPUTS.items() if k != "reason"}, deploy_id="9")
    dispatch_workflow(REPO, rollback_workflow, "main", INPUTS, deploy_id="9")
    assert len(github_api.repo.dispatches) == 1


def test_server_error_is_not_retried_and_blocks_a_second_try(github_api, rollback_workflow):
    # A 5xx after a POST may mean the run was started: never risk two rollbacks.
    github_api.inject(502, method="POST", path=r"/dispatches$")
    with pytest.raises(ToolkitError, match="502"):
        dispatch_workflow(REPO, rollback_workflow, "main", INPUTS, deploy_id="5")
    assert len(github_api.calls("POST", r"/dispatches$")) == 1
    with pytest.raises(AlreadyDispatched):
        dispatch_workflow(REPO, rollback_workflow, "main", INPUTS, deploy_id="5")


def test_rate_limited_dispatch_is_retried(github_api, rollback_workflow):
    github_api.rate_limit(kind="secondary", retry_after=0, method="POST", path=r"/dispatches$")
    dispatch_workflow(REPO, rollback_workflow, "main", INPUTS, deploy_id="6")
    assert [c.status for c in github_api.calls("POST", r"/dispatches$")] == [403, 204]
    assert len(github_api.repo.dispatches) == 1


def test_missing_workflow_and_missing_permission(github_api, rollback_workflow):
    with pytest.raises(ToolkitError) as err:
        dispatch_workflow(REPO, "nope.yml", "main", INPUTS, deploy_id="1")
    assert "404" in err.value.message and "actions: write" in err.value.message
    github_api.inject(403, method="POST", message="Resource not accessible by integration")
    with pytest.raises(ToolkitError, match=r"needs `actions: write`"):
        dispatch_workflow(REPO, rollback_workflow, "main", INPUTS, deploy_id="2")


def test_inputs_are_checked_before_any_request(github_api, rollback_workflow):
    too_many = {f"i{n}": "v" for n in range(MAX_INPUTS + 1)}
    with pytest.raises(ToolkitError, match=f"at most {MAX_INPUTS} inputs"):
        dispatch_workflow(REPO, rollback_workflow, "main", too_many, deploy_id="1")
    with pytest.raises(ToolkitError, match="must be a string"):
        dispatch_workflow(REPO, rollback_workflow, "main", {"deployment-id": 1234}, deploy_id="1")  # type: ignore[dict-item]
    with pytest.raises(ToolkitError, match="deploy id"):
        dispatch_workflow(REPO, rollback_workflow, "main", INPUTS, deploy_id=" ")
    with pytest.raises(ToolkitError, match="file name"):
        dispatch_workflow(REPO, ".github/workflows/rollback.yml", "main", INPUTS, deploy_id="1")
    assert github_api.requests == []


def test_marker_lives_in_runner_temp(github_api, rollback_workflow):
    dispatch_workflow(REPO, rollback_workflow, "main", INPUTS, deploy_id="42")
    marker = marker_path(REPO, rollback_workflow, "42")
    assert Path(github_api.env["RUNNER_TEMP"]) in marker.parents and marker.exists()


def test_dropped_connection_after_the_post_is_not_retried(github_api, rollback_workflow):
    # GitHub may have started the run before the connection dropped: one request, and no second try.
    github_api.disconnect(method="POST", path=r"/dispatches$")
    with pytest.raises(ToolkitError, match="cannot reach the GitHub API"):
        dispatch_workflow(REPO, rollback_workflow, "main", INPUTS, deploy_id="8")
    assert len(github_api.calls("POST", r"/dispatches$")) == 1
    with pytest.raises(AlreadyDispatched):
        dispatch_workflow(REPO, rollback_workflow, "main", INPUTS, deploy_id="8")
