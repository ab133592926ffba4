"""`plan` against a database reads what a file cannot know: the server's TimeZone (does timestamp ->
timestamptz rewrite?) and the volatility of functions that exist there (does a DEFAULT rewrite?)."""

from __future__ import annotations

import json
from pathlib import Path


def _write(mdir: Path, name: str, up: str, down: str) -> None:
    mdir.mkdir(parents=True, exist_ok=True)
    (mdir / f"{name}.sql").write_text(up)
    (mdir / f"{name}_rollback.sql").write_text(down)


def _plan(run_cli, db_url: str, mdir: Path) -> dict:
    out = run_cli("plan", "--env", "dev", "--database-url", db_url, "--dir", str(mdir), "--format", "json",
                  "--fail-on", "never")
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout)


def _rewrites(data: dict) -> list[str]:
    return [lk["table"] for m in data["migrations"] for st in m["statements"] for lk in st["locks"]
            if lk.get("rewrite")]


def _arrange(run_cli, db_url, tmp_path) -> Path:
    mdir = tmp_path / "migrations"
    _write(mdir, "20250101_000000_create_events",
           "BEGIN;\nCREATE TABLE events (id bigint PRIMARY KEY, at timestamp);\nCOMMIT;\n",
           "BEGIN;\nDROP TABLE events;\nCOMMIT;\n")
    applied = run_cli("migrate", "--env", "dev", "--database-url", db_url, "--dir", str(mdir))
    assert applied.returncode == 0, applied.stderr
    _write(mdir, "20250102_000000_events_at_tz",
           "BEGIN;\nALTER TABLE events ALTER COLUMN at TYPE timestamptz;\nCOMMIT;\n",
           "BEGIN;\nALTER TABLE events ALTER COLUMN at TYPE timestamp;\nCOMMIT;\n")
    return mdir


def test_timestamptz_change_follows_the_servers_timezone(run_cli, tmp_path: Path, db_url: str, db) -> None:
    mdir = _arrange(run_cli, db_url, tmp_path)
    dbname = db.execute("SELECT current_database()").fetchone()[0]
    db.execute(f'ALTER DATABASE "{dbname}" SET timezone = \'UTC\'')
    assert _rewrites(_plan(run_cli, db_url, mdir)) == []  # PostgreSQL skips the rewrite in UTC
    db.execute(f'ALTER DATABASE "{dbname}" SET timezone = \'Europe/Paris\'')
    assert _rewrites(_plan(run_cli, db_url, mdir)) == ["events"]


def test_a_volatile_function_in_the_database_makes_a_default_rewrite(run_cli, tmp_path: Path, db_url: str,
                                                                      db) -> None:
    mdir = tmp_path / "migrations"
    _write(mdir, "20250101_000000_create_events",
           "BEGIN;\nCREATE TABLE events (id bigint PRIMARY KEY);\nCOMMIT;\n",
           "BEGIN;\nDROP TABLE events;\nCOMMIT;\n")
    applied = run_cli("migrate", "--env", "dev", "--database-url", db_url, "--dir", str(mdir))
    assert applied.returncode == 0, applied.stderr
    # created outside the migrations (by hand, by an extension): only the database knows it
    db.execute("CREATE FUNCTION next_code() RETURNS int LANGUAGE plpgsql AS $$BEGIN RETURN 1; END$$")
    db.execute("CREATE FUNCTION fixed_code() RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 1'")
    _write(mdir, "20250102_000000_events_code",
           "BEGIN;\nALTER TABLE events ADD COLUMN code int DEFAULT next_code();\n"
           "ALTER TABLE events ADD COLUMN fixed int DEFAULT fixed_code();\nCOMMIT;\n",
           "BEGIN;\nALTER TABLE events DROP COLUMN code, DROP COLUMN fixed;\nCOMMIT;\n")
    data = _plan(run_cli, db_url, mdir)
    stmts = data["migrations"][0]["statements"]
    assert [lk.get("rewrite") for lk in stmts[0]["locks"]] == [True]
    assert [lk.get("rewrite") for lk in stmts[1]["locks"]] == [False]
