"""action.yml end to end, run as a runner would (tests/action/harness.py), against a real PostgreSQL,
the local S3-compatible server, the GitHub API stand-in and the local health app."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.action.harness import ActionHarness
from tests.deploy.helpers import (
    BROKEN_LINE,
    BROKEN_NAME,
    EXPAND_ONLY,
    NAMES,
    REPO,
    ROLLED_BACK,
    copy_migrations,
    schema_fingerprint,
)

FAST_HEALTH = {"health-check-interval": "0.05", "health-check-timeout": "1", "health-check-deadline": "10",
               "health-check-successes": "2", "health-check-failure-limit": "1", "health-check-retries": "1"}


@pytest.fixture
def runner(tmp_path, github_api, s3):
    github_api.add_workflow_file(REPO / ".github" / "workflows" / "rollback.yml")
    workspace = tmp_path / "workspace"
    copy_migrations(workspace / "migrations")
    temp = tmp_path / "harness"
    temp.mkdir()
    base_env = {**s3.env, "GITHUB_API_URL": github_api.url}
    return ActionHarness(REPO, workspace, temp, base_env=base_env, github={
        "repository": github_api.repo.full_name, "repository_owner": github_api.repo.owner,
        "token": github_api.token, "api_url": github_api.url, "server_url": github_api.server_url,
        "sha": "d" * 40, "run_id": "4242"})


def deploy_inputs(db_url, health_app, **extra) -> dict[str, str]:
    return {"command": "deploy", "environment": "uat", "database-url": db_url,
            "health-check-url": health_app.url, **FAST_HEALTH, **extra}


def password_of(url: str) -> str:
    return url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]


def test_healthy_deploy(runner, db_url, db, s3, github_api, health_app):
    run = runner.run(deploy_inputs(db_url, health_app))
    assert run.ok, run.raw_log
    out = run.outputs
    assert out["result"] == "success"
    assert json.loads(out["applied"]) == NAMES
    assert out["backup-uri"].startswith(f"s3://{s3.bucket}/")
    dep_id = int(out["deployment-id"])
    assert [s["state"] for s in github_api.statuses(dep_id)] == ["in_progress", "success"]
    assert github_api.repo.deployments[dep_id]["environment"] == "uat"
    assert github_api.repo.dispatches == []
    plan = open(out["plan-markdown"]).read()
    assert all(n in plan for n in NAMES)
    # the summary tells the story step by step with timings, and shows every health measurement
    assert f"Deployed {len(NAMES)} migration(s) to uat" in run.summary
    for step in ("Back up", "Verify backup", "Migrate", "Health checks"):
        assert f"| {step} | ✅ ok |" in run.summary
    assert run.summary.count("| ✅ Successful |") == 2
    # the setup-python and cache steps were emulated, the install step found the toolkit in place
    assert "already installed" in run.step("install").log
    assert db.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(NAMES)


def test_the_database_password_and_token_never_reach_the_log(runner, db_url, health_app, github_api):
    run = runner.run(deploy_inputs(db_url, health_app))
    assert run.ok
    secret = password_of(db_url)
    assert secret in run.masks and db_url in run.masks and github_api.token in run.masks
    # printed only inside the ::add-mask:: commands themselves (which the runner swallows)
    leftover = [ln for ln in run.raw_log.splitlines() if secret in ln and not ln.startswith("::add-mask::")]
    assert leftover == []
    assert secret not in run.log


def test_failing_health_check(runner, db_url, s3, github_api, health_app):
    health_app.set(status=503)
    run = runner.run(deploy_inputs(db_url, health_app))
    assert not run.ok and run.step("run").returncode == 1
    out = run.outputs
    assert out["result"] == "failure" and json.loads(out["applied"]) == NAMES
    dep_id = int(out["deployment-id"])
    last = github_api.statuses(dep_id)[-1]
    assert last["state"] == "failure" and "rollback dispatched" in last["description"]
    assert last["log_url"].endswith("/actions/runs/4242")
    assert len(github_api.repo.dispatches) == 1
    d = github_api.repo.dispatches[0]
    assert d["workflow"] == "rollback.yml" and d["ref"] == "main"
    assert d["inputs"] == {"environment": "uat", "mode": "migrations", "migrations": ",".join(ROLLED_BACK),
                           "backup-uri": out["backup-uri"], "deployment-id": str(dep_id),
                           "reason": d["inputs"]["reason"], "sha": "d" * 40}
    assert "HTTP 503" in d["inputs"]["reason"]
    errors = run.annotations("error")
    assert len(errors) == 1 and "Rollback dispatched" in errors[0]["message"]
    assert "| Health checks | ❌ failed |" in run.summary and "| Dispatch rollback | ✅ ok |" in run.summary


def test_migration_error_mid_deploy(runner, db_url, db, github_api, health_app):
    copy_migrations(runner.workspace / "migrations", broken=True)
    run = runner.run(deploy_inputs(db_url, health_app))
    assert not run.ok
    assert run.outputs["result"] == "failure"
    assert health_app.hits == []
    assert github_api.repo.dispatches == []
    dep_id = int(run.outputs["deployment-id"])
    assert github_api.statuses(dep_id)[-1]["state"] == "failure"
    errors = run.annotations("error")
    assert len(errors) == 1
    assert errors[0]["file"] == f"migrations/{BROKEN_NAME}.sql" and errors[0]["line"] == str(BROKEN_LINE)
    assert "no_such_table" in errors[0]["message"]
    assert "| Health checks | ⏭️ skipped |" in run.summary


@pytest.mark.parametrize("mode", ["migrations", "restore"])
def test_rollback_command_leaves_the_schema_as_before_the_deploy(runner, db_url, db, github_api, health_app, mode,
                                                                tmp_path):
    # The expand-only migrations are already there: the dispatched rollback undoes the rest.
    from toolkit.config import load_config
    from toolkit.db import connect
    from toolkit.migrations.runner import apply_pending

    early = load_config(migrations_dir=str(copy_migrations(tmp_path / "early", upto=EXPAND_ONLY)))
    with connect(db_url) as conn:
        apply_pending(conn, early, "uat")
    before = schema_fingerprint(db)
    health_app.set(status=500)
    deployed = runner.run(deploy_inputs(db_url, health_app))
    assert not deployed.ok and schema_fingerprint(db) != before
    dispatched = github_api.repo.dispatches[0]["inputs"]
    # what rollback.yml passes to the action, from the dispatched inputs
    run = runner.run({"command": "rollback", "environment": dispatched["environment"], "database-url": db_url,
                      "rollback-mode": mode, "rollback-migrations": dispatched["migrations"],
                      "backup-uri": dispatched["backup-uri"], "deployment-id": dispatched["deployment-id"],
                      "reason": dispatched["reason"]})
    assert run.ok, run.raw_log
    assert schema_fingerprint(db) == before
    assert run.outputs["result"] == "rolled-back"
    if mode == "migrations":
        assert json.loads(run.outputs["applied"]) == ROLLED_BACK
    last = github_api.statuses(int(dispatched["deployment-id"]))[-1]
    assert last["state"] == "inactive"
    assert "Rolled back" in run.summary or "Restored the backup" in run.summary


def test_invalid_input_is_one_clear_error(runner, db_url, db):
    run = runner.run({"command": "deploy", "environment": "uat", "database-url": db_url,
                      "health-check-url": "ftp://nope", "auto-rollback": "true"})
    assert not run.ok
    assert "error: health check URL must be http:// or https://" in run.step("run").log
    assert "Traceback" not in run.raw_log
    assert db.execute("SELECT to_regclass('schema_migrations')").fetchone()[0] is None
    bad = runner.run({"command": "explode", "environment": "uat"})
    assert not bad.ok and "input `command` must be one of" in bad.step("run").log


def test_harness_runs_bash_like_the_runner(tmp_path):
    """The harness itself: env/with expressions, GITHUB_OUTPUT/ENV/PATH across steps, if: conditions."""
    action = tmp_path / "a"
    action.mkdir()
    (action / "action.yml").write_text("""
name: t
inputs:
  who: {default: world}
  flag: {default: "false"}
outputs:
  greeting: {value: "${{ steps.one.outputs.greeting }}"}
  later: {value: "${{ steps.three.outputs.seen }}"}
runs:
  using: composite
  steps:
    - id: one
      shell: bash
      env: {WHO: "${{ inputs.who }}"}
      run: |
        echo "greeting=hello $WHO" >> "$GITHUB_OUTPUT"
        printf 'multi<<EOF\\na\\nb\\nEOF\\n' >> "$GITHUB_OUTPUT"
        echo "FROM_ENV=1" >> "$GITHUB_ENV"
        mkdir -p "$RUNNER_TEMP/bin" && printf '#!/bin/sh\\necho tool-ran\\n' > "$RUNNER_TEMP/bin/mytool"
        chmod +x "$RUNNER_TEMP/bin/mytool" && echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"
    - id: two
      if: inputs.flag == 'true'
      shell: bash
      run: exit 3
    - id: three
      shell: bash
      env: {MULTI: "${{ steps.one.outputs.multi }}"}
      run: |
        echo "seen=$FROM_ENV/$(mytool)/${MULTI//$'\\n'/+}" >> "$GITHUB_OUTPUT"
        echo '## done' >> "$GITHUB_STEP_SUMMARY"
    - id: four
      if: failure()
      shell: bash
      run: echo ran-on-failure
""")
    (tmp_path / "ws").mkdir()
    h = ActionHarness(action, tmp_path / "ws", tmp_path)
    ok = h.run({"who": "tests"})
    assert ok.outputs == {"greeting": "hello tests", "later": "1/tool-ran/a+b"}
    assert [s.outcome for s in ok.steps] == ["success", "skipped", "success", "skipped"]
    assert ok.summary.strip() == "## done"
    bad = h.run({"flag": "true"})
    assert [s.outcome for s in bad.steps] == ["success", "failure", "skipped", "success"]
    assert not bad.ok and bad.step("two").returncode == 3
    with pytest.raises(AssertionError, match="not declared"):
        h.run({"nope": "x"})


def test_harness_bash_is_real(tmp_path):
    assert shutil.which("bash")
    assert subprocess.run(["bash", "-c", "exit 0"]).returncode == 0


def _pr_workspace(runner) -> None:
    """A checkout of a pull request that adds the last example migration to the others on main."""
    ws = runner.workspace
    shutil.rmtree(ws / "migrations")
    copy_migrations(ws / "migrations", upto=len(NAMES) - 1)

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=ws, check=True,
                       capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "base")
    git("update-ref", "refs/remotes/origin/main", "HEAD")
    copy_migrations(ws / "migrations")
    git("add", "-A")
    git("commit", "-q", "-m", "add a migration")


@pytest.mark.parametrize("fork", [False, True])
def test_plan_on_a_pull_request_comments_or_falls_back_to_the_summary(runner, github_api, fork):
    _pr_workspace(runner)
    runner.github.update({"event_name": "pull_request", "ref": "refs/pull/7/merge"})
    runner.event = {"action": "synchronize", "number": 7,
                    "pull_request": {"number": 7, "head": {"sha": "e" * 40, "ref": "feature"},
                                     "base": {"ref": "main", "sha": "b" * 40}},
                    "repository": {"full_name": github_api.repo.full_name}}
    if fork:  # a fork's token is read-only: GitHub refuses the comment
        github_api.inject(403, method="POST", path=r"/issues/7/comments$",
                          message="Resource not accessible by integration")
    run = runner.run({"command": "plan", "environment": "production"}, env={"GITHUB_BASE_REF": "main"})
    assert run.ok, run.raw_log
    assert run.outputs["result"] == "success"
    plan = open(run.outputs["plan-markdown"]).read()
    assert NAMES[-1] in plan and NAMES[-2] not in plan  # only what the branch adds
    assert NAMES[-1] in run.summary
    comments = github_api.comments(7)
    if fork:
        assert comments == []
        warnings = run.annotations("warning")
        assert len(warnings) == 1 and "job summary" in warnings[0]["message"]
        github_api.violations.clear()  # the refused request was on purpose
    else:
        assert len(comments) == 1 and NAMES[-1] in comments[0]["body"]


def test_backup_and_status_commands(runner, db_url, db, s3):
    db.execute("CREATE TABLE things (id int)")
    run = runner.run({"command": "backup", "environment": "uat", "database-url": db_url})
    assert run.ok, run.raw_log
    uri = run.outputs["backup-uri"]
    assert uri.startswith(f"s3://{s3.bucket}/") and uri.removeprefix(f"s3://{s3.bucket}/") in s3.keys()
    assert run.outputs["result"] == "success" and uri in run.summary
    status = runner.run({"command": "status", "environment": "uat", "database-url": db_url})
    assert status.ok, status.raw_log
    assert all(n in status.step("run").log for n in NAMES) and "pending" in status.step("run").log
