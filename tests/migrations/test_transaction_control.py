"""How a file's own BEGIN/COMMIT and non-transactional statements decide how it runs (pure)."""

from __future__ import annotations

import pytest

from toolkit.errors import ToolkitError
from toolkit.migrations.runner import load_step
from toolkit.sql.parse import SqlSyntaxError


def step(sql: str):
    return load_step("20240101_000000_x", "x.sql", sql)


def test_runbook_style_file_runs_in_one_transaction_without_its_own_begin_commit():
    s = step("-- Migration: x\nBEGIN;\nCREATE TABLE a (id int);\nCREATE INDEX ON a (id);\nCOMMIT;\n")
    assert s.transactional
    assert [st.kind for st in s.statements] == ["CreateStmt", "IndexStmt"]


def test_several_begin_commit_blocks_merge_into_the_engines_transaction():
    s = step("BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\nBEGIN;\nCREATE TABLE b (id int);\nCOMMIT;\n")
    assert s.transactional and len(s.statements) == 2


@pytest.mark.parametrize("sql,reason", [
    ("CREATE INDEX CONCURRENTLY i ON a (id);", "CREATE INDEX CONCURRENTLY"),
    ("DROP INDEX CONCURRENTLY IF EXISTS i;", "DROP INDEX CONCURRENTLY"),
    ("REINDEX INDEX CONCURRENTLY i;", "REINDEX CONCURRENTLY"),
    ("VACUUM (ANALYZE) a;", "VACUUM"),
    ("ALTER SYSTEM SET work_mem = '64MB';", "ALTER SYSTEM"),
    ("ALTER TABLE p DETACH PARTITION c CONCURRENTLY;", "DETACH PARTITION CONCURRENTLY"),
])
def test_statements_that_cannot_run_in_a_transaction_are_found_in_the_parse_tree(sql, reason):
    s = step(sql)
    assert not s.transactional
    assert s.statements[0].non_transactional == reason


def test_plain_index_and_analyze_stay_transactional():
    assert step("CREATE INDEX i ON a (id);\nANALYZE a;").transactional
    # a comment or string that merely mentions CONCURRENTLY is not a concurrent build
    assert step("-- CREATE INDEX CONCURRENTLY later\nSELECT 'CONCURRENTLY';").transactional


def test_mixing_concurrently_with_begin_commit_is_an_error_naming_both_lines():
    with pytest.raises(ToolkitError) as e:
        step("BEGIN;\nCREATE TABLE a (id int);\nCREATE INDEX CONCURRENTLY i ON a (id);\nCOMMIT;\n")
    assert "x.sql:3" in e.value.message and "line 1" in e.value.message
    assert "remove BEGIN/COMMIT" in e.value.hint


@pytest.mark.parametrize("sql,needle", [
    ("BEGIN;\nBEGIN;\nSELECT 1;\nCOMMIT;\n", "x.sql:2: nested BEGIN"),
    ("BEGIN;\nSELECT 1;\n", "x.sql:1: BEGIN is never committed"),
    ("SELECT 1;\nCOMMIT;\n", "x.sql:2: COMMIT without a BEGIN"),
    ("BEGIN;\nSELECT 1;\nROLLBACK;\n", "x.sql:3: ROLLBACK in a migration file"),
])
def test_broken_transaction_structure_is_refused(sql, needle):
    with pytest.raises(ToolkitError, match=needle):
        step(sql)


def test_syntax_error_names_file_line_and_column():
    with pytest.raises(SqlSyntaxError) as e:
        step("BEGIN;\nCREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN;\nCOMMIT;\n")
    assert e.value.line == 3
    assert e.value.message.startswith("x.sql:3:")
