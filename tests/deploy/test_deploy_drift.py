"""`deploy` honours the environment's drift setting: refuse stops before anything is written."""

from __future__ import annotations

from tests.deploy.helpers import EXPAND_ONLY, copy_migrations, schema_fingerprint


def _arrange(tmp_path, db_url, db, drift: str):
    from toolkit.config import load_config
    from toolkit.db import connect
    from toolkit.migrations.runner import apply_pending

    mdir = copy_migrations(tmp_path / "migrations")
    early = load_config(migrations_dir=str(copy_migrations(tmp_path / "early", upto=EXPAND_ONLY)))
    with connect(db_url) as conn:
        apply_pending(conn, early, "dev")
    db.execute("ALTER TABLE users ADD COLUMN added_by_hand text")
    (tmp_path / "migrate-action.toml").write_text(f'[environments.dev]\ndrift = "{drift}"\n')
    return mdir


def test_deploy_refuses_a_drifted_environment(tmp_path, db_url, db, pg, run_cli):
    mdir = _arrange(tmp_path, db_url, db, "refuse")
    before = schema_fingerprint(db)
    run = run_cli("deploy", "--env", "dev", "--dir", str(mdir), "--github", "off", "--scratch-url", pg.url(),
                  env={"DATABASE_URL_DEV": db_url})
    assert run.returncode == 1, run.stdout + run.stderr
    errors = [ln for ln in run.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "drift" in errors[0].lower() and "added_by_hand" in errors[0]
    assert schema_fingerprint(db) == before


def test_deploy_warns_and_migrates_when_drift_is_warn(tmp_path, db_url, db, pg, run_cli):
    mdir = _arrange(tmp_path, db_url, db, "warn")
    run = run_cli("deploy", "--env", "dev", "--dir", str(mdir), "--github", "off", "--format", "json",
                  env={"DATABASE_URL_DEV": db_url, "MIGRATE_ACTION_SCRATCH_URL": pg.url()})
    assert run.returncode == 0, run.stderr
    import json

    out = json.loads(run.stdout)
    drift = next(s for s in out["steps"] if s["step"] == "drift")
    assert "has drifted" in drift["detail"] and "added_by_hand" in drift["detail"]
    assert out["result"] == "success"
