"""The action's inputs -> the CLI command line and environment (pure), and what is masked."""

from __future__ import annotations

import io

import pytest

from toolkit.deploy.action import argv_for, prepare_environment, read_inputs
from toolkit.errors import UsageError


def test_read_inputs_names():
    assert read_inputs({"INPUT_HEALTH_CHECK_URL": " http://a \n", "INPUT_DRY_RUN": "false", "OTHER": "x"}) == {
        "health-check-url": "http://a", "dry-run": "false"}


def test_deploy_argv():
    argv = argv_for({"command": "deploy", "environment": "production", "migrations-dir": "db/migrations",
                     "health-check-url": "https://a/health\nhttps://b/health", "health-check-deadline": "60",
                     "health-check-retries": "2", "auto-rollback": "false", "dry-run": "true",
                     "commit-status": "true", "database-url": "postgresql://u:secret@h/db"})
    assert argv[:6] == ["deploy", "--env", "production", "--dir", "db/migrations", "--yes"]
    assert argv.count("--health-url") == 2 and "https://b/health" in argv
    assert argv[argv.index("--health-deadline") + 1] == "60"
    assert argv[argv.index("--health-retries") + 1] == "2"
    assert "--no-auto-rollback" in argv and "--dry-run" in argv and "--commit-status" in argv
    assert not any("secret" in a for a in argv)  # the URL travels by environment only


def test_rollback_argv():
    argv = argv_for({"command": "rollback", "environment": "uat", "rollback-mode": "restore",
                     "backup-uri": "s3://b/k", "reason": "bad deploy", "deployment-id": "42"})
    assert argv[:3] == ["rollback-deploy", "--env", "uat"]
    assert argv[argv.index("--mode") + 1] == "restore" and "--yes" in argv
    assert argv[argv.index("--backup-uri") + 1] == "s3://b/k"
    assert argv[argv.index("--deployment-id") + 1] == "42"


@pytest.mark.parametrize("inputs,match", [
    ({"command": "destroy", "environment": "dev"}, "must be one of"),
    ({"command": "deploy"}, "`environment` is required"),
    ({"command": "deploy", "environment": "dev", "dry-run": "perhaps"}, "dry-run must be true or false"),
])
def test_bad_inputs(inputs, match):
    with pytest.raises(UsageError, match=match):
        argv_for(inputs)


def test_prepare_environment_sets_only_given_values():
    environ = {"AWS_REGION": "eu-west-1"}
    prepare_environment({"environment": "uat", "database-url": "postgresql://u:p@h/db", "s3-bucket": "bk",
                         "aws-region": "", "github-token": "tok"}, environ)
    assert environ == {"AWS_REGION": "eu-west-1", "DATABASE_URL_UAT": "postgresql://u:p@h/db",
                       "BACKUP_S3_BUCKET": "bk", "GITHUB_TOKEN": "tok"}


def test_mask_covers_url_password_and_token(monkeypatch):
    from toolkit.deploy import action

    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    action.mask_secrets({"database-url": "postgresql://app:s3cr%40t@db:5432/app", "github-token": "ghs_x"})
    lines = out.getvalue().splitlines()
    assert "::add-mask::postgresql://app:s3cr%2540t@db:5432/app" in lines  # % escaped as the runner wants
    assert "::add-mask::s3cr@t" in lines  # the decoded password alone
    assert "::add-mask::ghs_x" in lines
