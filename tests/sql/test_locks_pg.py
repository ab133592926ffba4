"""The lock claims of toolkit.sql.locks, checked against a real PostgreSQL: each statement runs in a
transaction that is rolled back, and pg_locks says which table locks it took."""

from __future__ import annotations

import itertools

import psycopg
import pytest

from toolkit.sql.locks import CONFLICTS, MODES, PG_LOCKS_NAME, Schema, analyze_file, statement_locks
from toolkit.sql.parse import parse

SETUP = """
CREATE TABLE users (id bigint PRIMARY KEY, email text, name varchar(50), score int, created_at timestamptz);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric(10,2), note text);
CREATE INDEX idx_orders_user_id ON orders (user_id);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE TABLE events (id bigint, kind int) PARTITION BY LIST (kind);
CREATE TABLE events_1 PARTITION OF events FOR VALUES IN (1);
CREATE TABLE events_2 (id bigint, kind int);
CREATE VIEW active_users AS SELECT id FROM users;
CREATE MATERIALIZED VIEW user_totals AS SELECT user_id, sum(total) AS total FROM orders GROUP BY user_id;
CREATE UNIQUE INDEX user_totals_user_id ON user_totals (user_id);
CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER orders_noop BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION noop();
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
CREATE TABLE audit_log (id bigint, user_id bigint REFERENCES users (id));
CREATE FUNCTION touch_orders() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM users WHERE id = 0) THEN
    UPDATE orders SET note = note WHERE id = 0;
  END IF;
END $$;
CREATE FUNCTION touch_users() RETURNS void LANGUAGE sql AS 'UPDATE users SET score = score WHERE id = 0';
"""

STATEMENTS = [
    "SELECT * FROM users",
    "SELECT * FROM users FOR UPDATE",
    "INSERT INTO users (id) VALUES (1)",
    "UPDATE users SET score = 1",
    "DELETE FROM orders WHERE id = 1",
    "ALTER TABLE users ADD COLUMN bio text",
    "ALTER TABLE users ADD COLUMN seen_at timestamptz DEFAULT now()",
    "ALTER TABLE users ADD COLUMN ref bigint REFERENCES orders (id)",
    "ALTER TABLE users ALTER COLUMN name TYPE text",
    "ALTER TABLE users ALTER COLUMN score TYPE bigint",
    "ALTER TABLE users ALTER COLUMN email SET NOT NULL",
    "ALTER TABLE users ALTER COLUMN email DROP NOT NULL",
    "ALTER TABLE users ALTER COLUMN score SET DEFAULT 0",
    "ALTER TABLE users DROP COLUMN score",
    "ALTER TABLE users ADD CONSTRAINT score_positive CHECK (score > 0) NOT VALID",
    "ALTER TABLE users ADD CONSTRAINT name_unique UNIQUE (name)",
    "ALTER TABLE users ADD CONSTRAINT email_unique UNIQUE USING INDEX users_email_key",
    "ALTER TABLE orders ADD CONSTRAINT orders_user_fk2 FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID",
    "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk",
    "ALTER TABLE orders DROP CONSTRAINT orders_user_fk",
    "ALTER TABLE users ALTER COLUMN score SET STATISTICS 500",
    "ALTER TABLE users SET (fillfactor = 70)",
    "ALTER TABLE users SET (autovacuum_enabled = false)",
    "ALTER TABLE orders DISABLE TRIGGER orders_noop",
    "ALTER TABLE orders ENABLE TRIGGER ALL",
    "ALTER TABLE users REPLICA IDENTITY FULL",
    "ALTER TABLE events_2 SET UNLOGGED",
    "ALTER TABLE users SET TABLESPACE pg_default",
    "ALTER TABLE users ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE users RENAME COLUMN score TO points",
    "ALTER TABLE users RENAME TO members",
    "ALTER TABLE orders RENAME CONSTRAINT orders_user_fk TO orders_user_fkey",
    "ALTER INDEX idx_orders_user_id RENAME TO orders_user_id_idx",
    "CREATE INDEX idx_users_name ON users (name)",
    "DROP INDEX idx_orders_user_id",
    "DROP TABLE audit_log",
    "TRUNCATE orders",
    "CREATE TABLE prefs (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id))",
    "CREATE TABLE events_3 PARTITION OF events FOR VALUES IN (3)",
    "ALTER TABLE events ATTACH PARTITION events_2 FOR VALUES IN (2)",
    "ALTER TABLE events DETACH PARTITION events_1",
    "CREATE TRIGGER users_noop BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION noop()",
    "DROP TRIGGER orders_noop ON orders",
    "DROP FUNCTION noop() CASCADE",
    "DROP FUNCTION IF EXISTS public.noop CASCADE",
    "COMMENT ON TABLE users IS 'people'",
    "COMMENT ON COLUMN users.email IS 'login'",
    "CREATE STATISTICS users_stats ON email, name FROM users",
    "CREATE POLICY own ON users USING (true)",
    "LOCK TABLE users",
    "LOCK TABLE users IN SHARE MODE",
    "LOCK TABLE orders IN ROW EXCLUSIVE MODE",
    "REINDEX TABLE orders",
    "REINDEX INDEX idx_orders_user_id",
    "CLUSTER orders USING idx_orders_user_id",
    "REFRESH MATERIALIZED VIEW user_totals",
    "REFRESH MATERIALIZED VIEW CONCURRENTLY user_totals",
    "CREATE OR REPLACE VIEW active_users AS SELECT id FROM users WHERE id > 0",
    "CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100",
    "ANALYZE users",
    "COPY users TO '/dev/null'",
    "COPY users (id) FROM '/dev/null'",
    "COPY (SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id) TO '/dev/null'",
    # Statements a DO block or a called function runs take their locks in the caller's transaction.
    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'zzz') THEN "
    "ALTER TABLE users ALTER COLUMN score TYPE bigint; END IF; END $$",
    "DO $$ BEGIN UPDATE orders SET note = 'x' WHERE id = 0; END $$",
    "DO $$ DECLARE n int; BEGIN SELECT count(*) INTO n FROM users; "
    "IF n = 0 THEN CREATE INDEX idx_users_score ON users (score); END IF; END $$",
    "SELECT touch_orders()",
    "SELECT touch_users()",
]

_STRENGTH = {PG_LOCKS_NAME[m]: i for i, m in enumerate(MODES)}


@pytest.fixture(scope="module")
def lock_db(pg) -> str:
    name = "locks_claims"
    pg.create_database(name)
    url = pg.url(name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SETUP)
    yield url
    pg.drop_database(name)


def _setup_schema() -> Schema:
    schema = Schema()
    analyze_file(parse(SETUP), schema)
    schema.created.clear()  # in the test, the setup tables already exist
    return schema


def _observed(conn: psycopg.Connection, sql: str) -> dict[str, tuple[str, str]]:
    """Strongest relation lock this backend holds per relation: name -> (pg mode, relkind)."""
    # Names as they were before the statement (it may rename or drop them).
    names = {oid: (rel, kind) for oid, rel, kind in conn.execute(
        "SELECT c.oid, c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public'").fetchall()}
    conn.execute(sql)
    locks = conn.execute(
        "SELECT l.relation, l.mode FROM pg_locks l WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation'"
    ).fetchall()
    rows = [(*names[oid], mode) for oid, mode in locks if oid in names]
    out: dict[str, tuple[str, str]] = {}
    for rel, kind, mode in rows:
        if rel not in out or _STRENGTH[mode] > _STRENGTH[out[rel][0]]:
            out[rel] = (mode, kind)
    return out


@pytest.mark.parametrize("sql", STATEMENTS)
def test_claimed_locks_match_pg_locks(lock_db: str, sql: str) -> None:
    stmt = parse(sql).statements[0]
    claims, _ = statement_locks(stmt, _setup_schema())
    claimed: dict[str, str] = {}
    for lk in claims:
        if not lk.new:
            prev = claimed.get(lk.table)
            claimed[lk.table] = lk.mode if prev is None or MODES.index(lk.mode) > MODES.index(prev) else prev
    with psycopg.connect(lock_db) as conn:
        try:
            observed = _observed(conn, sql)
        finally:
            conn.rollback()
    new_tables = {lk.table for lk in claims if lk.new}
    for table, mode in claimed.items():
        assert table in observed, f"{sql}: claimed {mode} on {table}, PostgreSQL took no lock on it"
        assert observed[table][0] == PG_LOCKS_NAME[mode], f"{sql}: {table} claimed {mode}, pg_locks {observed[table][0]}"
    # Nothing stronger than ROW SHARE on an existing table (or view) goes unclaimed.
    for rel, (mode, kind) in observed.items():
        if kind in "rpvm" and _STRENGTH[mode] > _STRENGTH["RowShareLock"] and rel not in new_tables:
            assert rel in claimed, f"{sql}: pg_locks shows {mode} on {rel}, not claimed"


def test_conflict_table_matches_postgresql(lock_db: str) -> None:
    """The documented conflict matrix that blocks() is built on, replayed with two sessions."""
    with psycopg.connect(lock_db) as a, psycopg.connect(lock_db) as b:
        for held, wanted in itertools.product(MODES, MODES):
            a.execute(f"LOCK TABLE users IN {held} MODE")
            try:
                b.execute(f"LOCK TABLE users IN {wanted} MODE NOWAIT")
                conflict = False
            except psycopg.errors.LockNotAvailable:
                conflict = True
            b.rollback()
            a.rollback()
            assert conflict == (wanted in CONFLICTS[held]), (held, wanted)
