"""Rollback safety classes on a table of migrations (static, from the parse trees), the deploy's
choice of a way back, and the data-loss preview on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from toolkit.proof.dataloss import minutes_since, preview
from toolkit.proof.safety import choose_rollback, classify_files
from toolkit.sql.parse import parse

# (case, up, rollback or None, class)
TABLE = [
    ("new table", "CREATE TABLE t (id int PRIMARY KEY, a text NOT NULL);", "DROP TABLE t;", "expand-only"),
    ("new table with seed rows and index",
     "BEGIN; CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1); CREATE INDEX t_i ON t (id); COMMIT;",
     "BEGIN; DROP TABLE t; COMMIT;", "expand-only"),
    ("nullable column", "ALTER TABLE users ADD COLUMN nick text;", "ALTER TABLE users DROP COLUMN nick;",
     "expand-only"),
    ("column with a default", "ALTER TABLE users ADD COLUMN n int NOT NULL DEFAULT 0;",
     "ALTER TABLE users DROP COLUMN n;", "expand-only"),
    ("plain index", "CREATE INDEX CONCURRENTLY users_a ON users (a);", "DROP INDEX CONCURRENTLY users_a;",
     "expand-only"),
    ("new function", "CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql AS 'SELECT x';", "DROP FUNCTION f(int);",
     "expand-only"),
    ("NOT NULL column without default breaks old inserts", "ALTER TABLE users ADD COLUMN n int NOT NULL;",
     "ALTER TABLE users DROP COLUMN n;", "destructive-on-rollback"),
    ("unique index on an existing table", "CREATE UNIQUE INDEX CONCURRENTLY u ON users (email);",
     "DROP INDEX CONCURRENTLY u;", "reversible"),
    ("check constraint on an existing table",
     "ALTER TABLE users ADD CONSTRAINT c CHECK (a > 0) NOT VALID;", "ALTER TABLE users DROP CONSTRAINT c;",
     "reversible"),
    ("type change", "ALTER TABLE users ALTER COLUMN a TYPE bigint;", "ALTER TABLE users ALTER COLUMN a TYPE int;",
     "reversible"),
    ("backfill", "UPDATE users SET s = 'x' WHERE s IS NULL;", "UPDATE users SET s = NULL WHERE s = 'x';",
     "reversible"),
    ("rollback drops a table holding new data",
     "ALTER TABLE users ADD COLUMN n int NOT NULL DEFAULT 0; CREATE TABLE audit (id int); "
     "UPDATE users SET n = 1;", "DROP TABLE audit; ALTER TABLE users DROP COLUMN n;", "destructive-on-rollback"),
    ("copy-then-drop rollback keeps the data",
     "ALTER TABLE users ADD COLUMN b text; UPDATE users SET b = a; ALTER TABLE users DROP COLUMN a;",
     "ALTER TABLE users ADD COLUMN a text; UPDATE users SET a = b; ALTER TABLE users DROP COLUMN b;", "reversible"),
    ("no rollback file", "ALTER TABLE users ADD COLUMN n text;", None, "forward-only"),
    ("empty rollback", "ALTER TABLE users ADD COLUMN n text;", "-- nothing to do\n", "forward-only"),
    ("up drops a column", "ALTER TABLE users DROP COLUMN legacy;", "ALTER TABLE users ADD COLUMN legacy text;",
     "forward-only"),
    ("up deletes rows", "DELETE FROM sessions WHERE expired;", "SELECT 1;", "forward-only"),
    ("up truncates", "TRUNCATE sessions;", "SELECT 1;", "forward-only"),
    ("rename breaks the previous release", "ALTER TABLE users RENAME COLUMN a TO b;",
     "ALTER TABLE users RENAME COLUMN b TO a;", "reversible"),
]


@pytest.mark.parametrize("case,up,down,expected", TABLE, ids=[c[0] for c in TABLE])
def test_safety_class(case, up, down, expected):
    cls = classify_files(parse(up, "up.sql"), parse(down, "down.sql") if down is not None else None)
    assert cls.name == expected, cls.reason
    assert cls.reason


def test_destructive_class_names_what_the_rollback_drops():
    cls = classify_files(parse("ALTER TABLE users ADD COLUMN n int NOT NULL; CREATE TABLE audit (id int);"),
                         parse("DROP TABLE audit; ALTER TABLE users DROP COLUMN n;"))
    assert cls.drops == ("column users.n", "table audit")


@pytest.mark.parametrize("applied,backup,mode,chain", [
    ([("a", "expand-only"), ("b", "expand-only")], True, "none", ()),
    ([("a", "expand-only"), ("b", "reversible"), ("c", "expand-only")], True, "migrations", ("c", "b")),
    ([("a", "reversible"), ("b", "destructive-on-rollback")], False, "migrations", ("b", "a")),
    ([("a", "reversible"), ("b", "forward-only")], True, "restore", ()),
    ([("a", "forward-only")], False, "manual", ()),
])
def test_choose_rollback(applied, backup, mode, chain):
    choice = choose_rollback(applied, has_backup=backup)
    assert (choice.mode, choice.migrations) == (mode, chain), choice.reason


def test_data_loss_preview_counts_rows_in_what_the_rollback_drops(db):
    db.execute("CREATE TABLE audit (id int); INSERT INTO audit SELECT generate_series(1, 500); "
               "CREATE TABLE users (id int, n int); INSERT INTO users SELECT g, g FROM generate_series(1, 40) g; "
               "ANALYZE audit; ANALYZE users")
    p = preview(db, "migrations", ["table audit", "column users.n"])
    assert [(o.object, o.rows) for o in p.dropped] == [("table audit", 500), ("column users.n", 40)]
    assert p.describe() == "rollback drops table audit (~500 rows), column users.n (~40 rows)"
    assert p.to_dict()["dropped"][0]["table"] == "audit"


def test_data_loss_preview_of_a_restore_counts_minutes_since_the_backup():
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    p = preview(None, "restore", backup_taken_at=now - timedelta(minutes=42), now=now)
    assert p.restore_minutes == 42 and p.describe() == "restore discards 42 min of writes"
    assert minutes_since(now + timedelta(minutes=1), now) == 0
    assert preview(None, "none").describe() == "no data loss: no database rollback"
