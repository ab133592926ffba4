"""Applying migrations on a real PostgreSQL: order, atomicity, checksums, dry runs, errors."""

from __future__ import annotations

import json

from tests.migrations.helpers import columns, rows, table_exists, write

A = "20240101_000000_create_a"
B = "20240102_000000_create_b"
C = "20240103_000000_add_a_note"


def seed_three(mdir):
    write(mdir, A, "BEGIN;\nCREATE TABLE a (id int);\nINSERT INTO log_order VALUES ('a');\nCOMMIT;\n",
          "BEGIN;\nDROP TABLE a;\nCOMMIT;\n")
    write(mdir, B, "BEGIN;\nCREATE TABLE b (id int);\nINSERT INTO log_order VALUES ('b');\nCOMMIT;\n",
          "BEGIN;\nDROP TABLE b;\nCOMMIT;\n")
    write(mdir, C, "BEGIN;\nALTER TABLE a ADD COLUMN note text;\nINSERT INTO log_order VALUES ('c');\nCOMMIT;\n",
          "BEGIN;\nALTER TABLE a DROP COLUMN note;\nCOMMIT;\n")


def test_applies_pending_in_name_order_and_records_each(cli, mdir, db):
    db.execute("CREATE TABLE log_order (name text, at serial)")
    seed_three(mdir)
    r = cli("migrate", "--env", "dev")
    assert r.returncode == 0, r.stderr
    assert [x[0] for x in db.execute("SELECT name FROM log_order ORDER BY at")] == ["a", "b", "c"]
    rec = db.execute("SELECT migration_name, checksum, execution_ms, applied_by, toolkit_version, status "
                     "FROM schema_migrations ORDER BY 1").fetchall()
    assert [x[0] for x in rec] == [A, B, C]
    assert all(len(x[1]) == 64 and x[2] is not None and x[3] and x[4] and x[5] == "applied" for x in rec)
    assert "20240103_000000_add_a_note" in r.stderr  # progress names each migration on stderr
    again = cli("migrate", "--env", "dev")
    assert again.returncode == 0 and "up to date" in again.stdout
    assert db.execute("SELECT count(*) FROM log_order").fetchone()[0] == 3


def test_status_json_shape_and_states(cli, mdir, db):
    db.execute("CREATE TABLE log_order (name text, at serial)")
    seed_three(mdir)
    cli("migrate", "--env", "dev")
    write(mdir, "20240104_000000_later", "SELECT 1;")
    (mdir / f"{B}.sql").write_text("BEGIN;\nCREATE TABLE b (id bigint);\nCOMMIT;\n")  # edited after apply
    (mdir / f"{C}.sql").unlink()  # applied, file gone
    # (with its rollback: a rollback left without its migration is a stray file, refused by every command)
    (mdir / f"{C}_rollback.sql").unlink(missing_ok=True)
    r = cli("status", "--env", "dev", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert [(d["name"], d["state"]) for d in data] == [
        (A, "applied"), (B, "changed"), (C, "missing"), ("20240104_000000_later", "pending")]
    assert set(data[0]) == {"name", "state", "checksum", "applied_at", "execution_ms", "has_rollback"}
    assert data[0]["has_rollback"] is True and data[3]["has_rollback"] is False
    assert data[3]["applied_at"] is None and data[0]["applied_at"]
    text = cli("status", "--env", "dev")
    assert "changed" in text.stdout and "rebaseline" in text.stdout


def test_out_of_order_migration_is_refused_unless_allowed(cli, mdir, db):
    db.execute("CREATE TABLE log_order (name text, at serial)")
    write(mdir, A, "CREATE TABLE a (id int);")
    write(mdir, C, "CREATE TABLE c (id int);")
    assert cli("migrate", "--env", "dev").returncode == 0
    write(mdir, B, "CREATE TABLE b (id int);")  # merged late, older timestamp
    r = cli("migrate", "--env", "dev")
    assert r.returncode == 1
    assert B in r.stderr and C in r.stderr and "--allow-out-of-order" in r.stderr
    assert not table_exists(db, "b")
    r = cli("migrate", "--env", "dev", "--allow-out-of-order")
    assert r.returncode == 0, r.stderr
    assert table_exists(db, "b")


def test_failing_statement_rolls_back_the_whole_migration_and_names_file_line(cli, mdir, db):
    write(mdir, A, "CREATE TABLE a (id int);")
    bad = write(mdir, B, "-- Migration: b\nBEGIN;\nCREATE TABLE b (id int);\n\nINSERT INTO b (id)\n  SELECT missing_col FROM b;\nCOMMIT;\n")
    write(mdir, C, "CREATE TABLE c (id int);")
    r = cli("migrate", "--env", "dev")
    assert r.returncode == 1
    first = r.stderr.strip().splitlines()[-2]
    # PostgreSQL's error position points into the statement: the line is the column's, not the INSERT's
    assert first.startswith(f"error: {bad}:6: column \"missing_col\" does not exist"), r.stderr
    assert "nothing from this migration was applied" in first
    assert table_exists(db, "a") and not table_exists(db, "b") and not table_exists(db, "c")
    assert list(rows(db)) == [A]


def test_tracking_row_and_migration_commit_together(cli, mdir, db):
    """The file's own COMMIT is not executed: if recording fails, its DDL is gone too."""
    cli("migrate", "--env", "dev")  # creates schema_migrations (nothing pending is fine)
    db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (migration_name text PRIMARY KEY)")
    db.execute("""CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS
                  $$BEGIN RAISE EXCEPTION 'tracking insert refused'; END$$""")
    db.execute("CREATE TRIGGER refuse BEFORE INSERT ON schema_migrations FOR EACH ROW EXECUTE FUNCTION refuse()")
    write(mdir, A, "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n")
    r = cli("migrate", "--env", "dev")
    assert r.returncode != 0 and "tracking insert refused" in r.stderr
    assert not table_exists(db, "a")


def test_changed_applied_file_blocks_migrate_until_restored_or_rebaselined(cli, mdir, db):
    path = write(mdir, A, "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n")
    assert cli("migrate", "--env", "dev").returncode == 0
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))  # line endings only: not a change
    write(mdir, B, "CREATE TABLE b (id int);")
    assert cli("migrate", "--env", "dev").returncode == 0
    path.write_text("BEGIN;\nCREATE TABLE a (id int, x int);\nCOMMIT;\n")
    write(mdir, C, "CREATE TABLE c (id int);")
    r = cli("migrate", "--env", "dev")
    assert r.returncode == 1 and f"{A}.sql" in r.stderr and not table_exists(db, "c")
    assert cli("rebaseline", "--env", "dev").returncode == 2  # needs --name or --all-changed
    r = cli("rebaseline", "--name", A, "--env", "dev")
    assert r.returncode == 0, r.stderr
    assert "re-baselined" in db.execute("SELECT note FROM schema_migrations WHERE migration_name=%s", (A,)).fetchone()[0]
    assert cli("migrate", "--env", "dev").returncode == 0 and table_exists(db, "c")


def test_legacy_tracking_table_is_adopted(cli, mdir, db):
    """A table from the runbook's older script (raw sha256, fewer columns) keeps its history."""
    import hashlib
    path = write(mdir, A, "BEGIN;\r\nCREATE TABLE a (id int);\r\nCOMMIT;\r\n")
    db.execute("CREATE TABLE a (id int)")
    db.execute("CREATE TABLE schema_migrations (id serial PRIMARY KEY, migration_name varchar(255) UNIQUE NOT NULL,"
               " applied_at timestamp DEFAULT now(), checksum varchar(64))")
    db.execute("INSERT INTO schema_migrations (migration_name, checksum) VALUES (%s, %s)",
               (A, hashlib.sha256(path.read_bytes()).hexdigest()))
    write(mdir, B, "CREATE TABLE b (id int);")
    r = cli("migrate", "--env", "dev")
    assert r.returncode == 0, r.stderr
    assert list(rows(db)) == [A, B]
    assert "execution_ms" in columns(db, "schema_migrations")


def test_dry_run_changes_nothing_and_execute_proves_against_the_real_schema(cli, mdir, db):
    write(mdir, A, "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n")
    write(mdir, B, "CREATE INDEX CONCURRENTLY a_id ON a (id);")
    r = cli("migrate", "--env", "dev", "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "1. " + A in r.stdout and "in one transaction" in r.stdout
    assert "2. " + B in r.stdout and "outside a transaction" in r.stdout
    r = cli("migrate", "--env", "dev", "--dry-run", "--execute")
    assert r.returncode == 0, r.stderr
    assert f"{A}: ok" in r.stdout and "cannot be tried" in r.stdout
    assert not table_exists(db, "a") and not table_exists(db, "schema_migrations")
    write(mdir, C, "ALTER TABLE a ADD COLUMN b int REFERENCES missing(id);")
    (mdir / f"{B}.sql").unlink()
    r = cli("migrate", "--env", "dev", "--dry-run", "--execute")
    assert r.returncode == 1 and f"{C}.sql:1: relation \"missing\" does not exist" in r.stderr
    assert not table_exists(db, "a")


def test_syntax_error_stops_before_anything_runs(cli, mdir, db):
    write(mdir, A, "CREATE TABLE a (id int);")
    write(mdir, B, "BEGIN;\nCREATE TABLE b (id int;\nCOMMIT;\n")
    r = cli("migrate", "--env", "dev")
    assert r.returncode == 2
    assert f"{B}.sql:2:" in r.stderr and "syntax error" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not table_exists(db, "a") and rows(db) == {}


def test_url_resolution_and_connection_errors_never_print_the_password(run_cli, mdir, pg, db_name):
    write(mdir, A, "CREATE TABLE a (id int);")
    base = {"MIGRATIONS_DIR": str(mdir)}
    # DATABASE_URL_<ENV> wins over DATABASE_URL
    r = run_cli("status", "--env", "uat", env={**base, "DATABASE_URL_UAT": pg.url(db_name),
                                               "DATABASE_URL": pg.url("nope", password="s3cretpw")})
    assert r.returncode == 0, r.stderr
    r = run_cli("status", "--env", "dev", env={**base, "DATABASE_URL": pg.url(db_name, password="s3cretpw")})
    assert r.returncode == 1 and "password authentication failed" in r.stderr
    assert "s3cretpw" not in r.stderr + r.stdout and "Traceback" not in r.stderr
    r = run_cli("status", "--env", "dev", env=base)
    assert r.returncode == 2 and "DATABASE_URL_DEV" in r.stderr
    r = run_cli("migrate", "--env", "dev", "--dir", str(mdir / "missing"),
                env={"DATABASE_URL": pg.url(db_name)})
    assert r.returncode == 2 and "migrations directory not found" in r.stderr and "Traceback" not in r.stderr


def test_config_file_adds_an_environment(run_cli, tmp_path, mdir, pg, db_name):
    write(mdir, A, "CREATE TABLE a (id int);")
    (tmp_path / "migrate-action.toml").write_text(
        '[environments.staging]\nurl_env = "STAGING_DB"\nconfirm = true\n[engine]\nlock_timeout_ms = 300\n')
    r = run_cli("migrate", "--env", "staging", env={"MIGRATIONS_DIR": str(mdir), "STAGING_DB": pg.url(db_name)})
    assert r.returncode == 2 and "confirmation" in r.stderr  # confirm = true, no terminal
    r = run_cli("migrate", "--env", "staging", "--yes", env={"MIGRATIONS_DIR": str(mdir), "STAGING_DB": pg.url(db_name)})
    assert r.returncode == 0, r.stderr
    (tmp_path / "migrate-action.toml").write_text("[engine]\nlock_timeout = 3\n")
    r = run_cli("status", "--env", "dev", env={"MIGRATIONS_DIR": str(mdir), "DATABASE_URL": pg.url(db_name)})
    assert r.returncode == 2 and "unknown key(s) in [engine]: lock_timeout" in r.stderr


def test_percent_signs_dollar_quotes_and_unicode_reach_postgresql_verbatim(cli, mdir, db):
    """Statements are sent as written: no client-side placeholder processing of '%' or '%s'."""
    write(mdir, A, "BEGIN;\nCREATE TABLE a (v text DEFAULT 'é 100%');\n"
                   "CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN format('%s;%%', 'x'); END $$;\n"
                   "INSERT INTO a SELECT f() WHERE 'ab' LIKE 'a%';\nCOMMIT;\n")
    r = cli("migrate", "--env", "dev")
    assert r.returncode == 0, r.stderr
    assert db.execute("SELECT v FROM a").fetchone()[0] == "x;%"
    assert db.execute("SELECT column_default FROM information_schema.columns WHERE table_name='a'").fetchone()[0] \
        == "'é 100%'::text"
