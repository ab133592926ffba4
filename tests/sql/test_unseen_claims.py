"""Claims that went wrong on migration sets the analysis had never seen (tests/realsets: svix, harness,
graph_node; docs/plan-accuracy.md "first measurement"). Each case is the general pattern behind a
mismatch, in a few lines; tests/realsets/test_claims.py checks the same against PostgreSQL's catalog.
"""

from __future__ import annotations

import pytest

from toolkit.sql.locks import Schema, analyze_file
from toolkit.sql.parse import parse
from toolkit.sql.rollback_coverage import coverage

HISTORY = """
CREATE TABLE t (id integer PRIMARY KEY, health text NOT NULL, a text, b text);
CREATE SCHEMA s;
CREATE TABLE s.e (id integer, data jsonb);
CREATE TYPE v AS ENUM ('x', 'y');
"""


def _cov(up: str, rollback: str, history: str | None = HISTORY):
    defs = None
    if history is not None:
        s = Schema()
        analyze_file(parse(history), s)
        defs = s.copy_for_next_migration(keep_created=False).defs
    return coverage("m.sql", parse(up), "m_rollback.sql", rollback, history=defs)


COMPLETE = [  # (what, up, a rollback that undoes it: nothing is left behind)
    ("a function created and dropped by the migration itself",
     "CREATE FUNCTION chk() RETURNS void AS $$ BEGIN END $$ LANGUAGE plpgsql; SELECT chk(); DROP FUNCTION chk();",
     "SELECT 1;"),
    ("a table created and dropped by the migration itself",
     "CREATE TABLE tmp (id int); CREATE INDEX tmp_id ON tmp (id); DROP TABLE tmp;", "SELECT 1;"),
    ("an unnamed CHECK goes with the columns it uses",
     "ALTER TABLE t ADD COLUMN x text, ADD COLUMN y text, ADD CHECK ((x IS NULL) = (y IS NULL));",
     "ALTER TABLE t DROP COLUMN x, DROP COLUMN y;"),
    ("an unqualified index lives in its table's schema",
     "CREATE INDEX IF NOT EXISTS e_data ON s.e ((data->>'k'));", "DROP INDEX IF EXISTS s.e_data;"),
    ("a type the rollback renames before it drops it",
     "ALTER TYPE v RENAME TO v_old; CREATE TYPE v AS ENUM ('x', 'z'); "
     "ALTER TABLE t ALTER COLUMN a TYPE v USING a::v; DROP TYPE v_old;",
     "ALTER TYPE v RENAME TO v_old; CREATE TYPE v AS ENUM ('x', 'y'); "
     "ALTER TABLE t ALTER COLUMN a TYPE v USING a::text::v; DROP TYPE v_old;"),
    ("a dropped column the rollback adds under another name and renames back",
     "ALTER TABLE t ADD COLUMN health_new text; ALTER TABLE t DROP COLUMN health; "
     "ALTER TABLE t RENAME COLUMN health_new TO health;",
     "ALTER TABLE t ADD COLUMN health_new text; ALTER TABLE t DROP COLUMN health; "
     "ALTER TABLE t RENAME COLUMN health_new TO health; ALTER TABLE t ALTER COLUMN health SET NOT NULL;"),
]


@pytest.mark.parametrize(("what", "up", "rollback"), COMPLETE, ids=[c[0] for c in COMPLETE])
def test_a_complete_rollback_is_not_called_incomplete(what: str, up: str, rollback: str) -> None:
    cov = _cov(up, rollback)
    assert cov.status == "covered", (what, cov.left_behind)


def test_the_net_effect_still_counts_when_the_migration_drops_what_existed() -> None:
    # Dropping a table created earlier (not by this file) still needs the rollback to create it.
    assert _cov("DROP TABLE t;", "SELECT 1;").status == "partial"
    # An unnamed CHECK on columns the rollback keeps is still left behind.
    assert _cov("ALTER TABLE t ADD CHECK (a <> b);", "SELECT 1;").status == "partial"


def test_a_rollback_running_dynamic_sql_is_not_guessed() -> None:
    # The rollback drops schemas by name from a table: what it drops cannot be read from the files.
    up = "CREATE SCHEMA sub; CREATE TABLE sub.x (id int);"
    dynamic = ("CREATE FUNCTION drop_all() RETURNS void LANGUAGE plpgsql AS $$ DECLARE n text; BEGIN "
               "FOR n IN SELECT name FROM names LOOP EXECUTE 'drop schema ' || n || ' cascade'; END LOOP; END $$; "
               "SELECT drop_all(); DROP FUNCTION drop_all();")
    cov = _cov(up, dynamic)
    assert cov.status == "unknown" and cov.findings == () and "dynamic SQL" in cov.label
    do_block = "DO $$ BEGIN EXECUTE 'drop schema sub cascade'; END $$;"
    assert _cov(up, do_block).status == "unknown"
    # A rollback without dynamic SQL is still judged.
    assert _cov(up, "SELECT 1;").status == "partial"
    assert _cov(up, "DROP SCHEMA sub CASCADE;").status == "covered"


def _locks(history: str, sql: str) -> dict[str, str]:
    s = Schema()
    analyze_file(parse(history), s)
    facts = analyze_file(parse(sql), s.copy_for_next_migration(keep_created=False))
    return {lk.table: lk.mode for f in facts for lk in f.locks}


def test_reading_a_view_locks_the_tables_under_it() -> None:
    # PostgreSQL's rewriter expands the view: its base tables get the reader's lock too.
    history = ("CREATE TABLE a (id int, x int); CREATE TABLE b (id int); CREATE TABLE c (id int, v int);"
               "CREATE VIEW v1 AS SELECT a.id, b.id AS bid FROM a JOIN b USING (id);"
               "CREATE VIEW v2 AS SELECT * FROM v1;")
    locks = _locks(history, "UPDATE c SET v = d.bid FROM v2 d WHERE d.id = c.id;")
    assert locks == {"c": "ROW EXCLUSIVE", "v2": "ACCESS SHARE", "v1": "ACCESS SHARE", "a": "ACCESS SHARE",
                     "b": "ACCESS SHARE"}
    # Creating a view over a view stores it unexpanded: only the view named is read.
    assert _locks(history, "CREATE VIEW v3 AS SELECT * FROM v2;") == {"v3": "ACCESS EXCLUSIVE", "v2": "ACCESS SHARE"}
