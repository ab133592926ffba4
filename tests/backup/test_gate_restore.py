"""The production gate, restore (exact state, atomic, confirmed), and backup-databases.sh."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import psycopg
import pytest
from msgspec.structs import replace

from tests.backup.conftest import MIGRATIONS, seed
from toolkit.backup import take_backup
from toolkit.backup.gate import require_verified_backup
from toolkit.backup.s3 import parse_uri
from toolkit.errors import ToolkitError

REPO = Path(__file__).resolve().parents[2]


def test_gate_refuses_without_backup_and_accepts_a_fresh_verified_one(seeded, db_url, config, s3):
    prod = config.environment("production")
    assert prod.require_backup
    with pytest.raises(ToolkitError, match="no backup of production database") as exc:
        require_verified_backup(config, prod, db_url, MIGRATIONS[-1])
    assert "backup --env production" in exc.value.hint

    result = take_backup(config, prod, db_url, progress=False)
    assert require_verified_backup(config, prod, db_url, MIGRATIONS[-1]) == result.uri

    # A newer migration applied since: the backup no longer stands behind the database.
    with pytest.raises(ToolkitError, match="taken at migration 20240102_000000_add_orders"):
        require_verified_backup(config, prod, db_url, "20250101_000000_newer")
    # Too old for a stricter environment.
    strict = replace(prod, backup_max_age_min=0.5 / 60)
    time.sleep(1.1)
    with pytest.raises(ToolkitError, match="old"):
        require_verified_backup(config, strict, db_url, MIGRATIONS[-1])
    # Another environment's backups do not count.
    with pytest.raises(ToolkitError, match="no backup of uat"):
        require_verified_backup(config, config.environment("uat"), db_url, MIGRATIONS[-1])
    # The object disappears behind the manifest's back.
    obj = parse_uri(result.uri)
    s3.client().delete_object(Bucket=obj.bucket, Key=obj.key)
    with pytest.raises(ToolkitError):
        require_verified_backup(config, prod, db_url, MIGRATIONS[-1])


def test_migrate_on_production_is_gated_by_a_backup(db, db_url, s3, run_cli, tmp_path):
    mdir = tmp_path / "migrations"
    mdir.mkdir()
    (mdir / "20240105_000000_add_widgets.sql").write_text("BEGIN;\nCREATE TABLE widgets (id int);\nCOMMIT;\n")
    (mdir / "20240105_000000_add_widgets_rollback.sql").write_text("BEGIN;\nDROP TABLE widgets;\nCOMMIT;\n")
    env = {**s3.env, "DATABASE_URL_PRODUCTION": db_url}
    refused = run_cli("migrate", "--env", "production", "--yes", env=env)
    assert refused.returncode != 0
    assert "backup" in refused.stderr and "backup --env production" in refused.stderr
    assert db.execute("SELECT to_regclass('widgets')").fetchone()[0] is None

    assert run_cli("backup", "--env", "production", "--quiet", env=env).returncode == 0
    ok = run_cli("migrate", "--env", "production", "--yes", env=env)
    assert ok.returncode == 0, ok.stderr
    assert db.execute("SELECT to_regclass('widgets')").fetchone()[0] == "widgets"


def _later_changes(conn: psycopg.Connection) -> None:
    """What a later migration (and the application) did after the backup."""
    conn.execute("""
        CREATE TABLE public.added_later (id int);
        CREATE SCHEMA reporting; CREATE TABLE reporting.daily (d date);
        ALTER TABLE users ADD COLUMN nickname text;
        DELETE FROM sales.orders WHERE id <= 20;
        INSERT INTO schema_migrations (migration_name) VALUES ('20240109_000000_later');
    """)


def test_restore_gives_back_the_database_exactly_as_backed_up(seeded, db_url, s3, run_cli):
    env = {**s3.env, "DATABASE_URL_PRODUCTION": db_url}
    uri = run_cli("backup", "--env", "production", "--quiet", env=env).stdout.strip()
    before = {"orders": seeded.execute("SELECT count(*), sum(amount) FROM sales.orders").fetchone()}
    _later_changes(seeded)

    # Production asks first; with no terminal and no --yes, it refuses and changes nothing.
    refused = run_cli("restore", "--uri", uri, "--env", "production", env=env)
    assert refused.returncode == 2 and "without confirmation" in refused.stderr
    assert seeded.execute("SELECT to_regclass('public.added_later')").fetchone()[0] is not None

    r = run_cli("restore", "--uri", uri, "--env", "production", "--yes", "--quiet", env=env)
    assert r.returncode == 0, r.stderr
    got = seeded.execute("""SELECT to_regclass('public.added_later'), to_regnamespace('reporting'),
        (SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'nickname'),
        (SELECT array_agg(migration_name ORDER BY 1) FROM schema_migrations)""").fetchone()
    assert got == (None, None, 0, list(MIGRATIONS))
    assert seeded.execute("SELECT count(*), sum(amount) FROM sales.orders").fetchone() == before["orders"]
    # Sequences, constraints and the public schema's default privileges came back too.
    assert seeded.execute("SELECT nextval('users_id_seq')").fetchone()[0] == 51
    assert seeded.execute("SELECT has_schema_privilege('public', 'public', 'USAGE')").fetchone()[0]
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        seeded.execute("INSERT INTO sales.orders (user_id) VALUES (9999)")
    records = [k for k in s3.keys() if "/restores/" in k]
    assert len(records) == 1
    record = json.loads(s3.client().get_object(Bucket=s3.bucket, Key=records[0])["Body"].read())
    assert record["uri"] == uri and record["newest_migration"] == MIGRATIONS[-1]


def test_restore_of_a_corrupt_object_changes_nothing(seeded, db_url, config, s3):
    from toolkit.backup.restore import restore_backup

    result = take_backup(config, config.environment("dev"), db_url, progress=False)
    obj = parse_uri(result.uri)
    data = s3.client().get_object(Bucket=obj.bucket, Key=obj.key)["Body"].read()
    s3.client().put_object(Bucket=obj.bucket, Key=obj.key, Body=data[: len(data) // 2])
    _later_changes(seeded)
    with pytest.raises(ToolkitError, match="rolled back"):
        restore_backup(config, config.environment("dev"), db_url, result.uri, progress=False)
    assert seeded.execute("SELECT to_regclass('public.added_later')").fetchone()[0] is not None
    assert seeded.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(MIGRATIONS) + 1


def _script(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "MIGRATE_ENV"))}
    full.update(env)
    return subprocess.run([str(REPO / "scripts/database/backup-databases.sh"), *args], capture_output=True,
                          text=True, env=full, cwd=cwd, timeout=120)


def test_backup_databases_script_backs_up_every_database(pg, db_url, db, s3, tmp_path):
    seed(db)
    second = pg.create_database(f"second_{os.getpid()}_{time.monotonic_ns()}")
    try:
        with psycopg.connect(second, autocommit=True) as conn:
            conn.execute("CREATE TABLE notes (t text); INSERT INTO notes VALUES ('a'), ('b')")
        (tmp_path / "migrate-action.toml").write_text(
            '[environments.uat]\nextra_url_envs = ["ANALYTICS_DATABASE_URL"]\n')
        env = {**s3.env, "DATABASE_URL_UAT": db_url, "ANALYTICS_DATABASE_URL": second}
        r = _script(["--env", "uat", "--quiet"], env, tmp_path)
        assert r.returncode == 0, r.stderr
        lines = r.stdout.strip().splitlines()
        assert [ln.split()[0] for ln in lines] == ["DATABASE_URL_UAT", "ANALYTICS_DATABASE_URL"]
        assert all(ln.split()[1].startswith(f"s3://{s3.bucket}/migrate-action/uat/") for ln in lines)
        assert len([k for k in s3.keys() if k.endswith(".manifest.json")]) == 2
        assert "2 database(s) of 'uat' backed up" in r.stderr

        # One database unreachable: the others are still backed up, and the script fails loudly.
        env["ANALYTICS_DATABASE_URL"] = second.rsplit("/", 1)[0] + "/no_such_database"
        bad = _script(["--env", "uat", "--quiet"], env, tmp_path)
        assert bad.returncode == 1
        assert "FAILED for 1 of 2" in bad.stderr and "ANALYTICS_DATABASE_URL" in bad.stderr
        assert bad.stdout.startswith("DATABASE_URL_UAT s3://")
        assert pg.password not in bad.stderr + bad.stdout
    finally:
        pg.drop_database(second.rsplit("/", 1)[1])
