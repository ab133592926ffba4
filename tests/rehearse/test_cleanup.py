"""The one test that starts the embedded cluster: nothing is left behind after success, and what a
kill -9 left behind (a running cluster in a recognisable directory) is removed by a later run."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.rehearse.conftest import write_migration
from toolkit.localdev.processes import process_alive as pid_alive
from toolkit.rehearse.scratch import DIR_PREFIX


def _postmaster(d: Path) -> int | None:
    pidfile = d / "data" / "postmaster.pid"
    return int(pidfile.read_text().split("\n", 1)[0]) if pidfile.exists() else None


def test_embedded_cluster_is_removed_after_success_and_after_kill_9(source_factory, s3):
    src = source_factory(items=2000)
    base = Path(tempfile.mkdtemp(prefix="rehearse-test-"))
    base.chmod(0o755)  # the cluster runs as the postgres user when root
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "MIGRATIONS_DIR"))}
    env.update({**s3.env, "MIGRATIONS_DIR": str(src.folder), "TMPDIR": str(base)})
    try:
        write_migration(src.folder, "20240301_000000_slow", "SELECT pg_sleep(60);")
        p = subprocess.Popen([sys.executable, "-m", "toolkit", "rehearse", "--env", "dev"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        assert p.stderr is not None
        for line in p.stderr:  # wait until the migration is running on the scratch cluster
            if "rehearsing 20240301_000000_slow" in line:
                break
        else:
            raise AssertionError(f"rehearse ended early: {p.wait()}")
        time.sleep(0.3)
        p.send_signal(signal.SIGKILL)
        p.wait()
        left = [d for d in base.iterdir() if d.name.startswith(f"{DIR_PREFIX}{p.pid}-")]
        assert len(left) == 1
        postmaster = _postmaster(left[0])
        assert postmaster and pid_alive(postmaster)  # killed -9: nothing could clean up

        (src.folder / "20240301_000000_slow.sql").unlink()
        (src.folder / "20240301_000000_slow_rollback.sql").unlink()
        write_migration(src.folder, "20240302_000000_flag", "ALTER TABLE items ADD COLUMN flag text;")
        r = subprocess.run([sys.executable, "-m", "toolkit", "rehearse", "--env", "dev", "--quiet"], env=env,
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        assert "20240302_000000_flag" in r.stdout and "ACCESS EXCLUSIVE public.items" in r.stdout
        for _ in range(50):
            if not pid_alive(postmaster):
                break
            time.sleep(0.1)
        assert not pid_alive(postmaster)  # the later run stopped the leftover cluster ...
        assert list(base.iterdir()) == []  # ... removed it, and removed its own
    finally:
        for d in base.glob(DIR_PREFIX + "*"):
            pm = _postmaster(d)
            if pm and pid_alive(pm):
                os.kill(pm, signal.SIGQUIT)
        shutil.rmtree(base, ignore_errors=True)


def test_a_killed_runs_scratch_database_is_dropped_by_a_later_run(pg):
    import psycopg

    from toolkit.rehearse.scratch import DB_PREFIX, cleanup_databases

    dead = subprocess.Popen(["true"])
    dead.wait()
    leftover, live = f"{DB_PREFIX}{dead.pid}_abcd1234", f"{DB_PREFIX}{os.getpid()}_abcd1234"
    for name in (leftover, live):
        pg.admin_sql(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(pg.url(), autocommit=True) as conn:
            assert leftover in cleanup_databases(conn)
            names = {r[0] for r in conn.execute("SELECT datname FROM pg_database")}
        assert leftover not in names and live in names  # this process's own is not touched
    finally:
        for name in (leftover, live):
            pg.drop_database(name)
