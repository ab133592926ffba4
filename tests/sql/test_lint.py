"""The linter around the rules: syntax errors, suppressions, config, table sizes, rollback coverage."""

from __future__ import annotations

from toolkit.config import LintSettings
from toolkit.sql.lint import LintOptions, TableStats, at_or_above, lint_text

NO_RB = LintOptions(check_rollback=False)


def rules(report) -> list[str]:
    return [f.rule for f in report.findings]


def test_syntax_error_is_a_finding_with_file_and_line() -> None:
    report = lint_text("BEGIN;\nALTER TABLE users ADD COLUMN x int;\nALTER TABEL users DROP COLUMN y;\nCOMMIT;\n",
                       "db/20250101_000000_bad.sql", opts=NO_RB)
    assert rules(report) == ["syntax-error"]
    f = report.findings[0]
    assert (f.path, f.line, f.severity) == ("db/20250101_000000_bad.sql", 3, "error")
    assert "TABEL" in f.message or "syntax" in f.message
    assert report.parsed is None


def test_statement_suppression_names_the_rule() -> None:
    sql = ("-- migrate-action: ignore require-concurrent-index-creation\n"
           "CREATE INDEX a ON users (email);\n"
           "CREATE INDEX b ON users (name);\n")
    report = lint_text(sql, "m.sql", opts=NO_RB)
    assert [(f.rule, f.line) for f in report.findings] == [("require-concurrent-index-creation", 3)]
    assert report.suppressed == 1


def test_trailing_suppression_and_other_rules_still_fire() -> None:
    sql = ("CREATE INDEX a ON users (email); -- migrate-action: ignore require-concurrent-index-creation\n"
           "ALTER TABLE users DROP COLUMN legacy;\n")
    assert rules(lint_text(sql, "m.sql", opts=NO_RB)) == ["ban-drop-column"]


def test_suppressing_another_rule_does_not_hide_this_one() -> None:
    sql = "-- migrate-action: ignore ban-drop-column\nCREATE INDEX a ON users (email);\n"
    assert rules(lint_text(sql, "m.sql", opts=NO_RB)) == ["require-concurrent-index-creation"]


def test_file_suppression_and_project_disable() -> None:
    sql = ("-- migrate-action: ignore-file prefer-text-field\n"
           "CREATE TABLE t (a varchar(10), b char(2), c timestamp);\n")
    assert rules(lint_text(sql, "m.sql", opts=NO_RB)) == ["prefer-timestamptz"]
    opts = LintOptions(settings=LintSettings(disable=("prefer-timestamptz",)), check_rollback=False)
    assert rules(lint_text(sql, "m.sql", opts=opts)) == []


def test_small_tables_drop_to_notice_and_large_ones_show_their_size() -> None:
    sql = "CREATE INDEX a ON users (email);\nCREATE INDEX b ON orders (user_id);\n"
    stats = {"users": TableStats(rows=1_200, bytes=300_000), "orders": TableStats(rows=41_000_000, bytes=12 << 30)}
    report = lint_text(sql, "m.sql", opts=LintOptions(stats=stats, check_rollback=False))
    by_table = {f.table: f for f in report.findings}
    assert by_table["users"].severity == "notice" and "1.2 k rows" in by_table["users"].message
    assert by_table["orders"].severity == "error" and "41 M rows, 12 GB" in by_table["orders"].message
    assert [f.table for f in at_or_above(report.findings, "error")] == ["orders"]
    assert at_or_above(report.findings, "never") == []


def test_renames_are_not_size_sensitive() -> None:
    stats = {"users": TableStats(rows=10, bytes=8192)}
    report = lint_text("ALTER TABLE users RENAME COLUMN a TO b", "m.sql",
                       opts=LintOptions(stats=stats, check_rollback=False))
    assert [(f.rule, f.severity) for f in report.findings] == [("renaming-column", "warning")]


UP = """-- Migration: add_user_preferences
BEGIN;
CREATE TABLE IF NOT EXISTS user_preferences (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint);
CREATE INDEX IF NOT EXISTS idx_user_preferences_user_id ON user_preferences (user_id);
ALTER TABLE users ADD COLUMN nickname text;
ALTER TABLE users ADD CONSTRAINT nickname_len CHECK (char_length(nickname) < 40) NOT VALID;
ALTER TABLE orders RENAME COLUMN total TO amount;
COMMIT;
"""


def _rollback(text: str | None):
    return lint_text(UP, "up.sql", rollback_path="up_rollback.sql", rollback_text=text)


def test_rollback_that_undoes_everything_is_quiet() -> None:
    rb = ("BEGIN;\nALTER TABLE orders RENAME COLUMN amount TO total;\nALTER TABLE users DROP COLUMN nickname;\n"
          "DROP TABLE IF EXISTS user_preferences;\nCOMMIT;\n")
    report = _rollback(rb)
    assert report.rollback.status == "covered"
    assert [f for f in report.findings if f.rule.startswith("rollback")] == []


def test_rollback_leaving_things_behind_is_reported_at_the_up_line() -> None:
    report = _rollback("BEGIN;\nALTER TABLE users DROP COLUMN nickname;\nCOMMIT;\n")
    left = [(f.line, f.message) for f in report.findings if f.rule == "rollback-incomplete"]
    assert [line for line, _ in left] == [3, 4, 7]
    assert "user_preferences" in left[0][1] and "total renamed" in left[2][1]
    assert report.rollback.label == "partial (3 left)"


def test_missing_empty_and_broken_rollbacks() -> None:
    assert [f.rule for f in _rollback(None).findings if f.rule.startswith("rollback")] == ["rollback-missing"]
    empty = _rollback("-- Rollback: add_user_preferences\nBEGIN;\nCOMMIT;\n")
    assert [f.rule for f in empty.findings if f.rule.startswith("rollback")] == ["rollback-empty"]
    broken = _rollback("BEGIN;\nDROP TABLEE user_preferences;\nCOMMIT;\n")
    f = next(f for f in broken.findings if f.rule == "rollback-syntax-error")
    assert (f.path, f.line) == ("up_rollback.sql", 2)


def test_rollback_file_structure_is_checked_too() -> None:
    report = _rollback("BEGIN;\nDROP TABLE user_preferences;\n")
    f = next(f for f in report.findings if f.rule == "transaction-nesting")
    assert f.path == "up_rollback.sql"


def test_timeout_changes_through_set_config_are_found_however_the_name_is_spelled() -> None:
    """The rule skips the tree walk of statements whose text cannot call set_config: every spelling
    PostgreSQL resolves to set_config must still be looked at."""
    spellings = ["SELECT set_config('lock_timeout', '0', false)",
                 "SELECT PG_CATALOG.SET_CONFIG('lock_timeout', '0', false)",
                 "SELECT \"set_config\"('lock_timeout', '0', false)",
                 "SELECT U&\"set\\005Fconfig\"('lock_timeout', '0', false)",
                 "UPDATE t SET x = 1 WHERE set_config('statement_timeout', '0', true) IS NOT NULL",
                 "WITH s AS (SELECT Set_Config('lock_timeout', '0', true)) SELECT 1 FROM s"]
    for sql in spellings:
        assert rules(lint_text(sql + ";", "m.sql", opts=NO_RB)) == ["timeout-disabled"], sql
    for sql in ["SELECT 'set_config'", "SELECT current_setting('lock_timeout')", "SELECT U&'\\0041'"]:
        assert "timeout-disabled" not in rules(lint_text(sql + ";", "m.sql", opts=NO_RB)), sql
