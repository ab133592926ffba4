"""Catalog snapshot and diff on a real PostgreSQL: each change shows as exactly its difference."""

from __future__ import annotations

import time

import psycopg
import pytest

from toolkit.trace.catalog import Catalog, diff, relfilenodes, snapshot

BASE = """
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email varchar(100) NOT NULL,
                    score int DEFAULT 0, feeling mood, body text);
CREATE INDEX users_email_idx ON users (email);
CREATE TABLE orders (id serial PRIMARY KEY, user_id bigint CONSTRAINT orders_user_fk REFERENCES users(id),
                     total numeric(10, 2) CHECK (total >= 0));
CREATE FUNCTION touch(x integer) RETURNS integer LANGUAGE sql AS 'SELECT x + 1';
CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;
CREATE TABLE schema_migrations (migration_name text PRIMARY KEY);
"""


def changes(db: psycopg.Connection, sql: str) -> list:
    before = snapshot(db)
    db.execute(sql)
    return diff(before, snapshot(db))


@pytest.fixture
def base(db: psycopg.Connection) -> psycopg.Connection:
    db.execute(BASE)
    return db


def test_snapshot_reads_user_objects_only(base):
    cat = snapshot(base)
    keys = set(cat.objects)
    for key in ("schema public", "table public.users", "column public.users.email", "index public.users_email_idx",
                "index public.users_pkey", "constraint public.orders.orders_user_fk", "function public.touch(integer)",
                "view public.big_orders", "sequence public.orders_id_seq", "enum public.mood",
                "constraint public.orders.orders_total_check"):
        assert key in keys, key
    assert not any("pg_catalog" in k or "information_schema" in k for k in keys)
    assert not any("schema_migrations" in k for k in keys)  # the engine's own table is not the schema
    assert cat["column public.users.email"].attrs["type"] == "character varying(100)"
    assert cat["column public.users.email"].attrs["not_null"] is True
    assert cat["column public.users.id"].attrs["identity"] == "a"
    assert cat["sequence public.orders_id_seq"].attrs["owned_by"] == "public.orders.id"
    assert cat["enum public.mood"].attrs["labels"] == ("sad", "happy")
    assert "FOREIGN KEY (user_id) REFERENCES public.users(id)" in cat["constraint public.orders.orders_user_fk"].attrs[
        "definition"]
    assert diff(cat, snapshot(base)) == []  # deterministic


def test_snapshot_leaves_no_trace_on_the_session(base):
    base.execute("SET search_path = public, pg_catalog")
    snapshot(base)
    assert base.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert base.execute("SHOW search_path").fetchone()[0] == "public, pg_catalog"


def test_snapshot_sees_the_sessions_uncommitted_changes_and_releases_its_locks(base, db_url):
    with psycopg.connect(db_url) as conn:  # not autocommit: a transaction stays open
        conn.execute("ALTER TABLE users ADD COLUMN nickname text")
        locks_before = conn.execute("SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid()").fetchone()[0]
        cat = snapshot(conn)
        locks_after = conn.execute("SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid()").fetchone()[0]
        assert "column public.users.nickname" in cat
        assert locks_after == locks_before  # the snapshot's own catalog locks went with its savepoint
        conn.rollback()
    assert "column public.users.nickname" not in snapshot(base)


@pytest.mark.parametrize("sql, expected", [
    ("ALTER TABLE users ADD COLUMN nickname text",
     [("added", "column public.users.nickname", ())]),
    ("ALTER TABLE users ALTER COLUMN score SET DEFAULT 10",
     [("changed", "column public.users.score", ("default",))]),
    ("DROP INDEX users_email_idx",
     [("removed", "index public.users_email_idx", ())]),
    ("CREATE OR REPLACE FUNCTION touch(x integer) RETURNS integer LANGUAGE sql AS 'SELECT x + 2'",
     [("changed", "function public.touch(integer)", ("definition",))]),
    ("ALTER TYPE mood ADD VALUE 'meh' BEFORE 'happy'",
     [("changed", "enum public.mood", ("labels",))]),
    ("ALTER TABLE users ALTER COLUMN email TYPE text",
     [("changed", "column public.users.email", ("type",))]),
    ("ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk", []),
], ids=["add-column", "default", "drop-index", "function-body", "enum-value", "column-type", "no-op"])
def test_each_change_is_exactly_its_difference(base, sql, expected):
    got = changes(base, sql)
    assert [(d.change, d.key, d.fields) for d in got] == expected


def test_describe_reads_as_one_line(base):
    (d,) = changes(base, "ALTER TABLE users ALTER COLUMN email TYPE text")
    assert d.describe() == "column public.users.email: type character varying(100) -> text"
    (d,) = changes(base, "ALTER TYPE mood ADD VALUE 'meh'")
    assert d.describe() == "enum public.mood: labels (sad, happy) -> (sad, happy, meh)"
    (d,) = changes(base, "CREATE OR REPLACE FUNCTION touch(x integer) RETURNS integer LANGUAGE sql "
                         "AS 'SELECT x + 2'")
    assert "\n" not in d.describe() and "x + 1" in d.describe() and "x + 2" in d.describe()
    (d,) = changes(base, "ALTER TABLE users ADD COLUMN nick text NOT NULL DEFAULT 'x'")
    assert d.describe() == "column public.users.nick: added (type text, not_null True, default 'x'::text)"


def test_drop_table_removes_its_dependents(base):
    got = changes(base, "DROP VIEW big_orders; DROP TABLE orders")
    removed = {d.key for d in got if d.change == "removed"}
    assert {"table public.orders", "column public.orders.total", "index public.orders_pkey",
            "constraint public.orders.orders_user_fk", "sequence public.orders_id_seq",
            "view public.big_orders"} <= removed
    assert all(d.change == "removed" for d in got)


def test_schema_filter_ownership_and_privileges(base):
    base.execute("CREATE SCHEMA app; CREATE TABLE app.things (id int); GRANT SELECT ON users TO PUBLIC")
    only_app = snapshot(base, schemas=["app"])
    assert set(only_app.objects) == {"schema app", "table app.things", "column app.things.id"}
    full = snapshot(base, ownership=True, privileges=True)
    assert full["table public.users"].attrs["owner"] == "postgres"
    assert any(a.startswith("=r/") for a in full["table public.users"].attrs["privileges"])
    assert "owner" not in snapshot(base)["table public.users"].attrs


def test_quoted_names_match_regclass_text(db):
    db.execute('CREATE TABLE "Mixed Case" ("Col" int)')
    cat = snapshot(db)
    assert 'column public."Mixed Case"."Col"' in cat
    assert '"Mixed Case"' == db.execute("""SELECT '"Mixed Case"'::regclass::text""").fetchone()[0]


def test_relfilenodes_key_toast_by_owner_and_change_on_rewrite(base):
    nodes = relfilenodes(base)
    assert nodes["public.users"][1] == "r" and nodes["public.users_email_idx"][1] == "i"
    assert "public.users (toast)" in nodes and nodes["public.users (toast)"][1] == "t"
    assert "public.big_orders" not in nodes  # views have no storage
    base.execute("VACUUM FULL users")
    after = relfilenodes(base)
    assert after["public.users"][0] != nodes["public.users"][0]
    assert after["public.orders"][0] == nodes["public.orders"][0]


def test_snapshot_of_a_thousand_objects_is_fast(db):
    db.execute("""DO $$ BEGIN FOR i IN 1..100 LOOP
        EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, a text DEFAULT ''x'', b int NOT NULL, '
                       'c timestamptz, CONSTRAINT t%s_b CHECK (b > 0))', i, i);
        EXECUTE format('CREATE INDEX t%s_a ON t%s (a)', i, i);
        EXECUTE format('CREATE FUNCTION f%s(x int) RETURNS int LANGUAGE sql AS ''SELECT x''', i);
        EXECUTE format('CREATE VIEW v%s AS SELECT id, a FROM t%s', i, i);
    END LOOP; END $$""")
    snapshot(db)  # warm the catalog caches
    t0 = time.perf_counter()
    cat: Catalog = snapshot(db)
    elapsed = time.perf_counter() - t0
    assert len(cat) >= 1000
    assert elapsed < 0.5, f"snapshot of {len(cat)} objects took {elapsed:.3f} s"
