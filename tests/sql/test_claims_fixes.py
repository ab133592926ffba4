"""Claims that real migrations proved wrong (tests/realsets, docs/plan-accuracy.md), one case each.

Each case is the smallest SQL with PostgreSQL 15's known behaviour; tests/sql/test_locks_pg.py and
tests/realsets/test_claims.py check the same claims against a real server.
"""

from __future__ import annotations

from toolkit.plan.build import build_plan
from toolkit.plan.model import PendingMigration
from toolkit.sql.lint import LintOptions, lint_text
from toolkit.sql.locks import Schema, analyze_file
from toolkit.sql.parse import parse
from toolkit.sql.rollback_coverage import coverage

NO_RB = LintOptions(check_rollback=False)
USERS = "CREATE TABLE users (id bigint PRIMARY KEY, created timestamp, name varchar(10));"


def _history(sql: str) -> Schema:
    """A schema where `sql` ran in an earlier migration: its tables exist and have rows."""
    s = Schema()
    analyze_file(parse(sql), s)
    return s.copy_for_next_migration(keep_created=False)


def _locks(sql: str, schema: Schema | None = None):
    return [lk for sf in analyze_file(parse(sql), schema or _history(USERS)) for lk in sf.locks]


def _rules(sql: str, schema: Schema | None = None) -> list[str]:
    return [f.rule for f in lint_text(sql, "m.sql", schema=schema or _history(USERS), opts=NO_RB).findings]


# -- rewrites ------------------------------------------------------------------------------------

def test_timestamp_to_timestamptz_is_no_rewrite_when_the_file_sets_timezone_utc() -> None:
    sql = "SET timezone = 'UTC';\nALTER TABLE users ALTER COLUMN created TYPE timestamptz;"
    (lk,) = [lk for lk in _locks(sql) if lk.table == "users"]
    assert not lk.rewrite and not lk.uncertain


def test_timestamp_to_timestamptz_under_another_timezone_rewrites() -> None:
    sql = "SET TIME ZONE 'Europe/Paris';\nALTER TABLE users ALTER COLUMN created TYPE timestamptz;"
    (lk,) = [lk for lk in _locks(sql) if lk.table == "users"]
    assert lk.rewrite and not lk.uncertain


def test_timestamptz_with_unknown_timezone_says_it_depends_on_it() -> None:
    (lk,) = [lk for lk in _locks("ALTER TABLE users ALTER COLUMN created TYPE timestamptz") if lk.table == "users"]
    assert lk.rewrite and lk.uncertain and "TimeZone" in lk.action


def test_server_timezone_given_by_the_plan_decides() -> None:
    schema = _history(USERS)
    schema.settings["timezone"] = "Etc/UTC"
    (lk,) = [lk for lk in _locks("ALTER TABLE users ALTER COLUMN created TYPE timestamptz", schema)
             if lk.table == "users"]
    assert not lk.rewrite


def test_default_calling_a_volatile_user_function_created_earlier_rewrites() -> None:
    schema = _history(USERS + "CREATE FUNCTION mk_token() RETURNS text LANGUAGE sql AS $$ SELECT md5(random()::text) $$;")
    (lk,) = [lk for lk in _locks("ALTER TABLE users ADD COLUMN token text DEFAULT mk_token()", schema)
             if lk.table == "users"]
    assert lk.rewrite
    assert "volatile-default" in _rules("ALTER TABLE users ADD COLUMN token text DEFAULT mk_token()", schema)


def test_default_calling_a_stable_user_function_does_not_rewrite() -> None:
    schema = _history(USERS + "CREATE FUNCTION cfg() RETURNS text STABLE LANGUAGE sql AS $$ SELECT 'x' $$;")
    (lk,) = [lk for lk in _locks("ALTER TABLE users ADD COLUMN c text DEFAULT cfg()", schema)
             if lk.table == "users"]
    assert not lk.rewrite


# -- locks -----------------------------------------------------------------------------------

def test_dropping_a_foreign_key_column_locks_the_referenced_table() -> None:
    schema = _history(USERS + "CREATE TABLE orders (id int, user_id bigint REFERENCES users (id));")
    locks = _locks("ALTER TABLE orders DROP COLUMN user_id", schema)
    assert any(lk.table == "users" and lk.mode == "ACCESS EXCLUSIVE" for lk in locks)


def test_changing_a_referenced_column_type_locks_the_referencing_tables() -> None:
    schema = _history(USERS + "CREATE TABLE orders (id int, user_id bigint REFERENCES users (id));")
    locks = _locks("ALTER TABLE users ALTER COLUMN id TYPE numeric", schema)
    assert any(lk.table == "orders" and lk.mode == "ACCESS EXCLUSIVE" for lk in locks)


# -- rules -----------------------------------------------------------------------------------

def test_foreign_key_on_a_new_column_without_default_is_not_a_scan() -> None:
    schema = _history(USERS + "CREATE TABLE orders (id int);")
    assert "constraint-missing-not-valid" not in _rules("ALTER TABLE orders ADD COLUMN user_id bigint "
                                                        "REFERENCES users (id)", schema)
    (lk,) = [lk for lk in _locks("ALTER TABLE orders ADD COLUMN user_id bigint REFERENCES users (id)", schema)
             if lk.table == "orders"]
    assert not lk.full_scan
    # With a default every row gets a value, so the key is validated by a scan.
    assert "constraint-missing-not-valid" in _rules("ALTER TABLE orders ADD COLUMN user_id bigint DEFAULT 1 "
                                                    "REFERENCES users (id)", schema)


def test_required_field_after_deleting_every_row_is_fine() -> None:
    assert "adding-required-field" not in _rules("DELETE FROM users;\nALTER TABLE users ADD COLUMN t int NOT NULL;")
    assert "adding-required-field" in _rules("DELETE FROM users WHERE id < 0;\n"
                                             "ALTER TABLE users ADD COLUMN t int NOT NULL;")


def test_drop_index_of_a_table_created_earlier_in_the_pending_set_is_quiet() -> None:
    pending = [PendingMigration("20250101_000000_a", "m/20250101_000000_a.sql",
                                "CREATE TABLE t (id int, a int UNIQUE);\nCREATE INDEX t_a_idx ON t (a);"),
               PendingMigration("20250102_000000_b", "m/20250102_000000_b.sql",
                                "DROP INDEX t_a_idx;\nALTER TABLE t DROP CONSTRAINT t_a_key;")]
    plan = build_plan(pending, environment=None, source="test", check_rollback=False)
    rules = [f.rule for m in plan.migrations for f in m.report.findings]
    assert "require-concurrent-index-deletion" not in rules


def test_drop_schema_is_a_finding() -> None:
    assert "ban-drop-schema" in _rules("DROP SCHEMA reporting CASCADE")
    assert "ban-drop-schema" not in _rules("CREATE SCHEMA s;\nDROP SCHEMA s")


# -- rollback coverage -----------------------------------------------------------------------

def _left(up: str, rb: str) -> tuple[str, ...]:
    return coverage("up.sql", parse(up, "up.sql"), "rb.sql", rb).left_behind


def test_dropping_a_materialized_view_drops_its_indexes() -> None:
    up = "CREATE MATERIALIZED VIEW mv AS SELECT 1 AS id;\nCREATE UNIQUE INDEX mv_id ON mv (id);"
    assert _left(up, "DROP MATERIALIZED VIEW mv") == ()


def test_dropping_a_column_drops_its_indexes() -> None:
    up = "ALTER TABLE t ADD COLUMN a int;\nCREATE INDEX t_a ON t (a);"
    assert _left(up, "ALTER TABLE t DROP COLUMN a") == ()


def test_drop_cascade_drops_dependents() -> None:
    up = ("CREATE SCHEMA app;\nCREATE TABLE app.t (id int);\nCREATE INDEX t_id ON app.t (id);\n"
          "CREATE FUNCTION app.f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;")
    assert _left(up, "DROP SCHEMA app CASCADE") == ()
    up2 = ("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n"
           "CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();")
    assert _left(up2, "DROP FUNCTION touch() CASCADE") == ()
    assert _left(up2, "DROP FUNCTION touch()") != ()


def test_create_or_replace_in_the_rollback_restores_the_old_body() -> None:
    up = "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 2 $$;"
    assert _left(up, "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;") == ()
    assert _left("CREATE OR REPLACE VIEW v AS SELECT 2 AS x;", "SELECT 1") != ()
    assert _left("CREATE OR REPLACE VIEW v AS SELECT 2 AS x;", "CREATE OR REPLACE VIEW v AS SELECT 1 AS x") == ()


def test_column_renamed_in_the_rollback_then_dropped_is_undone() -> None:
    up = "ALTER TABLE c RENAME pk TO pk_old;\nALTER TABLE c ADD COLUMN pk uuid;"
    rb = "ALTER TABLE c RENAME pk TO pk_tmp;\nALTER TABLE c RENAME pk_old TO pk;\nALTER TABLE c DROP pk_tmp;"
    assert _left(up, rb) == ()


def test_sequence_owned_by_a_dropped_table_goes_with_it() -> None:
    up = "CREATE TABLE t (id int);\nCREATE SEQUENCE t_id_seq;\nALTER SEQUENCE t_id_seq OWNED BY t.id;"
    assert _left(up, "DROP TABLE t") == ()


def test_create_extension_if_not_exists_is_not_left_behind() -> None:
    assert _left('CREATE EXTENSION IF NOT EXISTS "uuid-ossp"', "SELECT 1") == ()
    assert _left("CREATE EXTENSION hstore", "SELECT 1") != ()


def test_enum_value_added_is_left_behind_unless_the_type_is_dropped() -> None:
    up = "ALTER TYPE status ADD VALUE IF NOT EXISTS 'partial' AFTER 'failure';"
    assert _left(up, "SELECT 1") != ()
    assert _left(up, "DROP TYPE status CASCADE") == ()


def test_column_dropped_from_a_table_created_here_goes_with_the_table() -> None:
    up = "CREATE TABLE tc (id int, w text);\nALTER TABLE tc DROP COLUMN w;"
    assert _left(up, "DROP TABLE tc") == ()


def test_drop_function_cascade_locks_the_tables_of_the_triggers_it_drops() -> None:
    # harness's `DROP FUNCTION IF EXISTS gc_track_deleted_manifest_lists CASCADE`: pg_locks showed
    # ACCESS EXCLUSIVE on the trigger's table; the plan claimed nothing.
    from toolkit.sql.locks import Schema, analyze_file
    from toolkit.sql.parse import parse

    schema = Schema()
    analyze_file(parse(
        "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\nCREATE TABLE c (id int);\n"
        "CREATE FUNCTION gc() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;\n"
        "CREATE TRIGGER a_gc AFTER DELETE ON a FOR EACH ROW EXECUTE FUNCTION gc();\n"
        "CREATE TRIGGER b_gc AFTER DELETE ON b FOR EACH ROW EXECUTE FUNCTION public.gc();\n"
        "CREATE TRIGGER c_gc AFTER DELETE ON c FOR EACH ROW EXECUTE FUNCTION gc();\n"
        "DROP TRIGGER b_gc ON b;\nDROP TABLE c;\nALTER TABLE a RENAME TO a2;\n"), schema)
    schema = schema.copy_for_next_migration(keep_created=False)

    def locks(sql: str) -> set[tuple[str, str]]:
        facts = analyze_file(parse(sql), schema.copy_for_next_migration(keep_created=False))
        return {(lk.table, lk.mode) for sf in facts for lk in sf.locks}

    assert locks("DROP FUNCTION IF EXISTS gc CASCADE;") == {("a2", "ACCESS EXCLUSIVE")}
    assert locks("DROP FUNCTION gc() CASCADE;") == {("a2", "ACCESS EXCLUSIVE")}
    assert locks("DROP FUNCTION gc();") == set()  # without CASCADE it fails while a trigger uses it
