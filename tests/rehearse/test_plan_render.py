"""Pure parts: the partial-restore plan from a table of contents, and untrusted text in the comment."""

from __future__ import annotations

from toolkit.rehearse.render import gantt, markdown_section, mermaid_text
from toolkit.rehearse.report import LockHold, MigrationReport, Rehearsal, StatementReport, compare, gate
from toolkit.rehearse.toc import ForeignKey, foreign_keys, parse_list, plan_restore

TOC = """;
; Archive created at 2024-01-01 00:00:00 UTC
;     dbname: app
;
; Selected TOC Entries:
;
5; 2615 16390 SCHEMA - sales postgres
215; 1259 16386 TABLE public users postgres
216; 1259 16387 TABLE sales orders postgres
217; 1259 16388 TABLE public big log postgres
218; 1259 16389 TABLE public schema_migrations postgres
219; 1259 16391 TABLE public countries postgres
3345; 0 16386 TABLE DATA public users postgres
3346; 0 16387 TABLE DATA sales orders postgres
3347; 0 16388 TABLE DATA public big log postgres
3348; 0 16389 TABLE DATA public schema_migrations postgres
3349; 0 16391 TABLE DATA public countries postgres
3351; 0 0 SEQUENCE SET public users_id_seq postgres
3360; 2613 16400 BLOB - 16400 postgres
3352; 2606 16393 CONSTRAINT public users users_pkey postgres
3353; 2606 16401 FK CONSTRAINT sales orders orders_user_fk postgres
3354; 2606 16402 FK CONSTRAINT public users users_country_fk postgres
"""

FK_SQL = """
\\restrict abc
SET statement_timeout = 0;
ALTER TABLE ONLY sales.orders
    ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES public.users(id);
ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_country_fk FOREIGN KEY (country) REFERENCES public.countries(code);
"""


def test_toc_parsing_keeps_multiword_descriptions_and_names():
    entries = {e.dump_id: e for e in parse_list(TOC)}
    assert entries[3346].desc == "TABLE DATA" and entries[3346].table == "sales.orders"
    assert entries[3347].name == "big log"
    assert entries[3353].desc == "FK CONSTRAINT" and entries[3353].name == "orders orders_user_fk"
    assert entries[3351].desc == "SEQUENCE SET"
    assert len(entries) == 16


def test_plan_keeps_touched_data_and_what_foreign_keys_need_transitively():
    fks = foreign_keys(FK_SQL)
    assert fks == [ForeignKey("sales.orders", "orders_user_fk", "public.users"),
                   ForeignKey("public.users", "users_country_fk", "public.countries")]
    plan = plan_restore(parse_list(TOC), ["sales.orders"], fks, migrations_table="schema_migrations")
    assert plan.data_tables == ["public.countries", "public.schema_migrations", "public.users", "sales.orders"]
    assert plan.why["public.users"] == "referenced by sales.orders"
    assert plan.why["public.countries"] == "referenced by public.users"
    assert plan.schema_only_tables == ["public.big log"]
    kept = [ln for ln in plan.use_list.splitlines() if not ln.startswith(";")]
    assert "3347; 0 16388 TABLE DATA public big log postgres" not in kept  # its rows are left out
    assert any(ln.startswith("217;") for ln in kept)  # but its table is created
    assert not any(ln.startswith("3360;") for ln in kept)  # large objects left out
    assert any(ln.startswith("3351;") for ln in kept)  # sequences keep their values
    assert plan.skipped == ["BLOB 16400"]


def test_use_list_keeps_the_archive_order_that_a_piped_pg_restore_needs():
    # pg_restore reads the dump from a pipe and cannot go back: the list must not reorder entries,
    # even when a referenced table (countries) comes after the table that needs it (orders).
    entries = parse_list(TOC)
    plan = plan_restore(entries, ["sales.orders"], foreign_keys(FK_SQL), migrations_table="schema_migrations")
    ids = [int(ln.lstrip(";").split(";", 1)[0]) for ln in plan.use_list.splitlines()]
    assert ids == [e.dump_id for e in entries]


def test_excluded_referenced_table_drops_the_foreign_key_that_would_fail():
    fks = foreign_keys(FK_SQL)
    plan = plan_restore(parse_list(TOC), ["users"], fks, migrations_table="schema_migrations",
                        exclude=["countries"])
    assert "public.countries" not in plan.data_tables and plan.excluded == ["public.countries"]
    assert plan.dropped_fks == ["public.users.users_country_fk"]
    lines = plan.use_list.splitlines()
    assert ";3354; 2606 16402 FK CONSTRAINT public users users_country_fk postgres" in lines
    assert "3353; 2606 16401 FK CONSTRAINT sales orders orders_user_fk postgres" in lines


def _report(text: str, relation: str, hold: float, claims=(), rewrite=False) -> Rehearsal:
    lk = LockHold(relation, "ACCESS EXCLUSIVE", 0.0, hold)
    s = StatementReport(migration="20240101_000000_x", index=1, line=1, text=text, start_ms=0, wall_ms=hold,
                        locks=(lk,), rewritten=(relation,) if rewrite else (), truncated=(), rows=None,
                        rows_estimated=False, wal_bytes=0, probe_stall_ms=0, static_locks=claims,
                        disagreements=compare((lk,), (relation,) if rewrite else (), claims, False))
    m = MigrationReport("20240101_000000_x", True, hold, (s,), 0, hold, 0)
    return Rehearsal("production", "embedded cluster", None, (m,), (), hold)


def test_hostile_text_cannot_escape_the_markdown_or_the_mermaid_block():
    evil = "ALTER TABLE t ADD c int -- ```\n</details><script>x</script> | :crit, 0, 99 \n```mermaid"
    rel = 'public."t```\nsection x: evil"'
    out = markdown_section(_report(evil, rel, 12.0))
    assert "<script>" not in out and "</details>" not in out
    assert out.count("```") == 2  # the mermaid block's own fences only
    chart = gantt(_report(evil, rel, 12.0))
    body = chart.splitlines()[1:-1]
    assert all("`" not in ln for ln in body)
    assert sum(ln.strip().startswith("section") for ln in body) == 1
    assert all(ch.isalnum() or ch in " _.,()+-" for ch in mermaid_text("a:b;c#d%%{init}\n"))


def test_disagreement_is_marked_and_the_gate_is_one_line():
    r = _report("ALTER TABLE t ALTER c TYPE bigint", "public.t", 800.0, claims=(("t", "SHARE"),), rewrite=True)
    s = r.migrations[0].statements[0]
    assert s.disagreements == ("plan says SHARE on t, measured ACCESS EXCLUSIVE",
                               "rewrote t, which the plan does not say")
    assert "⚠️" in markdown_section(r)
    line = gate(r, 50, None)
    assert line is not None and "\n" not in line and "held 800 ms" in line
    assert gate(r, 1000, None) is None
    assert "took 0.8 s" in gate(r, None, 0.5)
