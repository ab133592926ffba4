"""Deployments and their statuses, commit statuses."""

from __future__ import annotations

import pytest

from toolkit.errors import ToolkitError
from toolkit.github.deployments import (
    DESCRIPTION_LIMIT,
    create_deployment,
    set_commit_status,
    set_deployment_status,
    truncate_description,
)

REPO = "octo-org/app"
RUN = "http://127.0.0.1/octo-org/app/actions/runs/9001"


def test_deploy_status_sequence_is_recorded_with_log_url(github_api):
    dep = create_deployment(REPO, ref="main", environment="uat", description="migrate 2 files",
                            payload={"migrations": ["20250101_a", "20250102_b"]})
    set_deployment_status(REPO, dep.id, "in_progress", description="backup", log_url=RUN)
    final = set_deployment_status(REPO, dep.id, "failure", description="health check failed: /healthz 503",
                                  log_url=RUN, environment_url="https://uat.example.com")
    statuses = github_api.statuses(dep.id)
    assert [s["state"] for s in statuses] == ["in_progress", "failure"]
    assert all(s["log_url"] == RUN for s in statuses)
    assert statuses[1]["environment_url"] == "https://uat.example.com"
    assert final.state == "failure" and final.log_url == RUN
    created = github_api.calls("POST", r"/deployments$")[0].body
    # works on any repo: merges nothing, waits for no status checks
    assert created["auto_merge"] is False and created["required_contexts"] == []
    assert created["payload"] == {"migrations": ["20250101_a", "20250102_b"]}
    assert dep.environment == "uat" and dep.ref == "main" and len(dep.sha) == 40


def test_without_empty_required_contexts_github_would_refuse(github_api):
    # The stand-in, like GitHub, answers 409 when required status checks are pending; ours passes [].
    import requests

    r = requests.post(f"{github_api.url}/repos/{REPO}/deployments", json={"ref": "main", "auto_merge": False},
                      headers={"Authorization": f"token {github_api.token}"}, timeout=5)
    assert r.status_code == 409
    assert create_deployment(REPO, ref="main", environment="dev").id > 0


def test_long_description_is_truncated_to_githubs_limit(github_api):
    dep = create_deployment(REPO, ref="main", environment="dev", description="d" * 500)
    reason = "migration 20250101_add_orders failed at statement 3: " + "lock timeout " * 30
    status = set_deployment_status(REPO, dep.id, "failure", description=reason)
    assert len(status.description) <= DESCRIPTION_LIMIT and status.description.endswith("…")
    assert status.description.startswith("migration 20250101_add_orders failed")
    assert len(github_api.repo.deployments[dep.id]["description"]) <= DESCRIPTION_LIMIT


def test_truncate_description():
    assert truncate_description("short") == "short"
    assert truncate_description("a  b\nc") == "a b c"
    text = "word " * 60
    cut = truncate_description(text)
    assert len(cut) <= 140 and cut.endswith("word…")
    assert len(truncate_description("x" * 300)) == 140


def test_production_flags_and_transient(github_api):
    dep = create_deployment(REPO, ref="main", environment="pr-7", transient=True, production=False)
    body = github_api.calls("POST", r"/deployments$")[0].body
    assert body["transient_environment"] is True and body["production_environment"] is False
    set_deployment_status(REPO, dep.id, "inactive")
    assert github_api.statuses(dep.id)[-1]["state"] == "inactive"


def test_success_makes_the_previous_deployment_inactive(github_api):
    old = create_deployment(REPO, ref="main", environment="dev", production=False)
    set_deployment_status(REPO, old.id, "success")
    new = create_deployment(REPO, ref="main", environment="dev", production=False)
    set_deployment_status(REPO, new.id, "success")
    assert [s["state"] for s in github_api.statuses(old.id)] == ["success", "inactive"]


def test_unknown_state_is_refused_locally(github_api):
    with pytest.raises(ToolkitError, match="unknown deployment state"):
        set_deployment_status(REPO, 1, "done")
    with pytest.raises(ToolkitError, match="unknown commit status state"):
        set_commit_status(REPO, "a" * 40, "in_progress", context="x")
    assert github_api.requests == []


def test_missing_deployment_and_missing_permission(github_api):
    with pytest.raises(ToolkitError) as err:
        set_deployment_status(REPO, 424242, "success")
    assert "404" in err.value.message and "deployments: write" in err.value.message
    github_api.inject(403, method="POST", path=r"/deployments$", message="Resource not accessible by integration")
    with pytest.raises(ToolkitError, match=r"needs `deployments: write`"):
        create_deployment(REPO, ref="main", environment="dev")


def test_unknown_ref_is_reported(github_api):
    with pytest.raises(ToolkitError, match="No ref found for: nope"):
        create_deployment(REPO, ref="nope", environment="dev")


def test_commit_status(github_api):
    set_commit_status(REPO, "f" * 40, "pending", context="migrate-action/uat", description="deploying",
                      target_url=RUN)
    set_commit_status(REPO, "f" * 40, "success", context="migrate-action/uat", description="x" * 200)
    statuses = github_api.repo.commit_statuses
    assert [(s["state"], s["context"], s["sha"]) for s in statuses] == [
        ("pending", "migrate-action/uat", "f" * 40), ("success", "migrate-action/uat", "f" * 40)]
    assert statuses[0]["target_url"] == RUN and len(statuses[1]["description"]) <= 140
    github_api.inject(403, method="POST", path=r"/statuses/", message="Resource not accessible by integration")
    with pytest.raises(ToolkitError, match="statuses: write"):
        set_commit_status(REPO, "f" * 40, "failure", context="migrate-action/uat")
