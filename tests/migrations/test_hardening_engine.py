"""Engine hardening (issue 9): runner lock for mark, session isolation between migrations, a
qualified and protected tracking table, timeouts a file cannot switch off, bounded and named lock
waits, an honest trial run, one-line errors, and one meaning of has_rollback."""

from __future__ import annotations

import json
import time

import psycopg

from tests.migrations.helpers import columns, rows, table_exists, write
from tests.migrations.test_runner_safety import popen_cli, wait_for

SHORT_LOCKS = ("[engine]\nlock_timeout_ms = 100\nlock_timeout_max_ms = 400\nlock_retry_pause_ms = 100\n"
               "lock_retry_deadline_s = 2\n")


def _one_line_error(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr
    assert "error ignored" not in stderr, stderr


# -- item 2: mark takes the runner lock and refuses a live migration --------------------------

def test_mark_pending_refuses_a_migration_a_live_runner_is_in(mdir, db, db_url, tmp_path, cli):
    db.execute("CREATE TABLE acc (id int PRIMARY KEY, balance int); INSERT INTO acc VALUES (1, 100)")
    write(mdir, "20240101_000000_double",
          "CREATE INDEX CONCURRENTLY acc_balance ON acc (balance);\n"
          "UPDATE acc SET balance = balance * 2;\nSELECT pg_sleep(3);\n")
    p = popen_cli(["migrate", "--env", "dev"], {"DATABASE_URL": db_url, "MIGRATIONS_DIR": str(mdir)}, tmp_path)
    try:
        assert wait_for(lambda: rows(db).get("20240101_000000_double", ("",))[0] == "running")
        r = cli("mark", "--name", "20240101_000000_double", "--as", "pending", "--env", "dev")
        out, err = p.communicate(timeout=60)
    finally:
        p.kill()
    assert p.returncode == 0, err
    assert r.returncode == 1, r.stdout + r.stderr
    assert "running" in r.stderr and "20240101_000000_double" in r.stderr
    _one_line_error(r.stderr)
    assert rows(db)["20240101_000000_double"][0] == "applied"
    again = cli("migrate", "--env", "dev")
    assert again.returncode == 0 and "Nothing to migrate" in again.stdout
    assert db.execute("SELECT balance FROM acc").fetchone()[0] == 200


# -- item 4: every migration starts from the same session state ------------------------------

def test_session_state_does_not_leak_between_migrations_of_one_run(mdir, db, db_url, cli):
    db.execute("CREATE SCHEMA app")
    db.execute("CREATE ROLE h1_other NOLOGIN")
    db.execute("GRANT CREATE, USAGE ON SCHEMA public TO h1_other")
    fresh_tz = db.execute("SELECT current_setting('TimeZone')").fetchone()[0]
    other_tz = "Asia/Tokyo" if fresh_tz != "Asia/Tokyo" else "America/Lima"
    write(mdir, "20240101_000000_fix_timezones", f"SET timezone = '{other_tz}';\nSET search_path = app, public;\n"
                                                 "CREATE TABLE tz_fixed (id int);\n")
    write(mdir, "20240102_000000_accounts", "CREATE TABLE accounts (id int);\n")
    write(mdir, "20240103_000000_as_other", "SET ROLE h1_other;\nCREATE TABLE by_other (id int);\n")
    write(mdir, "20240104_000000_owner", "CREATE TABLE owner_check AS SELECT current_user AS who, "
                                         "current_setting('TimeZone') AS tz;\n")
    # statement by statement (autocommit SETs persist too)
    write(mdir, "20240105_000000_no_tx", "SET search_path = app, public;\nVACUUM accounts;\n")
    write(mdir, "20240106_000000_after_no_tx", "CREATE TABLE after_no_tx (id int);\n")
    r = cli("migrate", "--env", "dev")
    assert r.returncode == 0, r.stderr
    assert table_exists(db, "app.tz_fixed")
    assert table_exists(db, "public.accounts") and not table_exists(db, "app.accounts")
    assert table_exists(db, "public.after_no_tx") and not table_exists(db, "app.after_no_tx")
    who, tz = db.execute("SELECT who, tz FROM owner_check").fetchone()
    assert who == db.execute("SELECT current_user").fetchone()[0]
    assert tz == fresh_tz
    owner = db.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'by_other'").fetchone()[0]
    assert owner == "h1_other"  # within its own migration the SET ROLE did apply


# -- item 5: a qualified, protected tracking table ----------------------------------------------

def test_search_path_change_in_a_migration_still_records_it(mdir, db, cli):
    db.execute("CREATE SCHEMA app")
    write(mdir, "20240101_000000_in_app", "SET search_path = app;\nCREATE TABLE things (id int);\n")
    write(mdir, "20240102_000000_next", "CREATE TABLE next_one (id int);\n")
    r = cli("migrate", "--env", "dev")
    assert r.returncode == 0, r.stderr
    assert set(rows(db)) == {"20240101_000000_in_app", "20240102_000000_next"}
    assert table_exists(db, "app.things") and table_exists(db, "public.next_one")


def test_a_migration_that_drops_or_alters_the_tracking_table_is_refused(mdir, db, cli):
    write(mdir, "20240101_000000_first", "CREATE TABLE first (id int);\n")
    assert cli("migrate", "--env", "dev").returncode == 0
    for i, text in enumerate(("-- left over from the old tool\nDROP TABLE IF EXISTS schema_migrations;\n",
                              "CREATE TABLE x (id int);\nALTER TABLE public.schema_migrations RENAME TO old;\n",
                              "CREATE TABLE x (id int);\nALTER TABLE schema_migrations ADD COLUMN y int;\n")):
        name = f"2024010{i + 2}_000000_bad"
        path = write(mdir, name, text)
        r = cli("migrate", "--env", "dev")
        assert r.returncode == 2, r.stdout  # refused as bad input, before anything ran
        line = 2
        assert f"{path}:{line}:" in r.stderr and "schema_migrations" in r.stderr, r.stderr
        _one_line_error(r.stderr)
        assert not table_exists(db, "x")
        assert list(rows(db)) == ["20240101_000000_first"]
        path.unlink()
    # another schema's table of that name is not ours
    db.execute("CREATE SCHEMA legacy; CREATE TABLE legacy.schema_migrations (version text)")
    write(mdir, "20240109_000000_cleanup", "DROP TABLE legacy.schema_migrations;\n")
    r = cli("migrate", "--env", "dev")
    assert r.returncode == 0, r.stderr
    assert not table_exists(db, "legacy.schema_migrations")


def test_a_foreign_tools_tracking_table_is_named_and_another_table_name_works(mdir, db, cli, tmp_path):
    write(mdir, "20240101_000000_first", "CREATE TABLE first (id int);\n")
    db.execute("CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)")
    for cmd in (("status", "--env", "dev"), ("migrate", "--env", "dev")):
        r = cli(*cmd)
        assert r.returncode == 1, r.stdout
        assert "golang-migrate" in r.stderr and "[engine] table" in r.stderr, r.stderr
        _one_line_error(r.stderr)
        assert "migration_name" not in r.stderr
    assert not table_exists(db, "first")
    db.execute("DROP TABLE schema_migrations")
    db.execute("CREATE TABLE schema_migrations (version varchar PRIMARY KEY)")
    db.execute("CREATE TABLE ar_internal_metadata (key varchar PRIMARY KEY, value varchar)")
    r = cli("status", "--env", "dev")
    assert r.returncode == 1 and "Rails" in r.stderr, r.stderr
    (tmp_path / "migrate-action.toml").write_text('[engine]\ntable = "migrate_action_migrations"\n')
    r = cli("migrate", "--env", "dev")
    assert r.returncode == 0, r.stderr
    assert table_exists(db, "first")
    assert db.execute("SELECT migration_name FROM migrate_action_migrations").fetchall() == [
        ("20240101_000000_first",)]
    assert columns(db, "schema_migrations") == ["version"]


# -- item 10: a file cannot switch the engine's timeouts off -----------------------------------

def test_a_migration_that_disables_the_timeouts_is_refused_unless_it_opts_out(mdir, db, cli):
    db.execute("CREATE TABLE t (id int)")
    cases = ("SET lock_timeout = 0;\nALTER TABLE t ADD COLUMN c int;\n",
             "ALTER TABLE t ADD COLUMN c int;\nSET LOCAL statement_timeout TO 0;\n",
             "SELECT 1;\nSELECT set_config('lock_timeout', '1h', false);\n",
             "ALTER TABLE t ADD COLUMN c int;\nRESET lock_timeout;\n")
    for i, text in enumerate(cases):
        path = write(mdir, f"2024010{i + 1}_000000_sneaky", text)
        r = cli("migrate", "--env", "dev")
        assert r.returncode == 2, (text, r.stdout)
        line = 1 if i == 0 else 2
        assert f"{path}:{line}:" in r.stderr and "timeout" in r.stderr, r.stderr
        assert "ignore timeout-disabled" in r.stderr
        assert "c" not in columns(db, "t") and rows(db) == {}
        path.unlink()
    write(mdir, "20240109_000000_allowed",
          "-- a one-off backfill that needs longer\n-- migrate-action: ignore timeout-disabled\n"
          "SET statement_timeout = 0;\nALTER TABLE t ADD COLUMN c int;\n")
    r = cli("migrate", "--env", "dev")
    assert r.returncode == 0, r.stderr
    assert "c" in columns(db, "t")


# -- item 11: the engine's own statements wait a bounded time --------------------------------

def test_an_idle_reader_of_the_tracking_table_does_not_stall_migrate(mdir, db, db_url, cli):
    write(mdir, "20240101_000000_first", "CREATE TABLE first (id int);\n")
    assert cli("migrate", "--env", "dev").returncode == 0
    write(mdir, "20240102_000000_second", "CREATE TABLE second (id int);\n")
    with psycopg.connect(db_url, application_name="idle-reader") as reader:
        reader.execute("SELECT count(*) FROM schema_migrations")  # stays idle in transaction
        t0 = time.monotonic()
        r = cli("migrate", "--env", "dev", timeout=30)
        took = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    assert took < 10
    assert table_exists(db, "second")


def test_a_blocked_tracking_table_gives_up_in_time_and_names_the_holder(mdir, db, db_url, cli, tmp_path):
    write(mdir, "20240101_000000_first", "CREATE TABLE first (id int);\n")
    assert cli("migrate", "--env", "dev").returncode == 0
    write(mdir, "20240102_000000_second", "CREATE TABLE second (id int);\n")
    (tmp_path / "migrate-action.toml").write_text(SHORT_LOCKS)
    with psycopg.connect(db_url, application_name="pg_dump-like") as blocker:
        blocker.execute("LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE")
        pid = blocker.info.backend_pid
        t0 = time.monotonic()
        r = cli("migrate", "--env", "dev", timeout=40)
        took = time.monotonic() - t0
    assert r.returncode == 1, r.stdout
    assert took < 20
    assert "schema_migrations" in r.stderr and f"pid {pid}" in r.stderr and "pg_dump-like" in r.stderr, r.stderr
    _one_line_error(r.stderr)
    assert not table_exists(db, "second")


# -- item 12: name the blocker ------------------------------------------------------------------

def test_a_lock_wait_names_the_blocking_session(mdir, db, db_url, cli, tmp_path):
    db.execute("CREATE TABLE users (id int)")
    (tmp_path / "migrate-action.toml").write_text(SHORT_LOCKS)
    write(mdir, "20240101_000000_add", "ALTER TABLE users ADD COLUMN email text;\n")
    with psycopg.connect(db_url, application_name="psql") as idle:
        idle.execute("SELECT id FROM users WHERE id > 0 /* a report */")
        pid = idle.info.backend_pid
        time.sleep(1.5)  # idle in transaction for longer than the report's threshold
        r = cli("migrate", "--env", "dev", timeout=40)
    assert r.returncode == 1, r.stdout
    _one_line_error(r.stderr)
    err_line = next(ln for ln in r.stderr.splitlines() if ln.startswith("error"))
    assert "could not get lock on users" in err_line
    assert f"held by pid {pid}" in err_line and '"psql"' in err_line and "idle in transaction" in err_line
    assert "SELECT id FROM users" in err_line
    # reported before the run too
    before = r.stderr[: r.stderr.index("[1/1]")]
    assert f"pid {pid}" in before and "users" in before, r.stderr
    assert "email" not in columns(db, "users")


# -- item 17: an honest trial run ----------------------------------------------------------------

def test_dry_run_execute_reports_sequences_and_goes_past_non_transactional(mdir, db, cli):
    db.execute("CREATE TABLE acc (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, balance int)")
    write(mdir, "20240101_000000_fill", "INSERT INTO acc (balance) SELECT 1 FROM generate_series(1, 1000);\n")
    write(mdir, "20240102_000000_index", "CREATE INDEX CONCURRENTLY acc_balance ON acc (balance);\n")
    write(mdir, "20240103_000000_later", "CREATE TABLE later (id int);\n")
    r = cli("migrate", "--env", "dev", "--dry-run", "--execute")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "nothing was changed" not in out
    assert "20240103_000000_later: ok" in out
    assert "20240102_000000_index" in out and "not tried" in out and "CREATE INDEX CONCURRENTLY" in out
    assert "acc_id_seq" in out and "not transactional" in out
    assert not table_exists(db, "later") and rows(db) == {}
    assert db.execute("SELECT count(*) FROM acc").fetchone()[0] == 0
    # the sequence's state after the trial is what the report says
    last = db.execute("SELECT last_value FROM pg_sequences WHERE sequencename = 'acc_id_seq'").fetchone()[0]
    assert (last is None and "restored" in out) or (last == 1000 and "1000" in out)


# -- item 18: errors ------------------------------------------------------------------------------

def test_pipeline_failure_multi_line_detail_and_commit_error_stay_one_line(mdir, db, cli):
    db.execute("CREATE TABLE base (id int); CREATE VIEW v1 AS SELECT * FROM base; "
               "CREATE VIEW v2 AS SELECT * FROM base")
    path = write(mdir, "20240101_000000_drop", "CREATE TABLE a (id int);\nDROP TABLE base;\nCREATE TABLE b (id int);\n")
    r = cli("migrate", "--env", "dev")
    assert r.returncode == 1
    _one_line_error(r.stderr)
    assert f"{path}:2:" in r.stderr
    hint = next(ln for ln in r.stderr.splitlines() if "hint:" in ln)
    assert "view v1 depends on table base" in hint and "view v2 depends on table base" in hint, r.stderr
    path.unlink()
    db.execute("CREATE TABLE p (id int PRIMARY KEY)")
    path = write(mdir, "20240102_000000_deferred",
                 "CREATE TABLE c (pid int REFERENCES p DEFERRABLE INITIALLY DEFERRED);\nINSERT INTO c VALUES (1);\n")
    r = cli("migrate", "--env", "dev")
    assert r.returncode == 1
    _one_line_error(r.stderr)
    assert str(path) in r.stderr and "foreign key" in r.stderr, r.stderr
    assert not table_exists(db, "c") and rows(db) == {}


def test_an_error_that_arrives_while_the_migration_is_still_being_sent_stays_one_line(mdir, db, cli):
    # The failing statement comes first and thousands follow in the same pipeline: PostgreSQL's error
    # reaches the client while psycopg is still sending, inside conn.transaction()'s own nested
    # pipeline, whose exit then logged "error ignored terminating <psycopg.Pipeline ...>" (seen in CI
    # under load; deterministic with enough statements after the error).
    db.execute("CREATE TABLE base (id int); CREATE VIEW v1 AS SELECT * FROM base")
    path = write(mdir, "20240101_000000_drop", "DROP TABLE base;\n" + "SELECT 1;\n" * 20000)
    r = cli("migrate", "--env", "dev")
    assert r.returncode == 1
    _one_line_error(r.stderr)
    assert f"{path}:1:" in r.stderr and "v1 depends on table base" in r.stderr, r.stderr
    assert table_exists(db, "base") and rows(db) == {}


# -- item 19: one meaning of has_rollback, and a way through an irreversible migration -----------

EMPTY_ROLLBACK = "-- irreversible: the data is gone\nBEGIN;\nCOMMIT;\n"


def test_an_empty_rollback_file_is_no_rollback_and_cascade_can_skip_it_explicitly(mdir, db, cli):
    write(mdir, "20240101_000000_a", "CREATE TABLE a (id int);\n", "DROP TABLE a;\n")
    write(mdir, "20240102_000000_b", "CREATE TABLE b (id int);\n", EMPTY_ROLLBACK)
    write(mdir, "20240103_000000_c", "CREATE TABLE c (id int);\n", "DROP TABLE c;\n")
    assert cli("migrate", "--env", "dev").returncode == 0
    st = {m["name"]: m["has_rollback"] for m in json.loads(cli("status", "--env", "dev", "--format", "json").stdout)}
    assert st == {"20240101_000000_a": True, "20240102_000000_b": False, "20240103_000000_c": True}
    text = cli("status", "--env", "dev").stdout
    assert [ln.split()[-1] for ln in text.splitlines() if ln.startswith("2024")] == ["yes", "no", "yes"]
    r = cli("rollback", "--name", "20240101_000000_a", "--cascade", "--env", "dev")
    assert r.returncode == 1 and "--skip-irreversible" in r.stderr, r.stderr
    assert table_exists(db, "c") and len(rows(db)) == 3
    r = cli("rollback", "--name", "20240101_000000_a", "--cascade", "--skip-irreversible", "--env", "dev")
    assert r.returncode == 0, r.stderr
    assert "20240102_000000_b" in r.stdout + r.stderr and "skipped" in (r.stdout + r.stderr)
    assert rows(db) == {}
    assert not table_exists(db, "a") and not table_exists(db, "c")
    assert table_exists(db, "b")  # irreversible: its table stays, only its tracking row went
