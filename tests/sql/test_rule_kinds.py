"""A rule's KINDS lets lint skip calling it for other statements: it must name real statement kinds,
and the rule must find nothing in a statement of another kind (checked on every statement of the
corpora, the real sets and the rule examples, each with its file's lock facts)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pglast import ast

from tests.sql.test_rules import CASES
from toolkit.sql.locks import Schema, analyze_file
from toolkit.sql.parse import SqlSyntaxError, parse
from toolkit.sql.rules import Context, Options, all_rules

ROOT = Path(__file__).resolve().parents[2]
KINDED = [r for r in all_rules() if r.kinds is not None]


def _texts() -> list[tuple[str, str]]:
    files = sorted({*ROOT.glob("tests/corpus/**/*.sql"), *ROOT.glob("tests/realsets/*/migrations/*.sql"),
                    *ROOT.glob("migrations/*.sql")})
    out = [(str(p), p.read_text(encoding="utf-8")) for p in files]
    out += [(f"<{rule}>", sql) for rule, (fire, quiet) in CASES.items() for sql in fire + quiet]
    return out


def test_kinds_name_statement_node_types() -> None:
    assert KINDED, "no rule declares KINDS"
    for r in KINDED:
        for kind in r.kinds:
            assert isinstance(getattr(ast, kind, None), type) and issubclass(getattr(ast, kind), ast.Node), \
                (r.rule.id, kind)


@pytest.fixture(scope="module")
def facts() -> list:
    out = []
    for path, text in _texts():
        try:
            parsed = parse(text, path)
        except SqlSyntaxError:
            continue
        out.append((path, analyze_file(parsed, Schema())))
    return out


@pytest.mark.parametrize("rule", KINDED, ids=[r.rule.id for r in KINDED])
def test_a_rule_finds_nothing_outside_its_kinds(rule, facts) -> None:
    checked = 0
    for path, file_facts in facts:
        for sf in file_facts:
            if sf.statement.tx_control is None and sf.statement.kind not in rule.kinds:
                found = list(rule.check(sf.statement, Context(path, sf, file_facts, Options())))
                assert not found, (rule.rule.id, path, sf.statement.line, sf.statement.kind)
                checked += 1
    assert checked > 500
