"""The one scratch-database scheme (toolkit/localdev/scratchdb.py) shared by the tracer and proofs,
verify-backup --restore-test and rehearse --scratch-url: one sweep drops what a dead run of ANY of
them left (also under the names older versions used), and never a live creator's database."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psycopg
import pytest
from psycopg import sql

from toolkit.localdev import scratchdb
from toolkit.localdev.scratchdb import MAX_AGE_S, PURPOSES, host_tag, leftover_reason, scratch_name


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    return int(done.stdout)


def _names(conn: psycopg.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT datname FROM pg_database").fetchall()}


def _age_database(pg, conn: psycopg.Connection, name: str, seconds: float) -> None:
    """Make the server see `name` as created `seconds` ago (its PG_VERSION file's time)."""
    oid = conn.execute("SELECT oid FROM pg_database WHERE datname = %s", (name,)).fetchone()[0]
    then = time.time() - seconds
    os.utime(pg.data / "base" / str(oid) / "PG_VERSION", (then, then))


def test_the_name_keeps_the_purpose_readable_and_says_who_made_it() -> None:
    now = time.time()
    for purpose in PURPOSES:
        name = scratch_name(purpose, now)
        assert name.startswith(f"migrate_action_{purpose}_{host_tag()}_{os.getpid()}_{int(now)}_")
        assert len(name) <= 63  # PostgreSQL would truncate a longer identifier
        assert leftover_reason(name, now) is None  # this very process is alive
    with pytest.raises(ValueError):
        scratch_name("backup")  # purposes are a closed list: the sweep must recognise every name


def test_one_sweep_drops_every_purposes_and_older_versions_leftovers_never_a_live_ones(pg) -> None:
    dead, now, here = _dead_pid(), int(time.time()), host_tag()
    live_child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    time.sleep(0.2)
    live = live_child.pid
    later = int(time.time()) + 1  # created after the live child started: it is that child's
    leftovers = {
        **{f"new {p} dead": f"migrate_action_{p}_{here}_{dead}_{now}_ab12" for p in PURPOSES},
        "new, another host, old": f"migrate_action_rehearse_000000_{dead}_{now - MAX_AGE_S - 60}_ab12",
        "old tracer name, dead": f"migrate_action_scratch_{dead}_{now}_abcd1234",
        "old tracer name, pid reused": f"migrate_action_scratch_{os.getpid()}_{now - 10 * 24 * 3600}_abcd1234",
        "old rehearse name, dead": f"migrate_action_rehearse_{dead}_abcd1234",
        "old verify name, 7 h old": "migrate_action_verify_1a2b3c4d",
    }
    kept = {
        **{f"new {p} live": f"migrate_action_{p}_{here}_{live}_{later}_ab12" for p in PURPOSES},
        "new, this process": scratch_name("verify"),
        "new, another host, recent": f"migrate_action_verify_000000_{dead}_{now}_ab12",
        "old tracer name, live": f"migrate_action_scratch_{live}_{later}_abcd1234",
        "old rehearse name, live": f"migrate_action_rehearse_{live}_abcd1234",
        "old verify name, recent": "migrate_action_verify_5e6f7a8b",
        "not ours": "migrate_action_verify_keep_me",
    }
    conn = psycopg.connect(pg.url(), autocommit=True)
    try:
        for n in [*leftovers.values(), *kept.values()]:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(n)))
        _age_database(pg, conn, leftovers["old verify name, 7 h old"], 7 * 3600)
        dropped = scratchdb.sweep(conn)
        left = _names(conn)
        assert set(leftovers.values()) <= set(dropped), set(leftovers.values()) - set(dropped)
        assert not set(leftovers.values()) & left
        assert set(kept.values()) <= left and not set(kept.values()) & set(dropped)
        assert "is gone" in dropped[leftovers["new verify dead"]]
        assert "h ago" in dropped[leftovers["new, another host, old"]]
    finally:
        live_child.kill()
        live_child.wait()
        for n in [*leftovers.values(), *kept.values()]:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(n)))
        conn.close()


def test_an_old_leftover_someone_is_connected_to_is_not_forced(pg) -> None:
    """Another machine's run is judged by age only: if a session is still in its database after
    6 h, that run is alive (a long restore), so the sweep leaves it."""
    name = f"migrate_action_verify_000000_{_dead_pid()}_{int(time.time()) - MAX_AGE_S - 60}_ab12"
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
        try:
            with psycopg.connect(pg.url(name)):
                assert name not in scratchdb.sweep(conn) and name in _names(conn)
            assert name in scratchdb.sweep(conn) and name not in _names(conn)
        finally:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.mark.parametrize("caller", ["trace", "verify", "rehearse"])
def test_each_caller_sweeps_the_other_callers_leftovers(pg, caller: str) -> None:
    from toolkit.backup import verify
    from toolkit.rehearse import scratch as rehearse_scratch
    from toolkit.trace import scratch as trace_scratch

    clean = {"trace": trace_scratch.cleanup_leftovers, "verify": verify.clean_leftovers,
             "rehearse": rehearse_scratch.cleanup_databases}[caller]
    dead, now = _dead_pid(), int(time.time())
    names = [f"migrate_action_{p}_{host_tag()}_{dead}_{now}_cd34" for p in PURPOSES]
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        try:
            for n in names:
                conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(n)))
            reported = " ".join(clean(conn))
            assert all(n in reported for n in names) and not set(names) & _names(conn)
        finally:
            for n in names:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(n)))


def test_create_and_drop_on_a_server(pg) -> None:
    name, url = scratchdb.create(pg.url(), "rehearse")
    try:
        assert name.startswith(f"migrate_action_rehearse_{host_tag()}_{os.getpid()}_")
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT current_database()").fetchone()[0] == name
    finally:
        scratchdb.drop(pg.url(), name)
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        assert name not in _names(conn)
    with pytest.raises(ValueError):
        scratchdb.drop(pg.url(), "production")  # drop only ever removes a scratch database


def test_a_role_with_only_createdb_sweeps_what_it_may_and_leaves_the_rest(pg) -> None:
    """The usual --scratch-url role: it may not read a database's age nor drop another role's
    database; the sweep drops its own leftover and passes over the rest without an error."""
    dead, now = _dead_pid(), int(time.time())
    own, others = (f"migrate_action_{p}_{host_tag()}_{dead}_{now}_ef56" for p in ("rehearse", "verify"))
    pg.admin_sql("CREATE ROLE scratch_only LOGIN CREATEDB PASSWORD 'scratchpw'")
    url = pg.url(user="scratch_only", password="scratchpw")
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(own)))
            pg.admin_sql(f'CREATE DATABASE "{others}" TEMPLATE template0')
            dropped = scratchdb.sweep(conn)
            assert own in dropped and others not in dropped and others in _names(conn)
    finally:
        for n in (own, others):
            pg.admin_sql(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)')
        pg.admin_sql("DROP ROLE scratch_only")
