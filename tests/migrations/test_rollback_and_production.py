"""Rollback with the same atomicity; production confirmation; the runbook's own examples."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.migrations.helpers import columns, rows, table_exists, write

REPO = Path(__file__).resolve().parents[2]
A, B, C = "20240101_000000_a", "20240102_000000_b", "20240103_000000_c"


def three(mdir):
    write(mdir, A, "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n", "BEGIN;\nDROP TABLE a;\nCOMMIT;\n")
    write(mdir, B, "BEGIN;\nALTER TABLE a ADD COLUMN b int;\nCOMMIT;\n", "BEGIN;\nALTER TABLE a DROP COLUMN b;\nCOMMIT;\n")
    write(mdir, C, "BEGIN;\nALTER TABLE a ADD COLUMN c int;\nCOMMIT;\n", "BEGIN;\nALTER TABLE a DROP COLUMN c;\nCOMMIT;\n")


def test_rollback_refuses_when_later_migrations_are_applied_and_cascades_newest_first(cli, mdir, db):
    three(mdir)
    assert cli("migrate", "--env", "dev").returncode == 0
    r = cli("rollback", "--name", B, "--env", "dev")
    assert r.returncode == 1 and f"later migrations are still applied: {C}" in r.stderr and "--cascade" in r.stderr
    assert columns(db, "a") == ["id", "b", "c"]
    r = cli("rollback", "--name", B, "--env", "dev", "--cascade")
    assert r.returncode == 0, r.stderr
    assert r.stderr.index(C) < r.stderr.index(f"rolling back {B}")
    assert columns(db, "a") == ["id"] and list(rows(db)) == [A]
    r = cli("rollback", "--name", B, "--env", "dev")
    assert r.returncode == 1 and "is not applied" in r.stderr


def test_rollback_is_atomic_with_its_tracking_row(cli, mdir, db):
    write(mdir, A, "CREATE TABLE a (id int, x int);",
          "BEGIN;\nALTER TABLE a DROP COLUMN x;\nDROP TABLE does_not_exist;\nCOMMIT;\n")
    assert cli("migrate", "--env", "dev").returncode == 0
    r = cli("rollback", "--name", A, "--env", "dev")
    assert r.returncode == 1
    assert f"{A}_rollback.sql:3: table \"does_not_exist\" does not exist" in r.stderr
    assert "the migration is still applied" in r.stderr
    assert columns(db, "a") == ["id", "x"] and list(rows(db)) == [A]


def test_missing_or_empty_rollback_file_points_to_a_restore(cli, mdir, db):
    write(mdir, A, "CREATE TABLE a (id int);")
    write(mdir, B, "CREATE TABLE b (id int);", "-- Rollback: b\nBEGIN;\n-- nothing here yet\nCOMMIT;\n")
    assert cli("migrate", "--env", "dev").returncode == 0
    r = cli("rollback", "--name", A, "--env", "dev", "--cascade")
    assert r.returncode == 1 and "has no rollback file" in r.stderr and "restore" in r.stderr
    r = cli("rollback", "--name", B, "--env", "dev")
    assert r.returncode == 1 and "has no statements" in r.stderr
    assert table_exists(db, "b") and list(rows(db)) == [A, B]


def test_production_writes_need_confirmation_and_nothing_is_written_before(cli, mdir, db):
    three(mdir)
    r = cli("migrate", "--env", "production", "--skip-backup-check", "--reason", "test")
    assert r.returncode == 2 and "refusing to apply 3 migration(s) on 'production' without confirmation" in r.stderr
    assert not table_exists(db, "schema_migrations") and not table_exists(db, "a")
    r = cli("migrate", "--env", "production", "--skip-backup-check")
    assert r.returncode == 2 and "--reason" in r.stderr
    r = cli("migrate", "--env", "production", "--yes", "--skip-backup-check", "--reason", "hotfix #42")
    assert r.returncode == 0, r.stderr
    notes = {n: v[3] for n, v in rows(db).items()}
    assert notes == {n: "backup check skipped: hotfix #42" for n in (A, B, C)}
    r = cli("rollback", "--name", C, "--env", "production")
    assert r.returncode == 2 and "without confirmation" in r.stderr and "c" in columns(db, "a")


@pytest.mark.skipif(shutil.which("script") is None, reason="needs util-linux script for a pseudo-terminal")
def test_production_confirmation_on_a_terminal(mdir, db_url, db, tmp_path):
    three(mdir)
    env = {**os.environ, "DATABASE_URL": db_url, "MIGRATIONS_DIR": str(mdir), "NO_COLOR": "1"}
    cmd = f"{sys.executable} -m toolkit migrate --env production --skip-backup-check --reason tty-test"

    def on_tty(typed: str) -> subprocess.CompletedProcess:
        return subprocess.run(["script", "-qec", cmd, "/dev/null"], input=typed, env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)

    r = on_tty("prod\n")
    assert r.returncode == 1 and "confirmation did not match" in r.stdout
    assert not table_exists(db, "a")
    r = on_tty("production\n")
    assert r.returncode == 0, r.stdout
    assert "Type the environment name (production)" in r.stdout and table_exists(db, "a")


def test_runbook_examples_apply_and_roll_back_completely(run_cli, db_url, db, tmp_path):
    """The example migrations: create table with index, nullable column -> backfill -> NOT NULL,
    changing a column's type, and a concurrent index; all apply, and all roll back."""
    mdir = tmp_path / "backend" / "migrations"
    shutil.copytree(REPO / "migrations", mdir)
    env = {"DATABASE_URL": db_url, "NO_COLOR": "1"}
    r = run_cli("migrate", "--env", "dev", env=env, cwd=mdir)  # run from inside the folder, as the runbook does
    assert r.returncode == 0, r.stderr
    names = sorted(p.name[:-4] for p in mdir.glob("*.sql") if not p.name.endswith("_rollback.sql"))
    assert list(rows(db)) == names
    assert db.execute("SELECT count(*) FROM users WHERE status = 'active'").fetchone()[0] == 3
    assert db.execute("SELECT is_nullable FROM information_schema.columns "
                      "WHERE table_name='users' AND column_name='status'").fetchone()[0] == "NO"
    assert "display_name" in columns(db, "users") and "nickname" not in columns(db, "users")
    r = run_cli("rollback", "--name", names[0], "--env", "dev", "--cascade", env=env, cwd=mdir)
    assert r.returncode == 0, r.stderr
    left = db.execute("SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
                      "AND relkind IN ('r', 'i', 'S') ORDER BY 1").fetchall()
    assert [x[0] for x in left] == ["schema_migrations", "schema_migrations_pkey"]
