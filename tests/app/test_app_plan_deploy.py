"""The pull-request and deploy use cases called directly (no CLI), on the real PostgreSQL, the local S3
server, the GitHub API stand-in and the local health app: each typed result carries what the
adapters render and exit with."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.deploy.helpers import NAMES, copy_migrations, schema_fingerprint
from toolkit.app.comment import CommentSettings, comment, comment_target
from toolkit.app.deploy import DeploySettings, deploy
from toolkit.app.health_check import HealthCheckSettings, HealthKnobs, health_check
from toolkit.app.lint import LintRequest, lint, rules
from toolkit.app.plan import PlanSettings, plan
from toolkit.app.rollback_deploy import RollbackDeploySettings, rollback_deploy
from toolkit.config import load_config
from toolkit.errors import ToolkitError, UsageError

BASE = """BEGIN;
CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text);
COMMIT;
"""
BASE_RB = "BEGIN;\nDROP TABLE accounts;\nCOMMIT;\n"
RISKY = "BEGIN;\nCREATE INDEX idx_accounts_email ON accounts (email);\nCOMMIT;\n"
RISKY_RB = "BEGIN;\nDROP INDEX idx_accounts_email;\nCOMMIT;\n"
FAST = dict(interval=0.02, timeout=1.0, deadline=5.0, successes=2, failure_limit=1, retries=1)


def _write(d: Path, name: str, up: str, rb: str | None) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{name}.sql").write_text(up)
    if rb is not None:
        (d / f"{name}_rollback.sql").write_text(rb)
    return d / f"{name}.sql"


def _applied_base(tmp_path: Path, db_url: str) -> Path:
    """accounts created and tracked on the database, then a risky index pending in the same folder."""
    from toolkit.db import connect
    from toolkit.migrations.runner import apply_pending

    mdir = tmp_path / "migrations"
    _write(mdir, "20250101_000000_create_accounts", BASE, BASE_RB)
    with connect(db_url) as conn:
        apply_pending(conn, load_config(migrations_dir=str(mdir)), "dev")
    _write(mdir, "20250102_000000_index_accounts_email", RISKY, RISKY_RB)
    return mdir


# -- plan, lint, comment ---------------------------------------------------------------------------

def test_plan_reads_the_environments_database_from_its_variable(tmp_path, db_url, monkeypatch):
    config = load_config(migrations_dir=str(_applied_base(tmp_path, db_url)))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("GITHUB_BASE_REF", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.setenv("DATABASE_URL_DEV", db_url)

    quiet = plan(PlanSettings(config=config, env_name="dev", fail_on="never"))
    assert [m.name for m in quiet.plan.migrations] == ["20250102_000000_index_accounts_email"]
    assert "accounts" in quiet.plan.stats  # sizes come from the database, not from git
    assert quiet.environment == "dev" and quiet.marker == "<!-- migrate-action:plan:dev -->"
    assert quiet.exit_code == 0 and quiet.summary_written is False
    assert plan(PlanSettings(config=config, env_name="dev", fail_on="notice")).exit_code == 1

    monkeypatch.delenv("DATABASE_URL_DEV")
    with pytest.raises(UsageError, match="no --base-ref"):
        plan(PlanSettings(config=config, env_name="dev"))


def test_lint_reads_files_only_and_honours_its_settings(tmp_path):
    mdir = tmp_path / "migrations"
    _write(mdir, "20250101_000000_create_accounts", BASE, BASE_RB)
    risky = _write(mdir, "20250102_000000_index_accounts_email", RISKY, None)
    config = load_config(migrations_dir=str(mdir))

    whole = lint(LintRequest(config=config))
    assert whole.plan.environment is None and whole.plan.source == "files"
    assert [m.name for m in whole.plan.migrations] == ["20250101_000000_create_accounts",
                                                        "20250102_000000_index_accounts_email"]
    one = lint(LintRequest(config=config, paths=(risky,)))
    rules_found = {f.rule for f in one.plan.findings}
    assert [m.name for m in one.plan.migrations] == ["20250102_000000_index_accounts_email"]
    assert {"require-concurrent-index-creation", "rollback-missing"} <= rules_found and one.exit_code == 1
    unchecked = lint(LintRequest(config=config, paths=(risky,), check_rollback=False, fail_on="never"))
    assert not any(f.rule.startswith("rollback-") for f in unchecked.plan.findings) and unchecked.exit_code == 0
    with pytest.raises(UsageError, match="no such file or directory"):
        lint(LintRequest(config=config, paths=(tmp_path / "nope.sql",)))

    ids = [r.id for r in rules()]
    assert ids == sorted(set(ids)) and {"syntax-error", "rollback-missing", "require-concurrent-index-creation"} <= set(ids)


def test_comment_posts_then_edits_and_reads_the_pull_request_from_the_context(tmp_path, db_url, github_api,
                                                                               actions_runner):
    config = load_config(migrations_dir=str(_applied_base(tmp_path, db_url)))
    target = comment_target()
    assert (target.repo, target.pr_number) == (github_api.repo.full_name, 7)
    settings = CommentSettings(config=config, env_name="dev", target=target, database_url=db_url)

    first, second = comment(settings), comment(settings)
    assert first.created and not second.created and first.url == second.url
    assert (second.repo, second.pr_number, second.environment) == (github_api.repo.full_name, 7, "dev")
    assert [m.name for m in second.plan.migrations] == ["20250102_000000_index_accounts_email"]
    posted = github_api.comments(7)
    assert len(posted) == 1 and "20250102_000000_index_accounts_email" in posted[0]["body"]
    assert "Migration plan for `dev`" in actions_runner.summary()


def test_comment_target_without_a_repository_is_a_usage_error(monkeypatch):
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    with pytest.raises(UsageError, match="no repository"):
        comment_target(None, 3)
    with pytest.raises(UsageError, match="no pull request"):
        comment_target("octo-org/app", None)


# -- health-check, deploy, rollback-deploy -------------------------------------------------------------

def test_health_knobs_build_the_spec_and_the_check_measures(health_app, db_url, monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    spec = HealthKnobs(urls=(f"{health_app.url} {health_app.url}",), sql="  SELECT true  ", **FAST).spec()
    assert spec.urls == (health_app.url, health_app.url) and spec.sql == "SELECT true"
    assert spec.policy.successes == 2 and spec.policy.consecutive_error_limit == 1

    seen = []
    healthy = health_check(HealthCheckSettings(health=spec, database_url=db_url), seen.append)
    assert healthy.ok and len(healthy.checks) == 3 and len(seen) >= 6

    health_app.set(status=503)
    sick = health_check(HealthCheckSettings(health=HealthKnobs(urls=(health_app.url,), **FAST).spec()))
    assert not sick.ok and "503" in sick.reason

    with pytest.raises(UsageError, match="--sql needs --env"):
        health_check(HealthCheckSettings(health=spec))
    with pytest.raises(UsageError, match="nothing to check"):
        health_check(HealthCheckSettings(health=HealthKnobs().spec()))


def test_deploy_returns_the_outcome_and_publishes_it(tmp_path, db_url, db, s3, health_app, actions_runner):
    config = load_config(migrations_dir=str(copy_migrations(tmp_path / "migrations")))
    spec = HealthKnobs(urls=(health_app.url,), **FAST).spec()
    out = deploy(DeploySettings(config=config, env_name="dev", database_url=db_url, health=spec, github="off"))
    assert out.ok and out.result == "success" and out.applied == NAMES, out.error
    assert out.backup_uri and out.backup_uri.startswith(f"s3://{s3.bucket}/") and out.health and out.health.ok
    outputs = actions_runner.outputs()
    assert outputs["result"] == "success" and json.loads(outputs["applied"]) == NAMES
    assert outputs["backup-uri"] == out.backup_uri and Path(outputs["plan-markdown"]).is_file()
    assert db.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(NAMES)


def test_deploy_asks_the_callback_before_touching_a_protected_environment(tmp_path, db_url, db):
    config = load_config(migrations_dir=str(copy_migrations(tmp_path / "migrations")))
    asked = []

    def no(env_name: str, what: str) -> None:
        asked.append((env_name, what))
        raise ToolkitError("operator said no")

    settings = DeploySettings(config=config, env_name="production", database_url=db_url, github="off")
    with pytest.raises(ToolkitError, match="operator said no"):
        deploy(settings, confirm=no)
    assert asked == [("production", "deploy migrations")]
    with pytest.raises(ToolkitError, match="without confirmation") as refused:
        deploy(settings)  # no callback: refused
    assert refused.value.exit_code == 2
    assert db.execute("SELECT to_regclass('schema_migrations')").fetchone()[0] is None

    dry = deploy(DeploySettings(config=config, env_name="production", database_url=db_url, github="off",
                                dry_run=True, publish=False), confirm=no)
    assert dry.result == "dry-run" and dry.pending == NAMES and len(asked) == 1


def test_rollback_deploy_undoes_newest_first_after_the_checks(tmp_path, db_url, db):
    from toolkit.db import connect
    from toolkit.migrations.runner import apply_pending

    early = load_config(migrations_dir=str(copy_migrations(tmp_path / "early", upto=2)))
    with connect(db_url) as conn:
        apply_pending(conn, early, "dev")
    before = schema_fingerprint(db)
    config = load_config(migrations_dir=str(copy_migrations(tmp_path / "migrations")))
    with connect(db_url) as conn:
        apply_pending(conn, config, "dev")

    asked = []
    bad = RollbackDeploySettings(config=config, env_name="production", mode="migrations", database_url=db_url)
    with pytest.raises(UsageError, match="needs the migrations to undo"):
        rollback_deploy(bad, confirm=lambda *a: asked.append(a))
    assert asked == []  # bad input is refused before the confirmation

    out = rollback_deploy(RollbackDeploySettings(config=config, env_name="dev", mode="migrations",
                                                 database_url=db_url, migrations=tuple(reversed(NAMES[2:])),
                                                 reason="  by hand  ", publish=False))
    assert out.ok and out.undone == list(reversed(NAMES[2:])) and out.remaining == [], out.error
    assert schema_fingerprint(db) == before
