"""The deploy pipeline and the rollback, in-process, against a real PostgreSQL, the local S3 server,
the GitHub API stand-in and the local health app."""

from __future__ import annotations

import pytest

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
from toolkit.config import load_config
from toolkit.deploy.github_port import GitHubReporter, GitHubTarget
from toolkit.deploy.pipeline import DeployRequest, HealthSpec, deploy
from toolkit.deploy.rollback import RollbackRequest, rollback_deploy
from toolkit.errors import UsageError
from toolkit.github.dispatch import AlreadyDispatched
from toolkit.health import Policy

SHA = "c0ffee" + "0" * 34
FAST = Policy(interval_s=0.02, backoff_base_s=0.02, backoff_max_s=0.05, timeout_s=1, deadline_s=5, successes=2,
              failure_limit=1, consecutive_error_limit=1)


@pytest.fixture
def github(github_api):
    github_api.add_workflow_file(REPO / ".github" / "workflows" / "rollback.yml")
    return github_api


def reporter(github) -> GitHubReporter:
    return GitHubReporter(GitHubTarget(repo=github.repo.full_name, sha=SHA, dispatch_ref="main",
                                       run_url="https://github.com/octo-org/app/actions/runs/9001"))


def request(tmp_path, db_url, health_app=None, **kw) -> DeployRequest:
    config = load_config(migrations_dir=str(kw.pop("mdir", None) or copy_migrations(tmp_path / "migrations")))
    health = HealthSpec(urls=(health_app.url,), policy=FAST) if health_app else HealthSpec()
    return DeployRequest(config=config, env_name=kw.pop("env", "dev"), database_url=db_url, health=health, **kw)


def test_healthy_deploy(tmp_path, db_url, db, s3, github, health_app):
    out = deploy(request(tmp_path, db_url, health_app), reporter(github))
    assert out.result == "success", out.error
    assert out.applied == NAMES
    assert out.backup_uri and out.backup_uri.startswith(f"s3://{s3.bucket}/")
    key = out.backup_uri.removeprefix(f"s3://{s3.bucket}/")
    assert key in s3.keys()
    assert [s.key for s in out.story.steps] == ["plan", "deployment", "backup", "verify", "migrate", "health",
                                                "report"]
    assert all(s.status == "ok" for s in out.story.steps)
    states = [s["state"] for s in github.statuses(out.deployment_id)]
    assert states == ["in_progress", "success"]
    assert github.statuses(out.deployment_id)[-1]["log_url"].endswith("/actions/runs/9001")
    dep = github.repo.deployments[out.deployment_id]
    assert dep["environment"] == "dev" and dep["sha"] == SHA and dep["payload"]["migrations"] == NAMES
    assert not github.repo.dispatches
    assert db.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(NAMES)
    assert out.health is not None and len(out.health.checks[0].measurements) == 2


def test_failing_health_check_dispatches_the_rollback_once(tmp_path, db_url, s3, github, health_app):
    health_app.set(status=503)
    out = deploy(request(tmp_path, db_url, health_app), reporter(github))
    assert out.result == "failure"
    assert out.failed_step == "Health checks"
    last = github.statuses(out.deployment_id)[-1]
    assert last["state"] == "failure" and f"health check failed after applying {len(NAMES)}" in last["description"]
    assert "rollback dispatched" in last["description"] and last["log_url"]
    assert len(github.repo.dispatches) == 1
    d = github.repo.dispatches[0]
    assert d["workflow"] == "rollback.yml" and d["ref"] == "main"
    assert d["inputs"]["environment"] == "dev" and d["inputs"]["mode"] == "migrations"
    assert d["inputs"]["migrations"] == ",".join(ROLLED_BACK)
    assert d["inputs"]["backup-uri"] == out.backup_uri
    assert d["inputs"]["deployment-id"] == str(out.deployment_id)
    assert "HTTP 503" in d["inputs"]["reason"] and d["inputs"]["sha"] == SHA
    # the guard: the same deploy can never dispatch a second time
    with pytest.raises(AlreadyDispatched):
        reporter(github).dispatch("rollback.yml", d["inputs"], str(out.deployment_id))
    assert len(github.repo.dispatches) == 1


def test_no_auto_rollback_or_nothing_applied_means_no_dispatch(tmp_path, db_url, s3, github, health_app):
    health_app.set(status=500)
    out = deploy(request(tmp_path, db_url, health_app, auto_rollback=False), reporter(github))
    assert out.result == "failure" and out.applied == NAMES
    assert out.story.steps[-1].key == "dispatch" and "auto-rollback is off" in out.story.steps[-1].detail
    out2 = deploy(request(tmp_path, db_url, health_app), reporter(github))  # nothing pending now
    assert out2.result == "failure" and out2.applied == []
    assert "nothing to roll back" in out2.story.steps[-1].detail
    assert github.repo.dispatches == []


def test_migration_error_mid_deploy(tmp_path, db_url, db, s3, github, health_app):
    mdir = copy_migrations(tmp_path / "migrations", broken=True)
    out = deploy(request(tmp_path, db_url, health_app, mdir=mdir), reporter(github))
    assert out.result == "failure" and out.failed_step == "Migrate"
    assert out.error_file and out.error_file.endswith(f"{BROKEN_NAME}.sql") and out.error_line == BROKEN_LINE
    assert "no_such_table" in out.error
    assert out.applied == NAMES  # the earlier ones stay applied, each in its own transaction
    assert health_app.hits == []  # no health checks
    assert github.repo.dispatches == []
    assert [s.key for s in out.story.steps][-2:] == ["migrate", "health"]
    assert out.story.steps[-1].status == "skipped"
    last = github.statuses(out.deployment_id)[-1]
    assert last["state"] == "failure" and last["description"].startswith("Migrate failed:")
    # the failed migration left nothing behind
    assert db.execute("SELECT to_regclass('audit_log')").fetchone()[0] is None


def test_refused_before_anything_when_a_file_does_not_parse(tmp_path, db_url, github):
    mdir = copy_migrations(tmp_path / "migrations", upto=1)
    (mdir / "20250120_100000_bad.sql").write_text("CREATE TABLE x (;\n")
    out = deploy(request(tmp_path, db_url, mdir=mdir), reporter(github))
    assert out.result == "failure" and out.failed_step == "Read migrations and database state"
    assert out.deployment_id is None and github.repo.deployments == {}
    assert out.applied == []


def test_production_without_a_bucket_fails_at_the_backup(tmp_path, db_url, db, monkeypatch):
    monkeypatch.delenv("BACKUP_S3_BUCKET", raising=False)
    out = deploy(request(tmp_path, db_url, env="production"))
    assert out.result == "failure" and out.failed_step == "Back up"
    assert "bucket" in out.error
    assert db.execute("SELECT to_regclass('users')").fetchone()[0] is None  # nothing migrated


def test_nothing_pending_is_nothing_to_do(tmp_path, db_url, s3, health_app):
    req = request(tmp_path, db_url, health_app)
    assert deploy(req).result == "success"
    again = deploy(req)
    assert again.result == "nothing-to-do" and again.applied == [] and again.backup_uri is None


def test_dry_run_changes_nothing(tmp_path, db_url, db, github):
    out = deploy(request(tmp_path, db_url, dry_run=True), reporter(github))
    assert out.result == "dry-run" and out.pending == NAMES
    assert github.repo.deployments == {}
    assert db.execute("SELECT to_regclass('users')").fetchone()[0] is None


def _deploy_on_top_of_expand_only(tmp_path, db_url, db, health_app, github):
    """The expand-only migrations already applied and some data; then a deploy of the rest whose health
    check fails (so all of what it applied needs its rollback scripts)."""
    from toolkit.db import connect
    from toolkit.migrations.runner import apply_pending

    early = load_config(migrations_dir=str(copy_migrations(tmp_path / "early", upto=EXPAND_ONLY)))
    with connect(db_url) as conn:
        apply_pending(conn, early, "dev")
    db.execute("INSERT INTO users (email) VALUES ('a@example.com'), ('b@example.com')")
    before = schema_fingerprint(db)
    before["emails"] = emails(db)
    health_app.set(status=500)
    out = deploy(request(tmp_path, db_url, health_app), reporter(github))
    assert out.result == "failure" and out.applied == NAMES[EXPAND_ONLY:]
    assert schema_fingerprint(db) != {k: v for k, v in before.items() if k != "emails"}
    return out, before


def emails(db) -> list[str]:
    return sorted(r[0] for r in db.execute("SELECT email FROM users"))


def test_rollback_migrations_mode_restores_the_schema(tmp_path, db_url, db, s3, github, health_app):
    out, before = _deploy_on_top_of_expand_only(tmp_path, db_url, db, health_app, github)
    inputs = github.repo.dispatches[0]["inputs"]
    rb = rollback_deploy(RollbackRequest(config=load_config(migrations_dir=str(tmp_path / "migrations")),
                                         env_name="dev", database_url=db_url, mode=inputs["mode"],
                                         migrations=tuple(inputs["migrations"].split(",")),
                                         reason=inputs["reason"], deployment_id=int(inputs["deployment-id"])),
                         reporter(github))
    assert rb.result == "rolled-back", rb.error
    assert rb.undone == ROLLED_BACK == list(reversed(NAMES[EXPAND_ONLY:]))
    assert {**schema_fingerprint(db), "emails": emails(db)} == before  # data written since stays
    last = github.statuses(out.deployment_id)[-1]
    assert last["state"] == "inactive" and last["description"].startswith("rolled back")


def test_rollback_restore_mode_restores_the_schema(tmp_path, db_url, db, s3, github, health_app):
    out, before = _deploy_on_top_of_expand_only(tmp_path, db_url, db, health_app, github)
    rb = rollback_deploy(RollbackRequest(config=load_config(migrations_dir=str(tmp_path / "migrations")),
                                         env_name="dev", database_url=db_url, mode="restore",
                                         backup_uri=out.backup_uri, reason="by hand",
                                         deployment_id=out.deployment_id), reporter(github))
    assert rb.result == "rolled-back", rb.error
    assert {**schema_fingerprint(db), "emails": emails(db)} == before


def test_rollback_refuses_bad_requests_before_touching_anything(tmp_path, db_url):
    config = load_config(migrations_dir=str(copy_migrations(tmp_path / "m")))
    cases = [dict(mode="migrations", migrations=()), dict(mode="migrations", migrations=(NAMES[0], NAMES[1])),
             dict(mode="restore"), dict(mode="restore", backup_uri="https://x/y"), dict(mode="sideways")]
    for kw in cases:
        with pytest.raises(UsageError):
            rollback_deploy(RollbackRequest(config=config, env_name="dev", database_url=db_url, **kw))


def test_rollback_stops_at_a_failing_script_and_says_what_is_left(tmp_path, db_url, db):
    from toolkit.db import connect
    from toolkit.migrations.runner import apply_pending

    mdir = copy_migrations(tmp_path / "m")
    config = load_config(migrations_dir=str(mdir))
    with connect(db_url) as conn:
        apply_pending(conn, config, "dev")
    (mdir / f"{NAMES[3]}_rollback.sql").write_text("ALTER TABLE nope DROP COLUMN x;\n")
    rb = rollback_deploy(RollbackRequest(config=config, env_name="dev", database_url=db_url, mode="migrations",
                                         migrations=tuple(reversed(NAMES[2:]))))
    assert rb.result == "failure"
    assert rb.undone == list(reversed(NAMES[4:])) and rb.remaining == [NAMES[3], NAMES[2]]
    assert rb.error_file and rb.error_file.endswith(f"{NAMES[3]}_rollback.sql") and rb.error_line == 1


def test_expand_only_deploy_with_failing_health_dispatches_no_database_rollback(tmp_path, db_url, db, s3, github,
                                                                                health_app):
    """Only new objects the previous release ignores: undoing them would lose what was written into them."""
    health_app.set(status=503)
    mdir = copy_migrations(tmp_path / "migrations", upto=EXPAND_ONLY)
    out = deploy(request(tmp_path, db_url, health_app, mdir=mdir), reporter(github))
    assert out.result == "failure" and out.applied == NAMES[:EXPAND_ONLY]
    assert set(out.safety.values()) == {"expand-only"}
    assert github.repo.dispatches == []
    assert out.story.steps[-1].key == "dispatch" and "expand-only" in out.story.steps[-1].detail
    last = github.statuses(out.deployment_id)[-1]
    assert last["state"] == "failure" and "expand-only: no database rollback needed" in last["description"]
    assert db.execute("SELECT to_regclass('user_preferences')").fetchone()[0] is not None  # left in place


def test_dispatch_carries_a_data_loss_preview(tmp_path, db_url, db, s3, github, health_app):
    """A rollback script that drops a column with data: the dispatch and the deployment say how many rows."""
    mdir = copy_migrations(tmp_path / "migrations", upto=EXPAND_ONLY)
    early = load_config(migrations_dir=str(mdir))
    from toolkit.db import connect
    from toolkit.migrations.runner import apply_pending

    with connect(db_url) as conn:
        apply_pending(conn, early, "dev")
    db.execute("INSERT INTO users (email) SELECT 'u' || g || '@example.com' FROM generate_series(1, 50) g")
    (mdir / "20250201_100000_add_users_score.sql").write_text(
        "BEGIN;\nALTER TABLE users ADD COLUMN score integer;\nUPDATE users SET score = 1;\nCOMMIT;\n")
    (mdir / "20250201_100000_add_users_score_rollback.sql").write_text(
        "BEGIN;\nALTER TABLE users DROP COLUMN score;\nCOMMIT;\n")
    db.execute("ANALYZE users")
    rows = db.execute("SELECT count(*) FROM users").fetchone()[0]
    assert rows >= 50
    health_app.set(status=503)
    out = deploy(request(tmp_path, db_url, health_app, mdir=mdir), reporter(github))
    assert out.safety == {"20250201_100000_add_users_score": "destructive-on-rollback"}
    assert out.data_loss and out.data_loss["mode"] == "migrations"
    assert out.data_loss["dropped"] == [{"object": "column users.score", "table": "users", "rows": rows}]
    d = github.repo.dispatches[0]["inputs"]
    assert d["mode"] == "migrations" and d["migrations"] == "20250201_100000_add_users_score"
    assert f"column users.score (~{rows} rows)" in d["reason"]
    last = github.statuses(out.deployment_id)[-1]
    assert f"rollback dispatched (rollback drops column users.score (~{rows} rows))" in last["description"]


def test_drift_gate_refuses_a_drifted_database_before_anything_is_written(tmp_path, db_url, db, pg, s3, github,
                                                                         health_app):
    from toolkit.app.drift import check_before_deploy
    from toolkit.db import connect
    from toolkit.migrations.runner import apply_pending

    mdir = copy_migrations(tmp_path / "migrations")
    early = load_config(migrations_dir=str(copy_migrations(tmp_path / "early", upto=EXPAND_ONLY)))
    with connect(db_url) as conn:
        apply_pending(conn, early, "dev")
    db.execute("CREATE INDEX users_by_hand ON users (created_at)")  # a change made by hand
    config = load_config(migrations_dir=str(mdir))

    def gate(mode: str):
        return lambda: check_before_deploy(config, "dev", db_url, mode, scratch_url=pg.url()).message

    before = schema_fingerprint(db)
    out = deploy(DeployRequest(config=config, env_name="dev", database_url=db_url, drift_check=gate("refuse")),
                 reporter(github))
    assert out.result == "failure" and out.failed_step == "Drift check"
    assert "users_by_hand" in out.error and "refusing to migrate" in out.error
    assert schema_fingerprint(db) == before and out.backup_uri is None  # no backup, nothing migrated
    assert github.statuses(out.deployment_id)[-1]["state"] == "failure"

    out = deploy(DeployRequest(config=config, env_name="dev", database_url=db_url, drift_check=gate("warn")),
                 reporter(github))
    assert out.result == "success", out.error
    drift_step = next(s for s in out.story.steps if s.key == "drift")
    assert "has drifted" in drift_step.detail and "users_by_hand" in drift_step.detail
    assert out.applied == NAMES[EXPAND_ONLY:]
