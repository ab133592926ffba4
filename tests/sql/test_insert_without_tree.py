"""INSERTs are analysed without their parse tree (a data migration is mostly INSERTs; a 50 MB one's
tree takes twenty times its size): the same locks as the tree gives, and no tree built for a file
that holds nothing else."""

from __future__ import annotations

import pytest

from toolkit.sql.lint import lint_text
from toolkit.sql.locks import Schema, analyze_file
from toolkit.sql.parse import _parse, parse

CASES = [
    ("INSERT INTO t (id) VALUES (1)", [("t", "ROW EXCLUSIVE", "INSERT")]),
    ("INSERT INTO public.t AS x (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET id = excluded.id RETURNING id",
     [("t", "ROW EXCLUSIVE", "INSERT")]),
    ("INSERT INTO app.t SELECT * FROM src JOIN other USING (id)",
     [("app.t", "ROW EXCLUSIVE", "INSERT"), ("src", "ACCESS SHARE", "read"), ("other", "ACCESS SHARE", "read")]),
    ("WITH w AS (SELECT id FROM src) INSERT INTO t SELECT id FROM w",
     [("t", "ROW EXCLUSIVE", "INSERT"), ("w", "ACCESS SHARE", "read"), ("src", "ACCESS SHARE", "read")]),
    ("INSERT INTO t VALUES ((SELECT max(id) FROM t) + 1, (SELECT 1 FROM s LIMIT 1))",
     [("t", "ROW EXCLUSIVE", "INSERT"), ("s", "ACCESS SHARE", "read")]),
]


@pytest.mark.parametrize(("sql", "expected"), CASES, ids=[c[0][:40] for c in CASES])
@pytest.mark.parametrize("stream", [False, True])
def test_insert_locks(sql: str, expected: list, stream: bool) -> None:
    facts = analyze_file(_parse(sql + ";", "m.sql", stream=stream), Schema())
    assert [(lk.table, lk.mode, lk.action) for lk in facts[0].locks] == expected


def test_a_file_of_inserts_is_linted_without_building_its_trees() -> None:
    sql = "".join(f"INSERT INTO events (id, kind) VALUES ({i}, 'x');\n" for i in range(50))  # noqa: S608
    report = lint_text(sql, "m.sql", rollback_path="m_rollback.sql", rollback_text="DELETE FROM events;")
    parsed = parse(sql, "m.sql")
    assert report.parsed is parsed and not parsed.statements[0]._src.has_nodes
    assert all(sf.locks[0].table == "events" for sf in report.facts)
    # ... and a file with other statements still gets its trees
    mixed = lint_text("CREATE TABLE events (id int);\nINSERT INTO events VALUES (1);\n", "n.sql")
    assert mixed.parsed is not None and mixed.parsed.statements[0]._src.has_nodes
    assert [lk.new for sf in mixed.facts for lk in sf.locks] == [True, True]
