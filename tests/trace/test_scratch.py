"""Scratch databases and the embedded cluster: created fresh, always dropped, leftovers swept."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from toolkit.localdev.scratchdb import host_tag
from toolkit.trace.scratch import PREFIX, cleanup_leftovers, embedded_server, scratch_database


def databases(pg) -> set[str]:
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        return {r[0] for r in conn.execute("SELECT datname FROM pg_database").fetchall()}


def test_scratch_database_is_fresh_and_dropped_even_on_error(pg):
    with pytest.raises(RuntimeError), scratch_database(pg.url()) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            name = conn.execute("SELECT current_database()").fetchone()[0]
            conn.execute("CREATE TABLE t (id int)")
        assert name.startswith(f"{PREFIX}{host_tag()}_{os.getpid()}_") and name in databases(pg)
        raise RuntimeError("the trace failed")
    assert name not in databases(pg)


def test_scratch_database_from_a_template(pg, db_name, db):
    db.execute("CREATE TABLE copied (id int)")
    db.close()  # a template must have no other session
    with scratch_database(pg.url(), template=db_name) as url, psycopg.connect(url) as conn:
        assert conn.execute("SELECT to_regclass('copied')").fetchone()[0] == "copied"


def test_cleanup_drops_leftovers_of_dead_runs_and_old_ones_only(pg):
    # The names this tracer gave before the one scheme (toolkit/localdev/scratchdb.py): still swept.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    dead_pid, now = int(dead.stdout), int(time.time())
    names = {"dead": f"{PREFIX}{dead_pid}_{now}_aa", "old": f"{PREFIX}{os.getpid()}_{now - 7 * 3600}_bb",
             "live": f"{PREFIX}{os.getpid()}_{now}_cc", "other": "migrate_action_keep_me"}
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        for n in names.values():
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(n)))
        try:
            dropped = cleanup_leftovers(conn)
            assert set(dropped) >= {names["dead"], names["old"]}
            left = databases(pg)
            assert names["live"] in left and names["other"] in left
            assert names["dead"] not in left and names["old"] not in left
        finally:
            for n in names.values():
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(n)))


def test_embedded_server_runs_and_is_removed():
    with embedded_server() as cluster, psycopg.connect(cluster.url()) as conn:
        assert int(conn.execute("SHOW server_version_num").fetchone()[0]) >= 150000
        base = Path(cluster.base)
        assert base.exists()
    assert not base.exists()
