"""The pglast AST built without pglast's per-value validation is the same tree pglast validates.

toolkit.sql.parse makes node assignment plain object assignment (lint speed). These tests compare
its trees with the ones pglast builds, validated, in a process that never imported the toolkit,
on every statement of the real migration sets.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pglast import ast

from toolkit.sql.parse import SqlSyntaxError, parse

REALSETS = Path(__file__).resolve().parents[1] / "realsets"

# Runs in a fresh interpreter: pglast as shipped, validating every value it assigns.
_VALIDATED = """
import json, sys
from pglast import parse_sql, ast
from pglast.parser import ParseError
assert "toolkit" not in sys.modules
assert ast.Node.__dict__["__setattr__"].__module__ == "pglast.ast"
out = []
for path in sys.stdin.read().split("\\n"):
    if path:
        text = open(path, encoding="utf-8").read()
        try:
            out.append([rs.stmt() for rs in parse_sql(text)])
        except ParseError:
            out.append(None)
json.dump(out, sys.stdout, default=str)
"""


def _files() -> list[Path]:
    files = sorted(REALSETS.glob("*/migrations/*.sql"))
    assert len(files) > 300  # the corpus is there: the comparison below covers real SQL
    return files


def test_fast_ast_equals_pglasts_validated_ast_on_every_real_statement():
    files = _files()
    proc = subprocess.run([sys.executable, "-c", _VALIDATED], input="\n".join(map(str, files)),
                          capture_output=True, text=True, check=True)
    validated = json.loads(proc.stdout)
    ours = []
    for f in files:
        try:
            parsed = parse(f.read_text(encoding="utf-8"), str(f))
        except SqlSyntaxError:
            ours.append(None)  # pglast refuses it too (checked below)
            continue
        ours.append(json.loads(json.dumps([st.node() for st in parsed.statements], default=str)))
    assert sum(len(x) for x in ours if x) > 1000
    for f, a, b in zip(files, ours, validated, strict=True):
        assert a == b, f"{f}: the fast AST differs from pglast's validated one"


def test_boolean_values_are_bools_as_pglast_makes_them():
    st = parse("ALTER TABLE t ADD COLUMN a bool DEFAULT true; SELECT false;", "x.sql").statements
    default = st[0].node.cmds[0].def_.constraints[0].raw_expr
    assert isinstance(default, ast.A_Const) and default.val.boolval is True
    assert st[1].node.targetList[0].val.val.boolval is False


def _facts(parsed) -> list[tuple]:
    return [(s.index, s.kind, s.text, s.start, s.line, s.end_line, s.comments, s.tx_control,
             s.non_transactional, s.relations) for s in parsed.statements]


def test_the_ast_parse_and_the_json_parse_give_the_same_statements_on_every_real_file():
    # Most files are parsed into the AST directly; data migrations (mostly INSERTs) into libpg_query's
    # JSON tree. Both must give the same statements and facts, non-ASCII text included.
    from toolkit.sql import parse as parse_mod

    compared = 0
    for f in _files() + [Path(__file__)]:
        text = f.read_text(encoding="utf-8")
        if f.suffix != ".sql":
            text = "SELECT 'naïve → ünïcode';\nCREATE INDEX CONCURRENTLY é ON t (a);\n-- c\nDROP TABLE «x»;" \
                   "\nREINDEX (CONCURRENTLY) TABLE t; VACUUM t; CLUSTER; BEGIN; COMMIT;"
        try:
            by_ast = parse_mod._parse_whole_ast(text, "f.sql")
        except SqlSyntaxError as exc:
            with pytest.raises(SqlSyntaxError) as again:
                parse_mod._parse_whole_json(text, "f.sql")
            assert str(again.value) == str(exc)
            continue
        assert _facts(by_ast) == _facts(parse_mod._parse_whole_json(text, "f.sql")), f
        compared += len(by_ast.statements)
    assert compared > 2000


def test_json_trees_are_read_once_per_file_and_match_the_file_parse(monkeypatch):
    # The safety classes read every statement's JSON tree: one parse of the file serves them all,
    # with the file's own locations (as the JSON-first parse gave them).
    from toolkit.sql import parse as parse_mod

    text = "CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN é text;\nDROP INDEX CONCURRENTLY i;\n"
    by_ast = parse_mod._parse_whole_ast(text, "f.sql")
    by_json = parse_mod._parse_whole_json(text, "f.sql")
    decoded = []
    real = parse_mod._decode_json
    monkeypatch.setattr(parse_mod, "_decode_json", lambda data: decoded.append(data) or real(data))
    assert [s.raw for s in by_ast.statements] == [s.raw for s in by_json.statements]
    assert len(decoded) == 1


@pytest.mark.parametrize("expr", ["now()", "NOW()", "pg_catalog.now()", "gen_random_uuid()", "public.next_id()",
                                  "uuid_generate_v4()", '"Mixed"()', "f(1)", "count(*)", "CURRENT_TIMESTAMP",
                                  "nextval('s'::regclass)", "lower('X')", "nextval('Public.\"Odd\"'::regclass)",
                                  "f('it''s')", "f(E'a\\\\b')", "f(-1)", "f(0, 'x', 12)", "f(1.5)", "f(NULL)",
                                  "f('a'::text, 2::int)", "f(g())", "f(VARIADIC ARRAY[1])"])
def test_a_default_is_spelled_as_the_printer_spells_it(expr):
    # definitions.default_text skips pglast's printer for plain calls; the spelling must not change.
    from pglast import parse_sql
    from pglast.stream import RawStream

    from toolkit.sql.definitions import _strip_casts, default_text

    node = parse_sql(f"SELECT {expr}")[0].stmt.targetList[0].val
    assert default_text(node) == RawStream()(_strip_casts(node)).replace("pg_catalog.", "").lower()


@pytest.mark.parametrize("expr, fast", [("nextval('s'::regclass)", True), ("f(0, 'x', 12)", True), ("now()", True),
                                        ("f('it''s')", False), ("f(-1)", False), ("f(g())", False)])
def test_serial_style_defaults_are_spelled_without_the_printer(expr, fast):
    # A set of serial columns (nextval('..._seq'::regclass)) must not pay for importing the printer.
    from pglast import parse_sql

    from toolkit.sql.definitions import _simple_call, _strip_casts

    node = parse_sql(f"SELECT {expr}")[0].stmt.targetList[0].val
    assert (_simple_call(_strip_casts(node)) is not None) is fast


def _every_node(value):
    """The plain recursive walk over every attribute: what tree_nodes must agree with."""
    if isinstance(value, ast.Node):
        yield value
        for name in value:
            yield from _every_node(getattr(value, name))
    elif isinstance(value, tuple | list):
        for v in value:
            yield from _every_node(v)


def test_tree_nodes_visits_every_node_in_order_on_the_real_sets():
    # tree_nodes skips the attributes that cannot hold a node (strings, flags, enums, locations):
    # on every statement of the real sets it must find the same nodes, in the same order.
    from toolkit.sql.parse import tree_nodes

    compared = kinds = 0
    seen_types: set[type] = set()
    for path in sorted(REALSETS.glob("*/migrations/*.sql")):
        try:
            parsed = parse(path.read_text(encoding="utf-8"), str(path))
        except SqlSyntaxError:
            continue
        for s in parsed.statements:
            node = s.node
            expected = list(_every_node(node))
            got = tree_nodes(node)
            assert len(got) == len(expected) and all(a is b for a, b in zip(got, expected, strict=True)), (path, s.line)
            seen_types.update(type(n) for n in got)
            compared += 1
    kinds = len(seen_types)
    assert compared > 3000 and kinds > 60
    # a list of statements and a bare value walk too
    both = [parse("SELECT 1; SELECT f(2)").statements[i].node for i in (0, 1)]
    assert tree_nodes(both) == list(_every_node(both)) and tree_nodes("x") == [] and tree_nodes(None) == []
