"""One runner at a time, crash safety, and lock waits that never stall traffic for long."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import psycopg

from tests.migrations.helpers import columns, rows, table_exists, write
from toolkit.config import EngineSettings
from toolkit.migrations.locking import lock_key


def popen_cli(args, env, cwd):
    full = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "MIGRATIONS_DIR"))}
    full.update(env)
    return subprocess.Popen([sys.executable, "-m", "toolkit", *args], env=full, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(predicate, timeout=15.0, every=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(every)
    return False


def runner_backends(db):
    return db.execute("SELECT pid, state, backend_xmin::text, query FROM pg_stat_activity "
                      "WHERE application_name = 'migrate-action' AND pid <> pg_backend_pid()").fetchall()


def test_three_concurrent_runs_apply_each_migration_exactly_once(mdir, db, db_url, tmp_path):
    db.execute("CREATE TABLE applied_log (name text)")
    names = [f"2024010{i}_000000_m{i}" for i in range(1, 6)]
    for n in names:
        # no IF NOT EXISTS: a second application would fail loudly, and the log would show it
        write(mdir, n, f"BEGIN;\nCREATE TABLE {n[-2:]} (id int);\nINSERT INTO applied_log VALUES ('{n}');\n"
                       "SELECT pg_sleep(0.2);\nCOMMIT;\n")
    env = {"DATABASE_URL": db_url, "MIGRATIONS_DIR": str(mdir)}
    procs = [popen_cli(["migrate", "--env", "dev"], env, tmp_path) for _ in range(3)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    assert sorted(r[0] for r in db.execute("SELECT name FROM applied_log")) == names
    assert list(rows(db)) == names
    assert sum("Applied" in o[0] for o in outs) >= 1


def test_waiting_runner_holds_no_transaction_and_gives_up_clearly(mdir, db, db_url, tmp_path):
    write(mdir, "20240101_000000_a", "CREATE TABLE a (id int);")
    (tmp_path / "migrate-action.toml").write_text("[engine]\nrunner_lock_wait_s = 3\n")
    holder = psycopg.connect(db_url, autocommit=True)
    holder.execute("SELECT pg_advisory_lock(%s)", (lock_key("schema_migrations"),))
    try:
        p = popen_cli(["migrate", "--env", "dev"], {"DATABASE_URL": db_url, "MIGRATIONS_DIR": str(mdir)}, tmp_path)
        assert wait_for(lambda: any("advisory" in (b[3] or "") for b in runner_backends(db)))
        # While waiting: no open transaction and no snapshot (backend_xmin), so it cannot block the
        # holder's CREATE INDEX CONCURRENTLY, which waits for older snapshots to go away.
        samples = [runner_backends(db) for _ in range(10) if not time.sleep(0.1)]
        for sample in samples:
            for _pid, state, xmin, _q in sample:
                assert state == "idle" and xmin is None, sample
        out, err = p.communicate(timeout=30)
    finally:
        holder.close()
    assert p.returncode == 1
    assert "another migrate run holds the migration lock (pid" in err
    assert "gave up after 3 s waiting for the migration lock" in err
    assert not table_exists(db, "a")


def test_sigkill_mid_migration_leaves_all_or_nothing_and_a_rerun_completes(mdir, db, db_url, tmp_path):
    slow = ("SELECT pg_sleep(CASE WHEN to_regclass('go_fast') IS NULL THEN 30 ELSE 0 END)")
    write(mdir, "20240101_000000_a", "CREATE TABLE a (id int);")
    write(mdir, "20240102_000000_b", f"BEGIN;\nCREATE TABLE b (id int);\nINSERT INTO b VALUES (1);\n{slow};\nCOMMIT;\n")
    env = {"DATABASE_URL": db_url, "MIGRATIONS_DIR": str(mdir)}
    p = popen_cli(["migrate", "--env", "dev"], env, tmp_path)
    assert wait_for(lambda: any("pg_sleep" in (b[3] or "") and b[1] == "active" for b in runner_backends(db)))
    p.send_signal(signal.SIGKILL)
    p.wait()
    started = time.monotonic()
    # the server notices the dead client (client_connection_check_interval) and rolls back
    assert wait_for(lambda: not runner_backends(db), timeout=10)
    assert time.monotonic() - started < 10
    assert table_exists(db, "a") and not table_exists(db, "b")
    assert list(rows(db)) == ["20240101_000000_a"]
    db.execute("CREATE TABLE go_fast ()")
    r = subprocess.run([sys.executable, "-m", "toolkit", "migrate", "--env", "dev"], env={**os.environ, **env},
                       cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert db.execute("SELECT count(*) FROM b").fetchone()[0] == 1
    assert list(rows(db)) == ["20240101_000000_a", "20240102_000000_b"]


def _reader_latencies(db_url, stop: threading.Event, out: list[float]) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        while not stop.is_set():
            t = time.monotonic()
            conn.execute("SELECT count(*) FROM users").fetchone()
            out.append(time.monotonic() - t)
            time.sleep(0.02)


LOCK_CONFIG = ("[engine]\nlock_timeout_ms = 100\nlock_timeout_max_ms = 400\nlock_retry_pause_ms = 200\n"
               "lock_retry_deadline_s = 3\n")


def test_held_lock_makes_migrate_fail_fast_without_stalling_readers(mdir, db, db_url, tmp_path):
    db.execute("CREATE TABLE users (id int)")
    write(mdir, "20240101_000000_add_col", "BEGIN;\nALTER TABLE users ADD COLUMN nickname text;\nCOMMIT;\n")
    (tmp_path / "migrate-action.toml").write_text(LOCK_CONFIG)
    blocker = psycopg.connect(db_url)  # a long transaction that has read users
    blocker.execute("SELECT * FROM users").fetchall()
    stop, latencies = threading.Event(), []
    reader = threading.Thread(target=_reader_latencies, args=(db_url, stop, latencies))
    reader.start()
    try:
        started = time.monotonic()
        r = subprocess.run([sys.executable, "-m", "toolkit", "migrate", "--env", "dev"],
                           env={**os.environ, "DATABASE_URL": db_url, "MIGRATIONS_DIR": str(mdir)},
                           cwd=tmp_path, capture_output=True, text=True, timeout=60)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        reader.join()
        blocker.close()
    assert r.returncode == 1
    assert "could not get lock on users" in r.stderr and "nothing from it was applied" in r.stderr
    assert "retrying" in r.stderr
    assert elapsed < 10
    assert "nickname" not in columns(db, "users") and rows(db) == {}
    # readers queued behind the ALTER's lock request waited at most about one lock_timeout (400 ms)
    assert len(latencies) > 20 and max(latencies) < 1.0, max(latencies)


def test_lock_released_during_retries_lets_the_migration_through(mdir, db, db_url, tmp_path):
    db.execute("CREATE TABLE users (id int)")
    write(mdir, "20240101_000000_add_col", "ALTER TABLE users ADD COLUMN nickname text;")
    (tmp_path / "migrate-action.toml").write_text(LOCK_CONFIG.replace("= 3\n", "= 20\n"))
    blocker = psycopg.connect(db_url)
    blocker.execute("SELECT * FROM users").fetchall()
    threading.Timer(1.5, blocker.close).start()
    r = subprocess.run([sys.executable, "-m", "toolkit", "migrate", "--env", "dev"],
                       env={**os.environ, "DATABASE_URL": db_url, "MIGRATIONS_DIR": str(mdir)},
                       cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "lock on users busy (try 1" in r.stderr
    assert "nickname" in columns(db, "users")


def test_default_lock_settings_bound_reader_waits_and_total_time():
    """The defaults are the promise: a reader queues at most ~5 s; a lock that never comes gives up
    within about a minute."""
    s = EngineSettings()
    assert s.lock_timeout_ms <= s.lock_timeout_max_ms <= 5000
    assert 30 <= s.lock_retry_deadline_s <= 75
    assert s.statement_timeout_ms > 0


def test_status_shows_running_during_a_run_and_failed_after_the_runner_is_killed(mdir, db, db_url, tmp_path):
    """A statement-by-statement migration is recorded before its first statement; status tells a
    live run (runner lock held) from one whose runner died."""
    import json

    name = "20240101_000000_vacuum_then_wait"
    write(mdir, name, "VACUUM;\nSELECT pg_sleep(CASE WHEN to_regclass('go_fast') IS NULL THEN 30 ELSE 0 END);\n")
    env = {"DATABASE_URL": db_url, "MIGRATIONS_DIR": str(mdir)}
    p = popen_cli(["migrate", "--env", "dev"], env, tmp_path)

    def state() -> str:
        r = subprocess.run([sys.executable, "-m", "toolkit", "status", "--env", "dev", "--format", "json"],
                           env={**os.environ, **env}, cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)[0]["state"]

    assert wait_for(lambda: any("pg_sleep" in (b[3] or "") for b in runner_backends(db)))
    assert state() == "running"
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert wait_for(lambda: not runner_backends(db), timeout=10)
    assert state() == "failed"
    r = subprocess.run([sys.executable, "-m", "toolkit", "migrate", "--env", "dev"], env={**os.environ, **env},
                       cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and f"migration {name} is recorded as failed" in r.stderr
    assert f"mark --name {name} --env dev --as pending" in r.stderr


def test_second_run_waits_for_a_migration_another_runner_is_inside(mdir, db, db_url, tmp_path):
    """Started while the first runner is inside a statement-by-statement migration, a second run
    waits for the lock (it does not mistake the live `running` row for a failure) and then finds
    nothing left to do."""
    name = "20240101_000000_vacuum_then_wait"
    write(mdir, name, "VACUUM;\nSELECT pg_sleep(CASE WHEN to_regclass('go_fast') IS NULL THEN 2 ELSE 0 END);\n")
    env = {"DATABASE_URL": db_url, "MIGRATIONS_DIR": str(mdir)}
    first = popen_cli(["migrate", "--env", "dev"], env, tmp_path)
    assert wait_for(lambda: any("pg_sleep" in (b[3] or "") for b in runner_backends(db)))
    second = subprocess.run([sys.executable, "-m", "toolkit", "migrate", "--env", "dev"], env={**os.environ, **env},
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert second.returncode == 0, second.stderr
    assert "another migrate run holds the migration lock" in second.stderr
    assert "up to date" in second.stdout
    assert rows(db)[name][0] == "applied"
