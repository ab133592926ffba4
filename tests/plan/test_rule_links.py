"""Every finding links to its rule's page (docs/rules/<id>.md), in every report a reviewer reads."""

from __future__ import annotations

from pathlib import Path

from toolkit.plan.build import build_plan
from toolkit.plan.model import PendingMigration
from toolkit.report import render
from toolkit.report.links import DOCS_URL, rule_url

ROOT = Path(__file__).resolve().parents[2]
SQL = "BEGIN;\nALTER TABLE orders ADD COLUMN score float8 DEFAULT random();\nCREATE INDEX i ON orders (score);\nCOMMIT;\n"


def _plan():
    m = PendingMigration("20250101_000000_score", "migrations/20250101_000000_score.sql", SQL)
    plan = build_plan([m], environment="production", source="files",
                      history=[("h.sql", "CREATE TABLE orders (id bigint PRIMARY KEY);")], check_rollback=False)
    assert {f.rule for f in plan.findings} >= {"volatile-default", "require-concurrent-index-creation"}
    return plan


def test_each_finding_links_to_its_rule_page_in_every_format() -> None:
    plan = _plan()
    for fmt in ("markdown", "text", "github"):
        out = render(plan, fmt)
        for f in plan.findings:
            assert rule_url(f.rule) in out, (fmt, f.rule)


def test_the_linked_pages_exist_in_the_repository() -> None:
    for f in _plan().findings:
        relative = rule_url(f.rule).removeprefix(DOCS_URL + "/")
        assert (ROOT / "docs" / relative).is_file(), relative
