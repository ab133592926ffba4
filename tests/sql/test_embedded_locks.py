"""Statements inside DO blocks and called functions: their locks and rewrites are the caller's.
(What PostgreSQL really takes for them: tests/sql/test_locks_pg.py.)"""

from __future__ import annotations

from toolkit.sql.locks import Schema, analyze_file
from toolkit.sql.parse import parse

HISTORY = "CREATE TABLE t (id bigint PRIMARY KEY, a int, note text); CREATE TABLE u (id bigint, n int);"


def _facts(sql: str):
    schema = Schema()
    analyze_file(parse(HISTORY, "history.sql"), schema)
    schema = schema.copy_for_next_migration(keep_created=False)
    return analyze_file(parse(sql, "m.sql"), schema)


def _locks(sf) -> dict[str, tuple[str, bool]]:
    return {lk.table: (lk.mode, lk.rewrite) for lk in sf.locks}


def test_a_guarded_type_change_in_a_do_block_is_a_rewrite_under_access_exclusive():
    (sf,) = _facts("""DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND data_type = 'bigint')
      THEN ALTER TABLE t ALTER COLUMN a TYPE bigint; END IF; END $$;""")
    assert _locks(sf) == {"t": ("ACCESS EXCLUSIVE", True)}  # the catalog guard is not a table lock
    assert any(lk.action.startswith("DO block: ") for lk in sf.locks)


def test_a_called_plpgsql_function_locks_what_its_body_writes_and_reads():
    facts = _facts("""
      CREATE FUNCTION backfill() RETURNS void LANGUAGE plpgsql AS $$
      DECLARE r record;
      BEGIN
        FOR r IN SELECT id FROM u LOOP
          UPDATE t SET note = 'x' WHERE id = r.id;
        END LOOP;
      END $$;
      SELECT backfill();""")
    assert facts[0].locks == ()  # creating it runs nothing
    assert _locks(facts[1]) == {"u": ("ACCESS SHARE", False), "t": ("ROW EXCLUSIVE", False)}
    assert [lk.action for lk in facts[1].locks if lk.table == "t"] == ["backfill(): UPDATE"]


def test_a_function_from_an_earlier_migration_is_followed_too():
    schema = Schema()
    analyze_file(parse(HISTORY + "CREATE FUNCTION wipe() RETURNS void LANGUAGE sql AS 'TRUNCATE u';",
                       "history.sql"), schema)
    schema = schema.copy_for_next_migration(keep_created=False)
    (sf,) = analyze_file(parse("SELECT wipe();", "m.sql"), schema)
    assert _locks(sf) == {"u": ("ACCESS EXCLUSIVE", False)}


def test_what_cannot_be_read_is_said_not_guessed():
    facts = _facts("""
      DO $$ BEGIN EXECUTE 'ALTER TABLE t ALTER COLUMN a TYPE bigint'; END $$;
      DO LANGUAGE plpython3u $$ plpy.execute('TRUNCATE t') $$;
      CREATE FUNCTION loop_forever() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM loop_forever(); END $$;
      SELECT loop_forever();""")
    assert facts[0].locks == () and any("dynamic SQL" in n for n in facts[0].notes)
    assert facts[1].locks == () and any("not SQL or PL/pgSQL" in n for n in facts[1].notes)
    assert any("deep" in n for n in facts[3].notes)  # recursion is bounded and said


def test_every_branch_is_assumed_to_run():
    (sf,) = _facts("DO $$ BEGIN IF false THEN DROP TABLE u; ELSE UPDATE t SET a = 1; END IF; END $$;")
    assert _locks(sf) == {"u": ("ACCESS EXCLUSIVE", False), "t": ("ROW EXCLUSIVE", False)}


def test_a_do_blocks_locks_and_findings_point_at_their_own_lines():
    from toolkit.sql.lint import LintOptions, lint_text

    sql = ("SELECT 1;\nDO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'x') THEN\n"
           "    ALTER TABLE t ALTER COLUMN a TYPE bigint;\n  END IF;\n  UPDATE u SET n = 1;\nEND $$;\n")
    facts = _facts(sql)
    assert {lk.table: lk.line for lk in facts[1].locks} == {"t": 5, "u": 7}
    schema = Schema()
    analyze_file(parse(HISTORY, "history.sql"), schema)
    report = lint_text(sql, "m.sql", schema=schema.copy_for_next_migration(keep_created=False),
                       opts=LintOptions(check_rollback=False))
    rewrite = [f for f in report.findings if f.rule == "blocking-rewrite"]
    assert [(f.line, f.statement) for f in rewrite] == [(5, 1)]  # its line; suppressible at the DO statement


def test_a_called_functions_locks_stay_at_the_call():
    facts = _facts("CREATE FUNCTION w() RETURNS void LANGUAGE sql AS 'UPDATE u SET n = 1';\n\nSELECT w();")
    assert [(lk.table, lk.line) for lk in facts[1].locks] == [("u", 0)]  # 0: the calling statement's line


def test_the_terminal_report_says_what_was_not_analysed(tmp_path):
    from toolkit.plan.build import build_plan
    from toolkit.plan.model import PendingMigration
    from toolkit.report.text import render

    sql = "DO $$ BEGIN EXECUTE 'DROP TABLE ' || 't'; END $$;\n"
    plan = build_plan([PendingMigration("20240101_000000_do", "m.sql", sql)], environment=None, source="files",
                      check_rollback=False)
    assert "line 1    note: DO block: runs dynamic SQL (EXECUTE)" in render(plan)
