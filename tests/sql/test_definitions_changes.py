"""Definitions track what each copy changed: rollback coverage reads only those keys."""

from __future__ import annotations

import pytest

from toolkit.sql.definitions import Changes, Definitions
from toolkit.sql.parse import parse
from toolkit.sql.rollback_coverage import coverage


def test_changes_records_every_write_and_removal_in_order_and_refuses_untracked_ones():
    d = Changes({("t", "a"): 1, ("t", "b"): 2})
    assert d.changed == {}
    d[("t", "c")] = 3
    del d[("t", "a")]
    d.pop(("t", "b"))
    d.pop(("t", "zz"), None)
    assert list(d.changed) == [("t", "c"), ("t", "a"), ("t", "b"), ("t", "zz")]
    for untracked in (lambda: d.update(x=1), lambda: d.setdefault("x", 1), d.popitem, d.clear):
        with pytest.raises(TypeError):
            untracked()
    copied = Definitions(columns=d).copy()
    assert copied.columns == d and copied.columns.changed == {}


def _history(sql: str) -> Definitions:
    d = Definitions()
    for s in parse(sql).statements:
        d.apply(s.node, s.line)
    return d.copy()


def test_a_long_history_still_reports_what_the_rollback_leaves_different():
    # 300 untouched tables before the one the migration changes: only the changed keys are read,
    # and what differs is still found, in the order the files changed it.
    base = "".join(f"CREATE TABLE t{i} (id int NOT NULL, v text DEFAULT 'x');\nCREATE INDEX i{i} ON t{i} (v);\n"
                   for i in range(300))
    history = _history(base + "CREATE TABLE acc (id int, name text DEFAULT 'a', note text);\n"
                       "CREATE INDEX acc_name ON acc (name);\n")
    up = parse("ALTER TABLE acc ALTER COLUMN name SET DEFAULT 'b';\nDROP INDEX acc_name;\n"
               "ALTER TABLE acc DROP COLUMN note;\n", "up.sql")
    rb = "ALTER TABLE acc ALTER COLUMN name SET DEFAULT 'c';\nALTER TABLE acc ADD COLUMN note text;\n" \
         "ALTER TABLE acc ADD COLUMN extra int;\nCREATE INDEX t5_extra ON t5 (id);\n"
    cov = coverage("up.sql", up, "up_rollback.sql", rb, history=history)
    assert cov.status == "partial"
    assert cov.left_behind == (
        "column acc.name differs after the rollback (default a -> c)",
        "column acc.extra is added by the rollback, it was not there before the migration",
        "index acc_name on acc is dropped and not re-created",
        "index t5_extra on t5 is created by the rollback, it was not there before the migration",
    ), cov.left_behind


@pytest.mark.parametrize("drop", ["DROP SCHEMA IF EXISTS info CASCADE", "DROP TYPE mood CASCADE",
                                  "DROP EXTENSION pg_trgm"])
def test_a_cascade_the_module_cannot_follow_forgets_every_definition(drop):
    # graph-node's `drop schema if exists info cascade`: whatever it took with it is unknown, so the
    # definitions are emptied and marked tainted (rollback coverage then compares nothing).
    d = _history("CREATE TABLE acc (id int, name text DEFAULT 'a');\nCREATE INDEX acc_name ON acc (name);\n"
                 "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n")
    assert d.columns and d.indexes and d.functions and d.tables and not d.tainted
    d.apply(parse(drop).statements[0].node, 7)
    assert (dict(d.columns), d.tables, dict(d.indexes), d.functions, d.touched, d.tainted) == ({}, set(), {}, {}, {}, True)
