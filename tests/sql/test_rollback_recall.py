"""rollback-incomplete from what earlier migrations defined (toolkit/sql/definitions.py).

Each detection has a case the rollback gets wrong (reported) and one it gets right (not reported):
precision is the point, tests/realsets/test_claims.py checks both against PostgreSQL's catalog.
"""

from __future__ import annotations

import pytest

from toolkit.sql.locks import Schema, analyze_file
from toolkit.sql.parse import parse
from toolkit.sql.rollback_coverage import coverage

HISTORY = """
CREATE TABLE t (id integer PRIMARY KEY, flag boolean NOT NULL DEFAULT false, at timestamp DEFAULT now(),
                name varchar(10) DEFAULT '');
CREATE INDEX t_name_idx ON t (name);
CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NULL; END; $$ LANGUAGE plpgsql;
ALTER TABLE t ADD CONSTRAINT t_name_check CHECK (name <> 'x');
CREATE TABLE g (id int GENERATED ALWAYS AS IDENTITY, a int, total int GENERATED ALWAYS AS (a * 2) STORED);
CREATE TABLE c (id int, p_id int CONSTRAINT c_p_fk REFERENCES t (id), qty int, CONSTRAINT c_qty_check CHECK (qty > 0));
CREATE TABLE c2 (id int, t_id int);
ALTER TABLE c2 ADD CONSTRAINT c2_t_id_fkey FOREIGN KEY (t_id) REFERENCES t (id);
"""
F_OLD = "CREATE OR REPLACE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NULL; END; $$ LANGUAGE plpgsql;"
F_NEW = "CREATE OR REPLACE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql;"


def _left(up: str, rollback: str, history: str | None = HISTORY) -> tuple[str, ...]:
    defs = None
    if history is not None:
        s = Schema()
        analyze_file(parse(history), s)
        defs = s.copy_for_next_migration(keep_created=False).defs
    return coverage("m.sql", parse(up), "m_rollback.sql", rollback, history=defs).left_behind


CASES = [  # (what, up, rollback that leaves something, rollback that restores it)
    ("default dropped", "ALTER TABLE t ALTER COLUMN flag DROP DEFAULT;", "SELECT 1;",
     "ALTER TABLE t ALTER COLUMN flag SET DEFAULT FALSE;"),
    ("default restored as another value", "ALTER TABLE t ALTER COLUMN at DROP DEFAULT;",
     "ALTER TABLE t ALTER COLUMN at SET DEFAULT CURRENT_TIMESTAMP;", "ALTER TABLE t ALTER COLUMN at SET DEFAULT now();"),
    ("NOT NULL dropped", "ALTER TABLE t ALTER COLUMN flag DROP NOT NULL;", "SELECT 1;",
     "ALTER TABLE t ALTER COLUMN flag SET NOT NULL;"),
    ("column re-added differently", "ALTER TABLE t DROP COLUMN flag;", "ALTER TABLE t ADD COLUMN flag boolean;",
     "ALTER TABLE t ADD COLUMN flag bool NOT NULL DEFAULT 'f';"),
    ("type restored as another type", "ALTER TABLE t ALTER COLUMN at TYPE timestamptz;",
     "ALTER TABLE t ALTER COLUMN at TYPE text;", "ALTER TABLE t ALTER COLUMN at TYPE timestamp without time zone;"),
    ("table re-created differently", "DROP TABLE t;",
     "CREATE TABLE t (id integer PRIMARY KEY, flag boolean NOT NULL DEFAULT false, at timestamptz DEFAULT now(), "
     "name varchar(10) DEFAULT '');",
     "CREATE TABLE t (id int PRIMARY KEY, flag boolean NOT NULL DEFAULT false, at timestamp DEFAULT now(), "
     "name varchar(10) DEFAULT ''::character varying); CREATE INDEX t_name_idx ON t (name); "
     "ALTER TABLE t ADD CONSTRAINT t_name_check CHECK (name <> 'x');"),
    ("function body replaced", F_NEW, "SELECT 1;", F_OLD),
    ("function restored with another body", "DROP FUNCTION f();", F_NEW, F_OLD),
    ("index dropped", "DROP INDEX IF EXISTS t_name_idx;", "SELECT 1;",
     "CREATE INDEX IF NOT EXISTS t_name_idx ON t (name);"),
    ("index the rollback adds", "DROP INDEX IF EXISTS t_other_idx;", "CREATE INDEX t_other_idx ON t (at);",
     "DROP INDEX IF EXISTS t_other_idx;"),
    ("column the rollback adds", "UPDATE t SET name = '';",
     "ALTER TABLE t ADD COLUMN extra integer;", "SELECT 1;"),
    ("table the rollback drops (it was there before)", "-- only down needed", "DROP TABLE t;",
     "SELECT 1;"),
    ("table the rollback drops and re-creates differently", "UPDATE t SET name = '';",
     "DROP TABLE t; CREATE TABLE t (id integer PRIMARY KEY);",
     "DROP TABLE t; CREATE TABLE t (id integer PRIMARY KEY, flag boolean NOT NULL DEFAULT false, "
     "at timestamp DEFAULT now(), name varchar(10) DEFAULT ''); CREATE INDEX t_name_idx ON t (name); "
     "ALTER TABLE t ADD CONSTRAINT t_name_check CHECK (name <> 'x');"),
    ("generated column re-added as a plain one", "ALTER TABLE g DROP COLUMN total;",
     "ALTER TABLE g ADD COLUMN total int;", "ALTER TABLE g ADD COLUMN total int GENERATED ALWAYS AS (a * 2) STORED;"),
    ("identity column re-added nullable", "ALTER TABLE g DROP COLUMN id;", "ALTER TABLE g ADD COLUMN id int;",
     "ALTER TABLE g ADD COLUMN id int GENERATED ALWAYS AS IDENTITY;"),
    ("new overload the rollback leaves", "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT 1';",
     "DROP FUNCTION IF EXISTS f(bigint);", "DROP FUNCTION f(integer);"),
    ("named foreign key dropped with its column", "ALTER TABLE c DROP COLUMN p_id;",
     "ALTER TABLE c ADD COLUMN p_id int;", "ALTER TABLE c ADD COLUMN p_id int CONSTRAINT c_p_fk REFERENCES t (id);"),
    ("CHECK dropped with its column (restored unnamed, under the same generated name)",
     "ALTER TABLE c DROP COLUMN qty;", "ALTER TABLE c ADD COLUMN qty int;",
     "ALTER TABLE c ADD COLUMN qty int CHECK (qty > 0);"),
    ("foreign key restored unnamed, under the name it had", "ALTER TABLE c2 DROP COLUMN t_id;",
     "ALTER TABLE c2 ADD COLUMN t_id int;", "ALTER TABLE c2 ADD COLUMN t_id int REFERENCES t (id) ON DELETE CASCADE;"),
    ("index re-created with other keys", "DROP INDEX t_name_idx;", "CREATE INDEX t_name_idx ON t (lower(name));",
     "CREATE INDEX t_name_idx ON t USING btree ((name) ASC NULLS LAST);"),
    ("index re-created partial", "DROP INDEX t_name_idx;", "CREATE INDEX t_name_idx ON t (name) WHERE flag;",
     "CREATE INDEX t_name_idx ON t (name);"),
    ("constraint dropped (no history needed)", "ALTER TABLE t DROP CONSTRAINT t_name_check;",
     "CREATE UNIQUE INDEX t_name_check ON t (name);", "ALTER TABLE t ADD CONSTRAINT t_name_check CHECK (name <> 'x');"),
]


@pytest.mark.parametrize(("what", "up", "bad", "good"), CASES, ids=[c[0] for c in CASES])
def test_a_rollback_that_restores_something_else_is_incomplete(what: str, up: str, bad: str, good: str) -> None:
    assert _left(up, bad), what
    assert _left(up, good) == (), what


def test_without_history_only_what_the_files_show_is_reported() -> None:
    # The plan without history (a first migration) cannot know the old default: no guess.
    assert _left("ALTER TABLE t ALTER COLUMN flag DROP DEFAULT;", "SELECT 1;", history=None) == ()
    assert _left("ALTER TABLE t DROP CONSTRAINT c;", "SELECT 1;", history=None)
    assert _left("ALTER TABLE t DROP CONSTRAINT IF EXISTS c;", "SELECT 1;", history=None) == ()


def test_an_unnamed_constraint_may_restore_a_dropped_one() -> None:
    # ADD PRIMARY KEY (id) is named t_pkey again: not reported as missing.
    assert _left("ALTER TABLE t DROP CONSTRAINT t_pkey;", "ALTER TABLE t ADD PRIMARY KEY (id);") == ()


def test_a_do_block_makes_the_comparison_stop_guessing() -> None:
    do = "DO $$ BEGIN EXECUTE 'ALTER TABLE t ALTER COLUMN flag SET DEFAULT false'; END $$;"
    assert _left("ALTER TABLE t ALTER COLUMN flag DROP DEFAULT;", do) == ()
    # In the history, a DO block naming the table makes its definitions unknown.
    assert _left("ALTER TABLE t ALTER COLUMN flag DROP DEFAULT;", "SELECT 1;", history=HISTORY + do) == ()


def test_a_rollback_that_changes_what_the_migration_left_alone_is_reported() -> None:
    assert _left("SELECT 1;", "ALTER TABLE t ALTER COLUMN name SET DEFAULT 'x';")
    assert _left("SELECT 1;", "ALTER TABLE t ALTER COLUMN name SET DEFAULT '';") == ()


def test_lint_and_the_plan_compare_with_the_history_definitions() -> None:
    """lint_text (so `lint` and the plan) gives coverage() the schema's definitions from before the
    file: a default the rollback does not put back is reported with no database at hand."""
    from toolkit.sql.lint import lint_text

    def lint_left(up: str, rollback: str) -> list[str]:
        s = Schema()
        analyze_file(parse(HISTORY), s)
        report = lint_text(up, "m.sql", schema=s.copy_for_next_migration(keep_created=False),
                           rollback_path="m_rollback.sql", rollback_text=rollback)
        return [f.message for f in report.findings if f.rule == "rollback-incomplete"]

    assert lint_left("ALTER TABLE t ALTER COLUMN flag DROP DEFAULT;", "SELECT 1;") == [
        "column t.flag differs after the rollback (default false -> none) is not undone by m_rollback.sql"]
    assert lint_left("ALTER TABLE t ALTER COLUMN flag DROP DEFAULT;",
                     "ALTER TABLE t ALTER COLUMN flag SET DEFAULT FALSE;") == []
    # No schema (a file linted on its own): only what the files show.
    assert [f for f in lint_text("ALTER TABLE t ALTER COLUMN flag DROP DEFAULT;", "m.sql",
                                 rollback_path="m_rollback.sql", rollback_text="SELECT 1;").findings
            if f.rule == "rollback-incomplete"] == []


def test_what_the_rollback_adds_is_reported_in_a_stable_order() -> None:
    """Findings come in the order of the definitions, not of a set (string hashes differ between
    processes, and `lint` output must not)."""
    import os
    import subprocess
    import sys

    up = "DROP INDEX IF EXISTS t_name_idx;"
    rollback = "".join(f"CREATE INDEX i{n} ON t (name); ALTER TABLE t ADD COLUMN c{n} int;" for n in range(8))
    code = ("import sys; sys.path.insert(0, '.'); from tests.sql.test_rollback_recall import _left; "
            f"print(_left({up!r}, {rollback!r}))")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in (1, 2, 3, 4)}
    assert len(runs) == 1, runs
    left = eval(runs.pop())  # noqa: S307 - our own repr of a tuple of str
    assert [w.split()[1] for w in left if w.startswith("column")] == [f"t.c{n}" for n in range(8)]
    assert [w.split()[1] for w in left if w.startswith("index i")] == [f"i{n}" for n in range(8)]


@pytest.mark.parametrize(("what", "up", "bad", "good"), CASES, ids=[c[0] for c in CASES])
def test_lint_reuses_its_lock_analysis_definitions_with_the_same_result(what: str, up: str, bad: str,
                                                                        good: str) -> None:
    """lint_text hands coverage() the definitions analyze_file already brought past the file
    (after_up) instead of applying the file again: the claims must be the ones coverage computes."""
    from toolkit.sql.lint import lint_text

    for rollback in (bad, good):
        s = Schema()
        analyze_file(parse(HISTORY), s)
        report = lint_text(up, "m.sql", schema=s.copy_for_next_migration(keep_created=False),
                           rollback_path="m_rollback.sql", rollback_text=rollback)
        assert report.rollback is not None
        assert report.rollback.left_behind == _left(up, rollback), what


def test_a_table_the_rollback_drops_is_named_once_and_only_when_it_existed_before() -> None:
    # keto's split migrations: the second one's rollback drops the table the first one created.
    assert _left("-- only down needed", "DROP TABLE IF EXISTS t CASCADE;") == (
        "table t is dropped by the rollback, it was there before the migration",)
    # a table the migration itself creates, and one re-created by CREATE TABLE AS: not reported
    assert _left("CREATE TABLE n (id int);", "DROP TABLE n;") == ()
    assert "table t is dropped by the rollback, it was there before the migration" not in _left(
        "UPDATE t SET name = '';", "DROP TABLE t; CREATE TABLE t AS SELECT 1 AS id;")
    # a rename away is not a drop
    assert not any("dropped by the rollback" in x
                   for x in _left("UPDATE t SET name = '';", "ALTER TABLE t RENAME TO t_old;"))


def test_a_function_the_history_does_not_know_is_not_reported_as_left_behind() -> None:
    # graph-node: an up file drops a function made where the files cannot see (a DO block, a CASCADE
    # that emptied the definitions), and its rollback re-creates it: restored, not left behind.
    left = _left("DROP FUNCTION g(int);", "CREATE FUNCTION g(a int) RETURNS int LANGUAGE sql AS 'SELECT 1';")
    assert not any("is left by the rollback" in x for x in left), left
    assert _left("CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT 1';", "DROP FUNCTION f(bigint);") == (
        "function f(int4) is left by the rollback, it was not there before the migration",)


def test_a_constraint_is_named_by_the_rule_postgresql_uses() -> None:
    from toolkit.sql.definitions import Definitions

    d = Definitions()
    for st in parse("CREATE TABLE s.orders (id int PRIMARY KEY, user_id int REFERENCES users, code text UNIQUE,"
                    " qty int CHECK (qty > 0), a int, b int, UNIQUE (a, b), CHECK (b > a),"
                    " FOREIGN KEY (a, b) REFERENCES x (a, b));"
                    "CREATE TABLE t2 (a int, CHECK (a > 0), CHECK (a < 9));").statements:
        d.apply(st.node, st.line)
    assert sorted(d.constraints) == [
        ("s.orders", "orders_a_b_fkey"), ("s.orders", "orders_a_b_key"), ("s.orders", "orders_b_check"),
        ("s.orders", "orders_code_key"), ("s.orders", "orders_pkey"), ("s.orders", "orders_qty_check"),
        ("s.orders", "orders_user_id_fkey"),
        ("t2", "t2_a_check")]  # the second CHECK would be t2_a_check1: a number is not guessed


def test_an_index_is_compared_by_its_keys_not_its_spelling() -> None:
    from toolkit.sql.definitions import _index_shape

    def shape(sql: str) -> tuple:
        return _index_shape(parse(sql).statements[0].node)

    same = ["CREATE INDEX i ON t (a, lower(b))", "CREATE INDEX i ON t USING BTREE (a ASC NULLS LAST, LOWER( b ))",
            "create index i on t ((a), lower((b)))"]
    assert len({shape(x) for x in same}) == 1
    different = ["CREATE INDEX i ON t (a DESC, lower(b))", "CREATE INDEX i ON t (a NULLS FIRST, lower(b))",
                 "CREATE UNIQUE INDEX i ON t (a, lower(b))", "CREATE INDEX i ON t USING hash (a, lower(b))",
                 "CREATE INDEX i ON t (lower(b), a)", "CREATE INDEX i ON t (a, upper(b))",
                 "CREATE INDEX i ON t (a text_pattern_ops, lower(b))", "CREATE INDEX i ON t (a, lower(b)) WHERE a > 0"]
    assert len({shape(x) for x in different} | {shape(same[0])}) == len(different) + 1
    assert shape("CREATE INDEX i ON t (a DESC)") == shape("CREATE INDEX i ON t (a DESC NULLS FIRST)")
