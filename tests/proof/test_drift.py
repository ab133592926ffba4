"""drift on the session cluster: an environment migrated by the engine has no drift; one changed by
hand reports exactly those changes with the SQL that reconciles them; the environment is never
written to; the deploy gate refuses, warns or ignores."""

from __future__ import annotations

import json
import shutil

import psycopg
import pytest

from tests.fixtures.pg import REPO
from toolkit.app.drift import DriftSettings, check_before_deploy, connect_readonly, detect_drift
from toolkit.config import load_config
from toolkit.errors import ToolkitError, UsageError
from toolkit.migrations import runner, tracking
from toolkit.trace.catalog import snapshot

FUNCTION = """BEGIN;
CREATE FUNCTION user_label(uid bigint) RETURNS text LANGUAGE sql STABLE
AS $$ SELECT coalesce(display_name, email) FROM users WHERE id = uid $$;
COMMIT;
"""
FUNCTION_DOWN = "BEGIN;\nDROP FUNCTION user_label(bigint);\nCOMMIT;\n"


@pytest.fixture
def migrations(tmp_path):
    """The example migrations plus one that creates a function."""
    folder = tmp_path / "migrations"
    shutil.copytree(REPO / "migrations", folder)
    (folder / "20250120_100000_user_label.sql").write_text(FUNCTION)
    (folder / "20250120_100000_user_label_rollback.sql").write_text(FUNCTION_DOWN)
    return folder


@pytest.fixture
def env(migrations, db_url, monkeypatch, tmp_path):
    """An environment `dev` whose database has every migration applied by the engine."""
    monkeypatch.chdir(tmp_path)
    config = load_config(migrations_dir=str(migrations))
    with psycopg.connect(db_url, autocommit=True) as conn:
        runner.apply_pending(conn, config, "dev")
    return config


def _drift(config, db_url, pg):
    return detect_drift(DriftSettings(config, "dev", db_url, scratch_url=pg.url()))


def _state(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        rows = tracking.applied_rows(conn)
        data = conn.execute("SELECT count(*), string_agg(email, ',' ORDER BY id) FROM users").fetchone()
        return snapshot(conn), {n: (r.checksum, r.applied_at) for n, r in rows.items()}, data


def test_migrated_environment_has_no_drift(env, db_url, pg):
    result = _drift(env, db_url, pg)
    assert not result.drifted, [i.describe() for i in result.items]
    assert len(result.applied) == 9 and result.notes == ()


def test_hand_changes_report_exactly_those_three_differences(env, db_url, pg, db):
    db.execute("ALTER TABLE users ADD COLUMN hand_added text")
    db.execute("DROP INDEX idx_users_email")
    db.execute("CREATE OR REPLACE FUNCTION user_label(uid bigint) RETURNS text LANGUAGE sql STABLE "
               "AS $$ SELECT email FROM users WHERE id = uid $$")
    before = _state(db_url)

    result = _drift(env, db_url, pg)

    assert [(i.change, i.key) for i in result.items] == [
        ("added", "column public.users.hand_added"),
        ("changed", "function public.user_label(bigint)"),
        ("removed", "index public.idx_users_email"),
    ]
    by_key = {i.key.split(" ", 1)[0]: i for i in result.items}
    assert by_key["column"].sql == "ALTER TABLE public.users DROP COLUMN hand_added;"
    assert by_key["index"].sql == "CREATE UNIQUE INDEX CONCURRENTLY idx_users_email ON public.users USING btree (email);"
    assert by_key["function"].sql.startswith("CREATE OR REPLACE FUNCTION public.user_label(uid bigint)")
    assert "coalesce(display_name, email)" in by_key["function"].sql
    assert by_key["function"].difference.fields == ("definition",)
    assert by_key["column"].describe() == "column public.users.hand_added: in the database but not in the migrations"
    # drift only reads the environment.
    assert _state(db_url) == before

    # The reconcile SQL really reconciles: run it, and drift is gone.
    for item in result.items:
        db.execute(item.sql)
    assert not _drift(env, db_url, pg).drifted


def test_drift_session_cannot_write(db_url):
    with connect_readonly(db_url) as conn, pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        conn.execute("CREATE TABLE sneaky (id int)")


def test_invalid_index_is_reported_with_reindex(env, db_url, pg, db):
    # A failed CREATE INDEX CONCURRENTLY leaves an INVALID index: drift names it and suggests REINDEX.
    db.execute("DROP INDEX idx_users_email")
    db.execute("INSERT INTO users (email, status) VALUES ('ada@example.com', 'active')")
    with pytest.raises(psycopg.errors.UniqueViolation):
        db.execute("CREATE UNIQUE INDEX CONCURRENTLY idx_users_email ON users (email)")
    (item,) = _drift(env, db_url, pg).items
    assert item.key == "index public.idx_users_email" and item.change == "changed"
    assert item.difference.fields == ("ready", "valid") or item.difference.fields == ("valid",)
    assert item.sql == "REINDEX INDEX CONCURRENTLY public.idx_users_email;"


def test_applied_migration_whose_file_is_missing_is_bad_input(env, db_url, pg, migrations):
    (migrations / "20250120_100000_user_label.sql").unlink()
    (migrations / "20250120_100000_user_label_rollback.sql").unlink()
    with pytest.raises(UsageError, match="has applied 20250120_100000_user_label, but .* has no"):
        _drift(env, db_url, pg)


def test_deploy_gate(env, db_url, pg, db):
    assert check_before_deploy(env, "dev", db_url, "refuse", scratch_url=pg.url()).result.drifted is False
    db.execute("ALTER TABLE users ADD COLUMN hand_added text")
    with pytest.raises(ToolkitError, match="dev has drifted: 1 difference.*refusing to migrate.*hand_added"):
        check_before_deploy(env, "dev", db_url, "refuse", scratch_url=pg.url())
    gate = check_before_deploy(env, "dev", db_url, "warn", scratch_url=pg.url())
    assert gate.result.drifted and "migrating anyway" in gate.message
    # ignore does not even connect.
    assert check_before_deploy(env, "dev", "postgresql://nobody@127.0.0.1:1/x", "ignore").result is None
    with pytest.raises(UsageError):
        check_before_deploy(env, "dev", db_url, "sometimes")


def test_cli(env, db_url, pg, db, run_cli, migrations):
    args = ("drift", "--env", "dev", "--dir", str(migrations), "--scratch-url", pg.url())
    r = run_cli(*args, env={"DATABASE_URL_DEV": db_url})
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no drift: dev matches its 9 applied migration(s)" in r.stdout

    db.execute("DROP INDEX idx_users_email")
    r = run_cli(*args, "--format", "json", env={"DATABASE_URL_DEV": db_url})
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    assert [d["key"] for d in data["differences"]] == ["index public.idx_users_email"]

    r = run_cli(*args, "--format", "markdown", env={"DATABASE_URL_DEV": db_url})
    assert r.returncode == 1 and r.stdout.startswith("## Schema drift on dev")
    assert "CREATE UNIQUE INDEX CONCURRENTLY idx_users_email" in r.stdout
    # The password of the environment's URL never shows.
    assert pg.password not in r.stdout + r.stderr

    r = run_cli("drift", "--env", "nowhere", "--dir", str(migrations))
    assert r.returncode == 2 and "unknown environment 'nowhere'" in r.stderr and "Traceback" not in r.stderr


def test_migration_recorded_failed_part_way_is_rebuilt_up_to_its_statement(write_migrations, db_url, pg, db,
                                                                           monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    folder = write_migrations([])
    config = load_config(migrations_dir=str(folder))
    runner.apply_pending(db, config, "dev")
    (folder / "20250101_100001_two_indexes.sql").write_text(
        "CREATE INDEX CONCURRENTLY a_email ON accounts (email);\nCREATE INDEX CONCURRENTLY a_status ON accounts (status);\n")
    # A runner killed after statement 1: the first index stayed, the row says failed at statement 2.
    db.execute("CREATE INDEX CONCURRENTLY a_email ON accounts (email)")
    tracking.insert_row(db, "schema_migrations", "20250101_100001_two_indexes", "x", status="running")
    tracking.finish_row(db, "schema_migrations", "20250101_100001_two_indexes", status="failed", failed_statement=2,
                        error="killed")
    result = detect_drift(DriftSettings(config, "dev", db_url, scratch_url=pg.url()))
    assert not result.drifted, [i.describe() for i in result.items]
    assert result.notes == ("20250101_100001_two_indexes is recorded failed at statement 2: rebuilt its first 1 "
                            "statement(s) only",)
