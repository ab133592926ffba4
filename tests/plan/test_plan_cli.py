"""`lint`, `plan` and `comment` end to end: the real CLI in a subprocess, a real PostgreSQL, a real git
repository, and the local GitHub API stand-in."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import psycopg

SAFE = """-- Migration: add_prefs
BEGIN;
CREATE TABLE IF NOT EXISTS user_prefs (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint NOT NULL);
CREATE INDEX IF NOT EXISTS idx_user_prefs_user_id ON user_prefs (user_id);
COMMIT;
"""
SAFE_RB = "BEGIN;\nDROP TABLE IF EXISTS user_prefs;\nCOMMIT;\n"
BASE = """-- Migration: create_accounts
BEGIN;
CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text, name varchar(40));
COMMIT;
"""
BASE_RB = "BEGIN;\nDROP TABLE accounts;\nCOMMIT;\n"
RISKY = """-- Migration: index_accounts_email
BEGIN;
CREATE INDEX idx_accounts_email ON accounts (email);
ALTER TABLE accounts ALTER COLUMN name TYPE text;
COMMIT;
"""
RISKY_RB = "BEGIN;\nDROP INDEX idx_accounts_email;\nALTER TABLE accounts ALTER COLUMN name TYPE varchar(40);\nCOMMIT;\n"


def _write(d: Path, name: str, up: str, rb: str | None) -> None:
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{name}.sql").write_text(up)
    if rb is not None:
        (d / f"{name}_rollback.sql").write_text(rb)


def test_lint_exit_codes_and_syntax_errors(run_cli, tmp_path: Path) -> None:
    mdir = tmp_path / "migrations"
    _write(mdir, "20250101_000000_add_prefs", SAFE, SAFE_RB)
    ok = run_cli("lint", "--dir", str(mdir))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "no findings" in ok.stdout

    _write(mdir, "20250102_000000_index_accounts_email", RISKY, RISKY_RB)
    bad = run_cli("lint", "--dir", str(mdir))
    assert bad.returncode == 1
    assert "migrations/20250102_000000_index_accounts_email.sql:3  require-concurrent-index-creation" in bad.stdout
    assert run_cli("lint", "--dir", str(mdir), "--fail-on", "never").returncode == 0

    (mdir / "20250103_000000_broken.sql").write_text("BEGIN;\nALTER TABLE accounts ADD COLUMN x int;\n"
                                                     "ALTER TABLEE accounts DROP COLUMN y;\nCOMMIT;\n")
    broken = run_cli("lint", "--dir", str(mdir), "--format", "github")
    assert broken.returncode == 2, broken.stderr
    assert "Traceback" not in broken.stderr
    assert "::error file=migrations/20250103_000000_broken.sql,line=3,title=migrate-action%3A syntax-error::" \
        in broken.stdout


def test_lint_suppression_and_config_disable(run_cli, tmp_path: Path) -> None:
    mdir = tmp_path / "migrations"
    _write(mdir, "20250102_000000_index_accounts_email",
           RISKY.replace("CREATE INDEX", "-- migrate-action: ignore require-concurrent-index-creation\nCREATE INDEX"),
           RISKY_RB)
    out = run_cli("lint", "--dir", str(mdir), "--format", "json")
    rules = [f["rule"] for m in json.loads(out.stdout)["migrations"] for f in m["findings"]]
    assert "require-concurrent-index-creation" not in rules and "changing-column-type" in rules

    (tmp_path / "migrate-action.toml").write_text('[lint]\ndisable = ["changing-column-type", "blocking-scan"]\n')
    out = run_cli("lint", "--dir", str(mdir), "--format", "json")
    assert [f["rule"] for m in json.loads(out.stdout)["migrations"] for f in m["findings"]] == []
    assert out.returncode == 0

    (tmp_path / "migrate-action.toml").write_text('[lint]\ndisable = ["no-such-rule"]\n')
    out = run_cli("lint", "--dir", str(mdir))
    assert out.returncode == 2 and "no-such-rule" in out.stderr
    (tmp_path / "migrate-action.toml").write_text('[lint]\nfail_on = "critical"\n')
    out = run_cli("lint", "--dir", str(mdir))
    assert out.returncode == 2 and "critical" in out.stderr and "Traceback" not in out.stderr


def test_plan_from_the_database_with_table_sizes(run_cli, tmp_path: Path, db_url: str, db) -> None:
    mdir = tmp_path / "migrations"
    _write(mdir, "20250101_000000_create_accounts", BASE, BASE_RB)
    applied = run_cli("migrate", "--env", "dev", "--database-url", db_url, "--dir", str(mdir))
    assert applied.returncode == 0, applied.stderr
    db.execute("INSERT INTO accounts (email, name) SELECT 'u' || g || '@x', 'n' FROM generate_series(1, 5000) g")
    db.execute("ANALYZE accounts")
    _write(mdir, "20250102_000000_index_accounts_email", RISKY, RISKY_RB)

    out = run_cli("plan", "--env", "dev", "--database-url", db_url, "--dir", str(mdir), "--format", "json")
    assert out.returncode == 0, out.stdout + out.stderr  # a 5,000-row table: errors drop to notices
    data = json.loads(out.stdout)
    assert [m["name"] for m in data["migrations"]] == ["20250102_000000_index_accounts_email"]
    assert data["tables"]["accounts"]["rows"] == 5000 and data["tables"]["accounts"]["bytes"] > 0
    findings = {f["rule"]: f for f in data["migrations"][0]["findings"]}
    assert findings["require-concurrent-index-creation"]["severity"] == "notice"
    assert "~5.0 k rows" in findings["require-concurrent-index-creation"]["message"]
    # varchar(40) -> text is binary-coercible: the applied migration told us the current type.
    assert "changing-column-type" not in findings

    md = run_cli("plan", "--env", "dev", "--database-url", db_url, "--dir", str(mdir), "--format", "markdown",
                 "--fail-on", "notice")
    assert md.returncode == 1
    assert md.stdout.startswith("<!-- migrate-action:plan:dev -->")


def test_plan_without_database_uses_git_base_ref(run_cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    mdir = repo / "migrations"
    _write(mdir, "20250101_000000_create_accounts", BASE, BASE_RB)

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=repo,
                       check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", ".")
    git("commit", "-q", "-m", "base")
    git("checkout", "-q", "-b", "feature")
    _write(mdir, "20250102_000000_index_accounts_email", RISKY, RISKY_RB)
    git("add", ".")
    git("commit", "-q", "-m", "risky")
    _write(mdir, "20250103_000000_add_prefs", SAFE, SAFE_RB)  # not committed yet: still part of the branch

    out = run_cli("plan", "--env", "production", "--base-ref", "main", "--dir", str(mdir), "--format", "json",
                  cwd=repo)
    assert out.returncode == 1, out.stderr
    data = json.loads(out.stdout)
    assert [m["name"] for m in data["migrations"]] == ["20250102_000000_index_accounts_email",
                                                       "20250103_000000_add_prefs"]
    assert data["migrations"][0]["path"] == "migrations/20250102_000000_index_accounts_email.sql"
    assert "changing-column-type" not in [f["rule"] for f in data["migrations"][0]["findings"]]

    missing = run_cli("plan", "--env", "production", "--dir", str(mdir), cwd=repo)
    assert missing.returncode == 2 and "no --base-ref" in missing.stderr
    unknown = run_cli("plan", "--env", "production", "--base-ref", "nope", "--dir", str(mdir), cwd=repo)
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr


def test_comment_is_posted_once_then_edited(run_cli, tmp_path: Path, db_url: str, github_api,
                                            actions_runner) -> None:
    mdir = tmp_path / "migrations"
    _write(mdir, "20250101_000000_create_accounts", BASE, BASE_RB)
    env = {**actions_runner.env, **github_api.env}
    first = run_cli("comment", "--env", "dev", "--database-url", db_url, "--dir", str(mdir), env=env)
    assert first.returncode == 0, first.stderr
    assert "Posted the dev plan" in first.stdout
    comments = github_api.comments(7)
    assert len(comments) == 1 and comments[0]["body"].startswith("<!-- migrate-action:plan:dev -->")
    assert "20250101_000000_create_accounts" in comments[0]["body"]

    _write(mdir, "20250102_000000_index_accounts_email", RISKY, RISKY_RB)
    second = run_cli("comment", "--env", "dev", "--database-url", db_url, "--dir", str(mdir), env=env)
    # Both are pending, so accounts is created in the same run: indexing it then is safe and quiet.
    assert second.returncode == 0, second.stderr
    assert "Updated the dev plan" in second.stdout
    after = github_api.comments(7)
    assert len(after) == 1 and after[0]["id"] == comments[0]["id"]
    assert "20250102_000000_index_accounts_email" in after[0]["body"] and "2 migrations to apply" in after[0]["body"]
    assert "Migration plan for `dev`" in actions_runner.summary()


def test_db_connection_failure_is_one_line(run_cli, tmp_path: Path) -> None:
    mdir = tmp_path / "migrations"
    _write(mdir, "20250101_000000_create_accounts", BASE, BASE_RB)
    out = run_cli("plan", "--env", "dev", "--database-url", "postgresql://u:secret@127.0.0.1:1/x", "--dir", str(mdir))
    assert out.returncode != 0 and "secret" not in out.stderr and "Traceback" not in out.stderr
    assert out.stderr.startswith("error: cannot connect")
    _ = psycopg  # the fixture connection type, for readers


def test_lint_of_one_file_reads_the_earlier_migrations_of_its_folder(run_cli, tmp_path: Path) -> None:
    # `lint <file>` judges the file after the migrations before it: varchar(40) -> text is
    # binary-coercible only because the earlier file declared the column varchar(40).
    mdir = tmp_path / "migrations"
    _write(mdir, "20250101_000000_create_accounts", BASE, BASE_RB)
    _write(mdir, "20250102_000000_index_accounts_email", RISKY, RISKY_RB)
    _write(mdir, "20250103_000000_add_prefs", SAFE, SAFE_RB)  # after it: not history
    out = run_cli("lint", str(mdir / "20250102_000000_index_accounts_email.sql"), "--format", "json",
                  "--fail-on", "never")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert [m["name"] for m in report["migrations"]] == ["20250102_000000_index_accounts_email"]
    rules = {f["rule"] for m in report["migrations"] for f in m["findings"]}
    assert "require-concurrent-index-creation" in rules and "changing-column-type" not in rules, rules
    # without the earlier file the column's type is unknown: the same change is flagged
    (mdir / "20250101_000000_create_accounts.sql").unlink()
    (mdir / "20250101_000000_create_accounts_rollback.sql").unlink()
    out = run_cli("lint", str(mdir / "20250102_000000_index_accounts_email.sql"), "--format", "json",
                  "--fail-on", "never")
    rules = {f["rule"] for m in json.loads(out.stdout)["migrations"] for f in m["findings"]}
    assert "changing-column-type" in rules, rules
