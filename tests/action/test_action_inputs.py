"""The action's inputs -> the use cases' typed settings (pure), the environment, what is masked, and the
one outputs type."""

from __future__ import annotations

import io
import json

import pytest

from toolkit.action.inputs import (
    check_command,
    deploy_settings,
    health_knobs,
    prepare_environment,
    read_inputs,
    rehearse_settings,
    rollback_settings,
)
from toolkit.action.outputs import ActionOutputs
from toolkit.config import load_config
from toolkit.errors import UsageError


@pytest.fixture
def config(tmp_path):
    (tmp_path / "migrations").mkdir()
    return load_config(migrations_dir=str(tmp_path / "migrations"))


def test_read_inputs_names():
    assert read_inputs({"INPUT_HEALTH_CHECK_URL": " http://a \n", "INPUT_DRY_RUN": "false", "OTHER": "x"}) == {
        "health-check-url": "http://a", "dry-run": "false"}


def test_deploy_settings(config):
    s = deploy_settings({"command": "deploy", "environment": "production", "migrations-dir": "db/migrations",
                         "health-check-url": "https://a/health\nhttps://b/health", "health-check-deadline": "60",
                         "health-check-retries": "2", "health-check-interval": "0.5",
                         "health-check-expected-status": "200,204", "auto-rollback": "false", "dry-run": "true",
                         "commit-status": "true", "ref": "abc", "database-url": "postgresql://u:secret@h/db"},
                        config)
    assert s.env_name == "production"
    assert s.health.urls == ("https://a/health", "https://b/health")
    assert s.health.policy.deadline_s == 60.0 and s.health.policy.interval_s == 0.5
    assert s.health.policy.consecutive_error_limit == 2 and isinstance(s.health.policy.consecutive_error_limit, int)
    assert 204 in s.health.expected and 201 not in s.health.expected
    assert (s.auto_rollback, s.dry_run, s.commit_status, s.ref) == (False, True, True, "abc")
    assert s.database_url is None  # the URL travels by environment only (prepare_environment)


def test_deploy_defaults_match_the_cli(config):
    from toolkit.app.health_check import HealthKnobs

    s = deploy_settings({"command": "deploy", "environment": "dev"}, config)
    assert s.health == HealthKnobs().spec() and s.auto_rollback and not s.dry_run
    assert s.rollback_workflow == "rollback.yml"


def test_rollback_settings(config):
    s = rollback_settings({"command": "rollback", "environment": "uat", "rollback-mode": "restore",
                           "backup-uri": "s3://b/k", "reason": "bad deploy", "deployment-id": "42"}, config)
    assert (s.mode, s.backup_uri, s.reason, s.deployment_id) == ("restore", "s3://b/k", "bad deploy", 42)
    s = rollback_settings({"command": "rollback", "environment": "uat",
                           "rollback-migrations": "20240102_000000_b,20240101_000000_a"}, config)
    assert s.mode == "migrations" and s.migrations == ("20240102_000000_b", "20240101_000000_a")


def test_rehearse_settings():
    s, max_lock, max_dur = rehearse_settings({"environment": "production", "max-lock-ms": "250",
                                              "max-duration-s": "90.5"},
                                             {"REHEARSE_SCRATCH_URL": "postgresql://127.0.0.1/x"})
    assert (s.env_name, max_lock, max_dur) == ("production", 250.0, 90.5)
    assert s.scratch_url == "postgresql://127.0.0.1/x"
    s, max_lock, max_dur = rehearse_settings({"environment": "production"}, {})
    assert (max_lock, max_dur, s.scratch_url) == (None, None, None)


@pytest.mark.parametrize("inputs,match", [
    ({"command": "destroy", "environment": "dev"}, "must be one of"),
    ({"command": "deploy"}, "`environment` is required"),
])
def test_bad_command_inputs(inputs, match):
    with pytest.raises(UsageError, match=match):
        check_command(inputs)


@pytest.mark.parametrize("inputs,match", [
    ({"dry-run": "perhaps"}, "dry-run must be true or false"),
    # click converted and checked these before; now the action does, naming the input
    ({"health-check-deadline": "soon"}, "input `health-check-deadline` must be a number, got 'soon'"),
    ({"health-check-retries": "2.5"}, "input `health-check-retries` must be a whole number"),
    ({"health-check-timeout": "nan"}, "input `health-check-timeout` must be a number >= 0"),
    ({"health-check-interval": "-1"}, "input `health-check-interval` must be a number >= 0"),
    ({"health-check-expected-status": "abc"}, "status"),
])
def test_bad_deploy_inputs(inputs, match, config):
    with pytest.raises(UsageError, match=match) as exc:
        deploy_settings({"command": "deploy", "environment": "dev", **inputs}, config)
    assert "\n" not in exc.value.message


@pytest.mark.parametrize("inputs,match", [
    ({"rollback-mode": "undo"}, "input `rollback-mode` must be one of migrations, restore"),
    ({"deployment-id": "x42"}, "input `deployment-id` must be a whole number"),
    ({"rollback-migrations": "drop table"}, "migration"),
])
def test_bad_rollback_inputs(inputs, match, config):
    with pytest.raises(UsageError, match=match):
        rollback_settings({"command": "rollback", "environment": "dev", **inputs}, config)


@pytest.mark.parametrize("name", ["max-lock-ms", "max-duration-s"])
def test_bad_rehearse_limits(name):
    with pytest.raises(UsageError, match=f"input `{name}` must be a number"):
        rehearse_settings({"environment": "production", name: "1s"}, {})


def test_health_knobs_empty_inputs_keep_defaults():
    from toolkit.app.health_check import HealthKnobs

    assert health_knobs({"health-check-deadline": "", "health-check-url": ""}) == HealthKnobs(urls=("",))


def test_outputs_are_all_set_every_time():
    out = ActionOutputs(result="success", applied=("a", "b"), deployment_id=7).as_dict()
    assert out == {"applied": '["a", "b"]', "backup-uri": "", "deployment-id": "7", "plan-markdown": "",
                   "rehearsal-file": "", "result": "success"}
    assert json.loads(ActionOutputs(result="failure").as_dict()["applied"]) == []


def test_outputs_match_action_yml():
    from pathlib import Path

    import yaml

    action = yaml.safe_load((Path(__file__).resolve().parents[2] / "action.yml").read_text())
    assert set(action["outputs"]) == set(ActionOutputs(result="x").as_dict())
    for name, spec in action["outputs"].items():
        assert spec["value"] == f"${{{{ steps.run.outputs.{name} }}}}"
    # every input has its INPUT_ variable on the run step, so none is silently ignored
    run_env = next(s for s in action["runs"]["steps"] if s.get("id") == "run")["env"]
    assert {f"INPUT_{n.upper().replace('-', '_')}" for n in action["inputs"] if n != "python-version"} \
        <= set(run_env)


def test_prepare_environment_sets_only_given_values():
    environ = {"AWS_REGION": "eu-west-1"}
    prepare_environment({"environment": "uat", "database-url": "postgresql://u:p@h/db", "s3-bucket": "bk",
                         "aws-region": "", "github-token": "tok"}, environ)
    assert environ == {"AWS_REGION": "eu-west-1", "DATABASE_URL_UAT": "postgresql://u:p@h/db",
                       "BACKUP_S3_BUCKET": "bk", "GITHUB_TOKEN": "tok"}


def test_mask_covers_url_password_and_token(monkeypatch):
    from toolkit.action import inputs

    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    inputs.mask_secrets({"database-url": "postgresql://app:s3cr%40t@db:5432/app", "github-token": "ghs_x"})
    lines = out.getvalue().splitlines()
    assert "::add-mask::postgresql://app:s3cr%2540t@db:5432/app" in lines  # % escaped as the runner wants
    assert "::add-mask::s3cr@t" in lines  # the decoded password alone
    assert "::add-mask::ghs_x" in lines
