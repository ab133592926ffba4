"""The tracer's truth for statements whose PostgreSQL 15 behaviour is known (locks, rewrites,
catalog changes), on a real server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import psycopg
import pytest

from toolkit.config import EngineSettings
from toolkit.trace.tracer import FileTrace, Tracer

SETUP = """
CREATE TABLE users (id int PRIMARY KEY, email varchar(10), born timestamp, note text);
CREATE INDEX users_email_idx ON users (email);
CREATE INDEX users_born_idx ON users (born);
INSERT INTO users SELECT g, 'u' || g, now(), repeat('x', 10) FROM generate_series(1, 2000) g;
CREATE TABLE orders (id int PRIMARY KEY, user_id int);
CREATE FUNCTION unmarked() RETURNS int LANGUAGE plpgsql AS 'BEGIN RETURN 7; END';
CREATE FUNCTION inlined() RETURNS int LANGUAGE sql AS 'SELECT 7';
"""


@pytest.fixture
def conns(db_url: str, db: psycopg.Connection) -> Iterator[tuple[psycopg.Connection, psycopg.Connection]]:
    db.execute(SETUP)
    with psycopg.connect(db_url, autocommit=True) as worker, psycopg.connect(db_url, autocommit=True) as monitor:
        yield worker, monitor


@pytest.fixture
def tracer(conns) -> Tracer:
    return Tracer(*conns)


def one(trace: FileTrace):
    assert trace.error is None, trace.error
    return trace.statements[-1]


@pytest.mark.parametrize("sql, rewrites", [
    ("ALTER TABLE users ALTER COLUMN id TYPE bigint", True),
    ("ALTER TABLE users ALTER COLUMN email TYPE varchar(20)", False),
    ("SET TimeZone = 'UTC'; ALTER TABLE users ALTER COLUMN born TYPE timestamptz", False),
    ("SET TimeZone = 'Europe/Paris'; ALTER TABLE users ALTER COLUMN born TYPE timestamptz", True),
    ("ALTER TABLE users ADD COLUMN r float8 DEFAULT random()", True),
    ("ALTER TABLE users ADD COLUMN u int DEFAULT unmarked()", True),  # no volatility marker: VOLATILE
    # Also VOLATILE, but a one-line SQL function is inlined to its constant before the check.
    ("ALTER TABLE users ADD COLUMN i int DEFAULT inlined()", False),
    ("ALTER TABLE users ADD COLUMN c int NOT NULL DEFAULT 3", False),
    ("ALTER TABLE users SET UNLOGGED", True),
    ("CLUSTER users USING users_pkey", True),
], ids=["int-bigint", "varchar-widen", "timestamptz-utc", "timestamptz-paris", "default-random",
        "default-unmarked-fn", "default-inlined-sql-fn", "default-constant", "set-unlogged", "cluster"])
def test_rewrites_and_access_exclusive(tracer, sql, rewrites):
    trace = tracer.trace_sql(sql)
    st = one(trace)
    assert ("public.users" in st.rewritten) is rewrites
    assert (trace.tables_rewritten() == {"public.users"}) is rewrites
    assert st.lock_on("public.users") == "ACCESS EXCLUSIVE"
    assert st.truncated == ()


def test_a_rewrite_rebuilds_the_tables_indexes_and_a_widening_keeps_them(tracer):
    st = one(tracer.trace_sql("ALTER TABLE users ALTER COLUMN email TYPE varchar(20)"))
    assert st.rewritten == () and st.altered == ("column public.users.email",)  # index kept as it is
    st = one(tracer.trace_sql("ALTER TABLE users ALTER COLUMN email TYPE bigint USING length(email)"))
    assert {"public.users", "public.users_email_idx", "public.users_pkey"} <= set(st.rewritten)
    assert st.altered == ("column public.users.email",)  # the index's definition did not change
    st = one(tracer.trace_sql("ALTER TABLE users ALTER COLUMN note TYPE varchar"))
    assert st.rewritten == ()  # binary coercible
    st = one(tracer.trace_sql("ALTER TABLE users ALTER COLUMN note TYPE varchar(30)"))
    assert "public.users" in st.rewritten  # a length limit is applied to every row: rewritten


def test_vacuum_full_rewrites_outside_a_transaction(tracer):
    trace = tracer.trace_sql("VACUUM FULL users")
    assert trace.transactional is False
    st = one(trace)
    assert "public.users" in st.rewritten and "public.users_email_idx" in st.rewritten
    assert trace.tables_rewritten() == {"public.users"} and "public.users_pkey" in trace.indexes_rewritten()


def test_truncate_is_recorded_apart_from_rewrites(tracer):
    trace = tracer.trace_sql("TRUNCATE orders")
    st = one(trace)
    assert st.rewritten == () and "public.orders" in st.truncated
    assert trace.tables_rewritten() == set()
    assert st.lock_on("public.orders") == "ACCESS EXCLUSIVE"


def test_create_index_takes_share_and_creates_the_index(tracer):
    st = one(tracer.trace_sql("CREATE INDEX users_note_idx ON users (note)"))
    assert st.lock_on("public.users") == "SHARE"
    assert st.created == ("index public.users_note_idx",)
    assert st.rewritten == ()
    new = [lk for lk in st.locks if lk.relation == "public.users_note_idx"]
    assert new and new[0].new_relation  # the created index is reported, marked as new
    assert not next(lk for lk in st.locks if lk.relation == "public.users").new_relation


def test_create_index_concurrently_is_sampled_share_update_exclusive(conns, db_url):
    tracer = Tracer(*conns, settings=EngineSettings(lock_timeout_ms=5000))  # 200 ms would cancel the wait
    # An open repeatable-read transaction makes the build wait for it (a known wait), so the
    # sampler sees the build's locks however fast the machine is.
    # The holder commits once the build is seen waiting for it (not after a fixed time: on a loaded
    # machine the build may not have reached its wait yet, and then no wait would be recorded).
    with psycopg.connect(db_url) as holder, psycopg.connect(db_url, autocommit=True) as watcher:
        holder.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        holder.execute("SELECT count(*) FROM orders")
        done = threading.Event()

        def release_when_waited_on() -> None:
            deadline = time.monotonic() + 30
            while not done.is_set() and time.monotonic() < deadline:
                if watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                   "AND query LIKE 'CREATE INDEX CONCURRENTLY users_note_idx%'").fetchone()[0]:
                    time.sleep(0.05)  # a few samples of the wait
                    break
                time.sleep(0.01)
            holder.commit()

        releaser = threading.Thread(target=release_when_waited_on)
        releaser.start()
        try:
            trace = tracer.trace_sql("CREATE INDEX CONCURRENTLY users_note_idx ON users (note)")
        finally:
            done.set()
            releaser.join()
    st = one(trace)
    assert trace.transactional is False
    assert st.lock_on("public.users") == "SHARE UPDATE EXCLUSIVE"
    assert all(lk.mode != "ACCESS EXCLUSIVE" for lk in st.locks)
    assert any(w.startswith("Lock:") for w in st.waits), st.waits
    assert st.created == ("index public.users_note_idx",)


def test_foreign_key_takes_share_row_exclusive_on_both_tables(tracer):
    st = one(tracer.trace_sql(
        "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id)"))
    assert st.lock_on("public.orders") == "SHARE ROW EXCLUSIVE"
    assert st.lock_on("public.users") == "SHARE ROW EXCLUSIVE"
    assert st.created == ("constraint public.orders.orders_user_fk",)
    assert st.rewritten == ()


def test_drop_table_drops_its_indexes_and_names_the_dropped_relations(tracer):
    st = one(tracer.trace_sql("DROP TABLE users"))
    assert {"table public.users", "index public.users_email_idx", "index public.users_pkey",
            "column public.users.email"} <= set(st.dropped)
    assert st.created == () and st.altered == ()
    assert st.lock_on("public.users") == "ACCESS EXCLUSIVE"  # named from the map taken before it
    assert not any(lk.relation.startswith("oid ") for lk in st.locks)


def test_each_statement_gets_only_its_own_locks(tracer):
    trace = tracer.trace_sql("BEGIN;\nCREATE TABLE t (id int);\nCREATE INDEX ON users (note);\n"
                             "ALTER TABLE orders ADD COLUMN x int;\nCOMMIT;\n")
    create, index, alter = trace.statements
    assert (create.index, create.line, index.line, alter.line) == (1, 2, 3, 4)
    assert [lk.relation for lk in create.locks if lk.locktype == "relation"] == ["public.t"]
    assert ("object", "object schema public") in {(lk.locktype, lk.relation) for lk in create.locks}
    assert index.lock_on("public.users") == "SHARE" and index.lock_on("public.t") is None
    assert [lk.relation for lk in alter.locks] == ["public.orders"]
    assert {k: v for k, v in trace.locks().items() if k.startswith("public.")} == {
        "public.t": "ACCESS EXCLUSIVE", "public.users": "SHARE", "public.orders": "ACCESS EXCLUSIVE",
        "public.users_note_idx": "ACCESS EXCLUSIVE"}
    assert all(st.wall_ms > 0 for st in trace.statements)


def test_a_failing_statement_ends_the_file_and_leaves_nothing(tracer, db):
    trace = tracer.trace_sql("CREATE TABLE kept_not (id int);\nALTER TABLE users ADD COLUMN c int;\n"
                             "ALTER TABLE nowhere ADD COLUMN x int;\nCREATE TABLE never (id int);\n", "m/001_x.sql")
    assert trace.error == 'm/001_x.sql:3: relation "nowhere" does not exist'
    assert len(trace.statements) == 3 and trace.statements[-1].error == 'relation "nowhere" does not exist'
    assert trace.statements[1].lock_on("public.users") == "ACCESS EXCLUSIVE"
    assert db.execute("SELECT to_regclass('kept_not')").fetchone()[0] is None
    assert db.execute("SELECT count(*) FROM information_schema.columns WHERE column_name = 'c'").fetchone()[0] == 0
    assert trace.differences() == []


def test_outside_a_transaction_statements_before_a_failure_stay(tracer, db):
    trace = tracer.trace_sql("CREATE INDEX CONCURRENTLY users_note_idx ON users (note);\n"
                             "CREATE INDEX CONCURRENTLY broken ON nowhere (x);\n")
    assert trace.error and "nowhere" in trace.error and len(trace.statements) == 2
    assert db.execute("SELECT to_regclass('users_note_idx')").fetchone()[0] is not None


def test_waiting_for_a_lock_shows_the_ungranted_lock_and_the_engines_lock_timeout(conns, db_url):
    tracer = Tracer(*conns, settings=EngineSettings(lock_timeout_ms=300))
    with psycopg.connect(db_url) as holder:
        holder.execute("LOCK TABLE orders IN ACCESS SHARE MODE")
        trace = tracer.trace_sql("ALTER TABLE orders ADD COLUMN z int")
        holder.rollback()
    (st,) = trace.statements
    assert st.error == "canceling statement due to lock timeout"
    waiting = [lk for lk in st.locks if lk.relation == "public.orders"]
    assert waiting and waiting[0].mode == "ACCESS EXCLUSIVE" and waiting[0].granted is False
    assert 250 <= st.wall_ms < 3000


def test_each_file_gets_a_clean_session(tracer, conns):
    worker, _ = conns
    assert one(tracer.trace_sql("SET search_path = nowhere; SET TimeZone = 'Asia/Tokyo'")).error is None
    assert tracer.trace_sql("CREATE TABLE fresh (id int)").error is None  # not "no schema selected"
    assert worker.execute("SHOW TimeZone").fetchone()[0] != "Asia/Tokyo"
    tz = Tracer(*conns, session={"TimeZone": "UTC"})
    assert "public.users" not in one(tz.trace_sql("ALTER TABLE users ALTER COLUMN born TYPE timestamptz")).rewritten


def test_keep_false_rolls_back_and_catalog_diff_can_be_off(conns, db):
    worker, monitor = conns
    trace = Tracer(worker, monitor).trace_sql("ALTER TABLE users ADD COLUMN k int", keep=False)
    assert one(trace).created == ("column public.users.k",)
    assert [d.key for d in trace.differences()] == ["column public.users.k"]
    assert db.execute("SELECT count(*) FROM information_schema.columns WHERE column_name = 'k'").fetchone()[0] == 0
    quick = Tracer(worker, monitor, catalog_diff=False).trace_sql("ALTER TABLE users ALTER COLUMN id TYPE bigint")
    st = one(quick)
    assert (st.created, st.dropped, st.altered) == ((), (), ()) and "public.users" in st.rewritten


def test_the_tracer_wants_two_autocommit_sessions(db_url):
    with psycopg.connect(db_url) as tx, psycopg.connect(db_url, autocommit=True) as ac:
        with pytest.raises(ValueError, match="autocommit"):
            Tracer(tx, ac)
        with pytest.raises(ValueError, match="session of its own"):
            Tracer(ac, ac)
