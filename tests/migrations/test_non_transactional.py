"""Migrations with statements PostgreSQL refuses inside a transaction (CREATE INDEX CONCURRENTLY...)."""

from __future__ import annotations

from tests.migrations.helpers import rows, table_exists, write

A = "20240101_000000_create_users"
B = "20240102_000000_index_users_email"
C = "20240103_000000_after"

INDEX = ("CREATE TABLE IF NOT EXISTS audit (id int);\n"
         "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);\n"
         "CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_id ON audit (id);\n")


def index_state(db, name):
    row = db.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", (name,)).fetchone()
    return None if row is None else ("valid" if row[0] else "INVALID")


def test_concurrent_index_migration_runs_outside_a_transaction(cli, mdir, db):
    write(mdir, A, "BEGIN;\nCREATE TABLE users (id int, email text);\nCOMMIT;\n")
    write(mdir, B, INDEX)
    r = cli("migrate", "--env", "dev")
    assert r.returncode == 0, r.stderr
    assert index_state(db, "users_email") == "valid" and index_state(db, "audit_id") == "valid"
    assert rows(db)[B][0] == "applied"


def test_failure_part_way_is_recorded_with_the_statement_reached_and_blocks_later_ones(cli, mdir, db):
    write(mdir, A, "BEGIN;\nCREATE TABLE users (id int, email text);\n"
                   "INSERT INTO users VALUES (1, 'a@x'), (2, 'a@x');\nCOMMIT;\n")
    write(mdir, B, INDEX)
    write(mdir, C, "CREATE TABLE after_it (id int);")
    r = cli("migrate", "--env", "dev")
    assert r.returncode == 1
    assert f"{B}.sql:2: could not create unique index" in r.stderr
    assert "statements 1-1 of 3 stayed applied; recorded as failed" in r.stderr
    # the failed concurrent build left an INVALID index, which IF NOT EXISTS would accept on a re-run
    assert "INVALID index(es) users_email: dropped" in r.stderr
    assert index_state(db, "users_email") is None
    assert table_exists(db, "audit") and not table_exists(db, "after_it")
    assert rows(db)[B][:2] == ("failed", 2)

    status = cli("status", "--env", "dev")
    assert "failed" in status.stdout and f"mark --name {B} --env dev --as pending" in status.stdout
    blocked = cli("migrate", "--env", "dev")
    assert blocked.returncode == 1 and f"migration {B} is recorded as failed" in blocked.stderr

    db.execute("DELETE FROM users WHERE id = 2")
    assert cli("mark", "--name", B, "--env", "dev", "--as", "pending").returncode == 0
    r = cli("migrate", "--env", "dev")
    assert r.returncode == 0, r.stderr
    assert index_state(db, "users_email") == "valid" and table_exists(db, "after_it")
    assert rows(db)[B][0] == "applied"


def test_leftover_invalid_index_from_a_crashed_run_is_rebuilt_not_accepted(cli, mdir, db):
    write(mdir, A, "BEGIN;\nCREATE TABLE users (id int, email text);\nINSERT INTO users VALUES (1, 'a'), (2, 'a');\nCOMMIT;\n")
    assert cli("migrate", "--env", "dev").returncode == 0
    # as a crashed runner would leave it: the index exists, INVALID, and no tracking row
    try:
        db.execute("CREATE UNIQUE INDEX CONCURRENTLY users_email ON users (email)")
    except Exception:
        pass
    assert index_state(db, "users_email") == "INVALID"
    db.execute("DELETE FROM users WHERE id = 2")
    write(mdir, B, INDEX)
    r = cli("migrate", "--env", "dev")
    assert r.returncode == 0, r.stderr
    assert "INVALID (left by an earlier failed build): dropping it" in r.stderr
    assert index_state(db, "users_email") == "valid"


def test_mark_applied_records_a_migration_finished_by_hand(cli, mdir, db):
    write(mdir, A, "CREATE TABLE users (id int, email text);\nINSERT INTO users VALUES (1, 'a'), (2, 'a');")
    write(mdir, B, INDEX)
    assert cli("migrate", "--env", "dev").returncode == 1
    assert cli("mark", "--name", A, "--env", "dev", "--as", "pending").returncode == 1  # A is applied, not failed
    r = cli("mark", "--name", B, "--env", "dev", "--as", "applied")
    assert r.returncode == 0, r.stderr
    assert rows(db)[B][:2] == ("applied", None)


def test_concurrent_index_waits_for_an_older_transaction_without_stalling_writers(mdir, db, db_url, tmp_path):
    """CREATE INDEX CONCURRENTLY waits for every older transaction to end (a virtualxid lock). That wait
    blocks no reads or writes, so the engine's short lock_timeout (meant for locks that do) must not
    cancel it: with a 6 s transaction open elsewhere, the build waits and succeeds while writers go on."""
    import os
    import subprocess
    import sys
    import threading
    import time

    import psycopg

    db.execute("CREATE TABLE users (id int, email text)")
    db.execute("INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 1000) g")
    write(mdir, B, "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);\n")
    (tmp_path / "migrate-action.toml").write_text(
        "[engine]\nlock_timeout_ms = 100\nlock_timeout_max_ms = 400\nlock_retry_pause_ms = 100\n"
        "lock_retry_deadline_s = 2\n")
    db.execute("CREATE TABLE other (x int)")
    # an older transaction holding a snapshot (a report, a long export), on another table
    older = psycopg.connect(db_url)
    older.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    older.execute("SELECT count(*) FROM other").fetchone()
    release = threading.Timer(6.0, older.rollback)
    release.start()
    writes: list[float] = []
    stop = threading.Event()

    def writer() -> None:
        with psycopg.connect(db_url, autocommit=True) as conn:
            while not stop.is_set():
                t = time.monotonic()
                conn.execute("UPDATE users SET email = email WHERE id = 1")
                writes.append(time.monotonic() - t)
                time.sleep(0.05)

    w = threading.Thread(target=writer)
    w.start()
    try:
        r = subprocess.run([sys.executable, "-m", "toolkit", "migrate", "--env", "dev"],
                           env={**os.environ, "DATABASE_URL": db_url, "MIGRATIONS_DIR": str(mdir)},
                           cwd=tmp_path, capture_output=True, text=True, timeout=120)
    finally:
        stop.set()
        w.join()
        release.cancel()
        older.close()
    assert r.returncode == 0, r.stderr
    assert index_state(db, "users_email") == "valid" and rows(db)[B][0] == "applied"
    assert writes and max(writes) < 1.0  # writers never waited on the build
