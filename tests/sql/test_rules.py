"""Every lint rule: SQL that must fire it and SQL that must stay quiet (Squawk's ok/err style).

Tables not created in the snippet are "existing" tables with rows, as in production.
"""

from __future__ import annotations

import pytest

from toolkit.sql.lint import LintOptions, lint_text
from toolkit.sql.locks import Schema, analyze_file
from toolkit.sql.parse import parse
from toolkit.sql.rules import all_rules

NO_RB = LintOptions(check_rollback=False)

CASES: dict[str, tuple[list[str], list[str]]] = {
    "ban-drop-schema": (
        ["DROP SCHEMA reporting CASCADE", "DROP SCHEMA IF EXISTS reporting"],
        ["CREATE SCHEMA tmp; DROP SCHEMA tmp CASCADE", "DROP TABLE IF EXISTS t"],
    ),
    "adding-required-field": (
        ["ALTER TABLE users ADD COLUMN tier int NOT NULL"],
        ["ALTER TABLE users ADD COLUMN tier int NOT NULL DEFAULT 0",
         "ALTER TABLE users ADD COLUMN tier int",
         "ALTER TABLE users ADD COLUMN id2 bigint GENERATED ALWAYS AS IDENTITY NOT NULL",
         "CREATE TABLE t (id bigint PRIMARY KEY, a int NOT NULL); ALTER TABLE t ADD COLUMN b int NOT NULL"],
    ),
    "volatile-default": (
        ["ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()",
         "ALTER TABLE users ADD COLUMN r float8 DEFAULT random()",
         "ALTER TABLE users ADD COLUMN seen timestamptz DEFAULT clock_timestamp()",
         "ALTER TABLE users ADD COLUMN n bigserial",
         "ALTER TABLE users ADD COLUMN total numeric GENERATED ALWAYS AS (a + b) STORED",
         "ALTER TABLE users ADD COLUMN x text DEFAULT my_func()"],  # unknown volatility: warning
        ["ALTER TABLE users ADD COLUMN seen timestamptz DEFAULT now()",
         "ALTER TABLE users ADD COLUMN seen timestamptz DEFAULT CURRENT_TIMESTAMP",
         "ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true",
         "ALTER TABLE users ADD COLUMN label text DEFAULT lower('X')",
         "CREATE TABLE t (id uuid DEFAULT gen_random_uuid())"],
    ),
    "constraint-missing-not-valid": (
        ["ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id)",
         "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0)",
         "ALTER TABLE orders ADD COLUMN coupon_id bigint DEFAULT 1 REFERENCES coupons (id)"],
        ["ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID",
         # A new column without a default is NULL everywhere: PostgreSQL validates nothing.
         "ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id)",
         "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0) NOT VALID",
         "ALTER TABLE orders VALIDATE CONSTRAINT fk",
         "CREATE TABLE t (id bigint PRIMARY KEY, u bigint); ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (u) "
         "REFERENCES users (id)"],
    ),
    "require-concurrent-index-creation": (
        ["CREATE INDEX idx_users_email ON users (email)",
         "CREATE UNIQUE INDEX idx ON users (email)"],
        ["CREATE INDEX CONCURRENTLY idx_users_email ON users (email)",
         "CREATE TABLE prefs (id bigint PRIMARY KEY, user_id bigint); CREATE INDEX idx ON prefs (user_id)"],
    ),
    "require-concurrent-index-deletion": (
        ["DROP INDEX idx_users_email", "DROP INDEX IF EXISTS a, b"],
        ["DROP INDEX CONCURRENTLY idx_users_email",
         "CREATE TABLE t (a int); CREATE INDEX i ON t (a); DROP INDEX i"],
    ),
    "changing-column-type": (
        ["ALTER TABLE users ALTER COLUMN score TYPE bigint",
         "ALTER TABLE t2 ALTER COLUMN a TYPE int USING a::int",
         "ALTER TABLE users ALTER COLUMN name TYPE text"],  # current type unknown: warning
        ["CREATE TABLE t (a int); ALTER TABLE t ALTER COLUMN a TYPE bigint"],
    ),
    "renaming-column": (
        ["ALTER TABLE users RENAME COLUMN name TO full_name"],
        ["CREATE TABLE t (a int); ALTER TABLE t RENAME COLUMN a TO b", "ALTER TABLE users RENAME TO members"],
    ),
    "renaming-table": (
        ["ALTER TABLE users RENAME TO members"],
        ["ALTER INDEX idx RENAME TO idx2", "CREATE TABLE t (a int); ALTER TABLE t RENAME TO t2"],
    ),
    "ban-drop-column": (
        ["ALTER TABLE users DROP COLUMN legacy", "ALTER TABLE users DROP COLUMN IF EXISTS legacy"],
        ["ALTER TABLE users ADD COLUMN legacy int", "CREATE TABLE t (a int, b int); ALTER TABLE t DROP COLUMN b"],
    ),
    "ban-drop-table": (
        ["DROP TABLE legacy_sessions", "DROP TABLE IF EXISTS a, b CASCADE"],
        ["CREATE TABLE tmp (a int); DROP TABLE tmp", "DROP VIEW v"],
    ),
    "copy-needs-client": (
        ["COPY colours (id, name) FROM STDIN", "COPY colours TO STDOUT WITH (FORMAT csv)"],
        ["COPY colours FROM '/srv/import/colours.csv' WITH (FORMAT csv)", "INSERT INTO colours VALUES (1, 'red')"],
    ),
    "ban-drop-database": (
        ["DROP DATABASE analytics"],
        ["DROP SCHEMA staging"],
    ),
    "disallowed-unique-constraint": (
        ["ALTER TABLE users ADD CONSTRAINT email_key UNIQUE (email)",
         "ALTER TABLE users ADD PRIMARY KEY (id)"],
        ["ALTER TABLE users ADD CONSTRAINT email_key UNIQUE USING INDEX users_email_idx",
         "CREATE TABLE t (a int); ALTER TABLE t ADD CONSTRAINT a_key UNIQUE (a)"],
    ),
    "set-not-null": (
        ["ALTER TABLE users ALTER COLUMN email SET NOT NULL"],
        ["ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n"
         "ALTER TABLE users VALIDATE CONSTRAINT email_nn;\n"
         "ALTER TABLE users ALTER COLUMN email SET NOT NULL",
         "CREATE TABLE t (a int); ALTER TABLE t ALTER COLUMN a SET NOT NULL",
         "ALTER TABLE users ALTER COLUMN email DROP NOT NULL"],
    ),
    "prefer-bigint-primary-key": (
        ["CREATE TABLE t (id serial PRIMARY KEY)", "CREATE TABLE t (id integer, PRIMARY KEY (id))"],
        ["CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY)",
         "CREATE TABLE t (id bigserial PRIMARY KEY)", "CREATE TABLE t (id uuid PRIMARY KEY, n int)"],
    ),
    "prefer-identity": (
        ["CREATE TABLE t (id bigserial PRIMARY KEY)"],
        ["CREATE TABLE t (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)"],
    ),
    "prefer-text-field": (
        ["CREATE TABLE t (name varchar(100))", "ALTER TABLE users ADD COLUMN code char(3)"],
        ["CREATE TABLE t (name text, v varchar)", "ALTER TABLE users ADD COLUMN code text"],
    ),
    "prefer-timestamptz": (
        ["CREATE TABLE t (created_at timestamp)", "ALTER TABLE users ADD COLUMN seen timestamp without time zone"],
        ["CREATE TABLE t (created_at TIMESTAMP WITH TIME ZONE)", "CREATE TABLE t (d date)"],
    ),
    "truncate-cascade": (
        ["TRUNCATE users CASCADE"],
        ["TRUNCATE sessions", "TRUNCATE a, b"],
    ),
    "concurrently-in-transaction": (
        ["BEGIN;\nCREATE INDEX CONCURRENTLY i ON users (email);\nCOMMIT;",
         "BEGIN; DROP INDEX CONCURRENTLY i; COMMIT;"],
        ["CREATE INDEX CONCURRENTLY i ON users (email)"],
    ),
    "transaction-nesting": (
        ["BEGIN; BEGIN; SELECT 1; COMMIT; COMMIT;", "SELECT 1; COMMIT;", "BEGIN; SELECT 1;",
         "BEGIN; SELECT 1; ROLLBACK;"],
        ["BEGIN; SELECT 1; COMMIT;", "SELECT 1", "BEGIN; SAVEPOINT a; SELECT 1; RELEASE a; COMMIT;"],
    ),
    "mixed-transaction": (
        ["CREATE INDEX CONCURRENTLY i ON users (email);\nALTER TABLE users ADD COLUMN x int;"],
        ["CREATE INDEX CONCURRENTLY i ON users (email)",
         "SET maintenance_work_mem = '1GB'; CREATE INDEX CONCURRENTLY i ON users (email)"],
    ),
    "timeout-disabled": (
        ["SET lock_timeout = 0", "SET statement_timeout TO DEFAULT", "RESET lock_timeout",
         "SET LOCAL lock_timeout = '0'", "SELECT set_config('statement_timeout', '0', false)",
         "SET lock_timeout = '10min'"],
        ["SET lock_timeout = '2s'", "SET statement_timeout = '5min'", "SET search_path = app"],
    ),
    "lock-table": (
        ["LOCK TABLE users", "LOCK TABLE orders IN SHARE MODE"],
        ["LOCK TABLE users IN ACCESS SHARE MODE", "SELECT * FROM users"],
    ),
    "whole-table-dml": (
        ["UPDATE users SET tier = 1", "DELETE FROM sessions",
         "ALTER TABLE users ADD COLUMN tier int; UPDATE users SET tier = 1 WHERE tier IS NULL"],
        ["UPDATE users SET tier = 1 WHERE id BETWEEN 1 AND 5000", "DELETE FROM sessions WHERE expires_at < now()",
         "CREATE TABLE t (a int); UPDATE t SET a = 1"],
    ),
    "blocking-rewrite": (
        ["ALTER TABLE users SET TABLESPACE fast_ssd", "VACUUM FULL users", "CLUSTER users USING users_pkey",
         "REFRESH MATERIALIZED VIEW totals"],
        ["ALTER TABLE users ALTER COLUMN score TYPE bigint",  # reported by changing-column-type instead
         "REFRESH MATERIALIZED VIEW CONCURRENTLY totals", "CREATE TABLE t (a int); ALTER TABLE t SET LOGGED"],
    ),
    "blocking-scan": (
        ["BEGIN; ALTER TABLE users ADD COLUMN tier int; UPDATE users SET tier = 1; COMMIT;",
         "ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
         "BEGIN; ALTER TABLE users DROP COLUMN x; CREATE INDEX CONCURRENTLY i ON users (a); COMMIT;"],
        ["UPDATE users SET tier = 1",  # no blocking lock held: whole-table-dml only
         "ALTER TABLE orders VALIDATE CONSTRAINT fk",
         "CREATE INDEX CONCURRENTLY i ON users (email)",
         "BEGIN; ALTER TABLE users ADD COLUMN tier int; COMMIT; UPDATE sessions SET a = 1 WHERE id < 10"],
    ),
}


def _rules(sql: str) -> dict[str, list]:
    report = lint_text(sql, "m.sql", opts=NO_RB)
    out: dict[str, list] = {}
    for f in report.findings:
        out.setdefault(f.rule, []).append(f)
    return out


def test_every_rule_has_cases() -> None:
    ids = {r.rule.id for r in all_rules()}
    assert ids == set(CASES), ids ^ set(CASES)
    for r in all_rules():
        assert r.rule.why.endswith(".") and r.rule.instead, r.rule.id
        assert r.rule.severity in ("error", "warning", "notice")


@pytest.mark.parametrize(("rule", "sql"), [(r, s) for r, (fire, _) in CASES.items() for s in fire])
def test_rule_fires(rule: str, sql: str) -> None:
    got = _rules(sql)
    assert rule in got, f"{rule} did not fire on: {sql}\n got: {sorted(got)}"
    f = got[rule][0]
    assert f.line >= 1 and f.path == "m.sql" and f.why and f.instead and f.message


@pytest.mark.parametrize(("rule", "sql"), [(r, s) for r, (_, quiet) in CASES.items() for s in quiet])
def test_rule_stays_quiet(rule: str, sql: str) -> None:
    got = _rules(sql)
    assert rule not in got, f"{rule} fired on safe SQL: {sql}: {[f.message for f in got[rule]]}"


EARLIER = """CREATE TABLE users (id bigint PRIMARY KEY, name varchar(50), bio varchar, code text,
    price numeric(10,2), score int, net cidr, seen timestamp);"""


def _after_earlier_migration(sql: str) -> set[str]:
    """Lint `sql` as the next migration after EARLIER (which is applied: users has rows)."""
    schema = Schema()
    analyze_file(parse(EARLIER), schema)
    schema = schema.copy_for_next_migration(keep_created=False)
    report = lint_text(sql, "m.sql", schema=schema, opts=NO_RB)
    return {f.rule for f in report.findings if f.severity != "notice"}


@pytest.mark.parametrize("sql", [
    "ALTER TABLE users ALTER COLUMN name TYPE text",
    "ALTER TABLE users ALTER COLUMN name TYPE varchar(100)",
    "ALTER TABLE users ALTER COLUMN name TYPE varchar",
    "ALTER TABLE users ALTER COLUMN bio TYPE text",
    "ALTER TABLE users ALTER COLUMN code TYPE varchar",
    "ALTER TABLE users ALTER COLUMN price TYPE numeric(12,2)",
    "ALTER TABLE users ALTER COLUMN price TYPE numeric",
    "ALTER TABLE users ALTER COLUMN net TYPE inet",
])
def test_binary_coercible_type_change_is_quiet(sql: str) -> None:
    assert _after_earlier_migration(sql) == set()


@pytest.mark.parametrize("sql", [
    "ALTER TABLE users ALTER COLUMN name TYPE varchar(20)",
    "ALTER TABLE users ALTER COLUMN score TYPE bigint",
    "ALTER TABLE users ALTER COLUMN price TYPE numeric(12,4)",
    "ALTER TABLE users ALTER COLUMN seen TYPE timestamptz",
    "ALTER TABLE users ALTER COLUMN code TYPE varchar(10)",
    "ALTER TABLE users ALTER COLUMN name TYPE text USING upper(name)",
])
def test_rewriting_type_change_is_an_error(sql: str) -> None:
    report = lint_text(sql, "m.sql", schema=_schema_after_earlier(), opts=NO_RB)
    assert [(f.rule, f.severity) for f in report.findings if f.rule != "prefer-text-field"] == \
        [("changing-column-type", "error")]


def _schema_after_earlier() -> Schema:
    schema = Schema()
    analyze_file(parse(EARLIER), schema)
    return schema.copy_for_next_migration(keep_created=False)


def test_unknown_current_type_is_a_warning_not_an_error() -> None:
    report = lint_text("ALTER TABLE users ALTER COLUMN name TYPE text", "m.sql", opts=NO_RB)
    assert [(f.rule, f.severity) for f in report.findings] == [("changing-column-type", "warning")]


def test_lock_derived_finding_names_the_earlier_lock() -> None:
    sql = "BEGIN;\nALTER TABLE users ADD COLUMN tier int;\nUPDATE users SET tier = 1;\nCOMMIT;\n"
    f = next(f for f in lint_text(sql, "m.sql", opts=NO_RB).findings if f.rule == "blocking-scan")
    assert f.line == 3 and "ACCESS EXCLUSIVE" in f.message and "line 2" in f.message
