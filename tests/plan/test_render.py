"""The plan's renderers, from plain values: markdown comment, size limit, text, json, annotations."""

from __future__ import annotations

import json
import re

from toolkit.plan.build import build_plan
from toolkit.plan.model import PendingMigration
from toolkit.report import render
from toolkit.report.markdown import COMMENT_LIMIT
from toolkit.sql.lint import TableStats

MARKER = "<!-- migrate-action:plan:production -->"

ADD_SCORE = """-- Migration: add_score
BEGIN;
ALTER TABLE orders ADD COLUMN score float8 DEFAULT random();
CREATE INDEX idx_orders_score ON orders (score);
COMMIT;
"""
ADD_SCORE_RB = "BEGIN;\nDROP INDEX IF EXISTS idx_orders_score;\nALTER TABLE orders DROP COLUMN score;\nCOMMIT;\n"
PREFS = """-- Migration: add_prefs
BEGIN;
CREATE TABLE prefs (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint NOT NULL);
CREATE INDEX idx_prefs_user_id ON prefs (user_id);
COMMIT;
"""


def _plan(pending, **kw):
    return build_plan(pending, environment="production", source="database (schema_migrations)", **kw)


def _two():
    return [PendingMigration("20250101_000000_add_score", "migrations/20250101_000000_add_score.sql", ADD_SCORE,
                             "migrations/20250101_000000_add_score_rollback.sql", ADD_SCORE_RB),
            PendingMigration("20250102_000000_add_prefs", "migrations/20250102_000000_add_prefs.sql", PREFS)]


def test_markdown_comment_has_marker_verdict_table_and_details() -> None:
    stats = {"orders": TableStats(rows=41_000_000, bytes=12 << 30)}
    body = render(_plan(_two(), stats=stats), "markdown", marker=MARKER)
    assert body.startswith(MARKER + "\n")
    verdict = next(line for line in body.splitlines() if line.startswith("❌"))
    assert "2 migrations to apply on `production`" in verdict and "3 errors, 1 warning" in verdict
    assert "ACCESS EXCLUSIVE on orders (~41 M rows, 12 GB), rewrite" in body
    assert "| Migration | Statements | Worst lock | Findings | Rollback |" in body
    assert body.count("<details><summary><code>") == 2
    row = next(line for line in body.splitlines() if line.startswith("| `20250102_000000_add_prefs`"))
    assert "❌ missing" in row and "none on existing tables" in row
    assert "ALTER TABLE orders ADD COLUMN score float8 DEFAULT random();" in body  # the SQL is shown
    assert "`volatile-default` at `line 3`" in body and "**Why:**" in body and "**Instead:**" in body


def test_clean_plan_says_so() -> None:
    clean = [PendingMigration("20250102_000000_add_prefs", "m/a.sql", PREFS, "m/a_rollback.sql",
                              "BEGIN;\nDROP TABLE prefs;\nCOMMIT;\n")]
    body = render(_plan(clean), "markdown", marker=MARKER)
    assert "✅ **1 migration to apply on `production`: no findings** — safe to merge." in body
    assert "✅ **No pending migrations on `production`.**" in render(_plan([]), "markdown")


def test_comment_stays_under_githubs_limit_and_keeps_every_finding() -> None:
    filler = "\n".join(f"-- padding line {i} " + "x" * 60 for i in range(400))
    pending = [PendingMigration(f"20250101_{i:06d}_m{i}", f"migrations/20250101_{i:06d}_m{i}.sql",
                                f"{filler}\nCREATE INDEX idx_{i} ON orders (c{i});\n") for i in range(60)]
    plan = _plan(pending, check_rollback=False)
    body = render(plan, "markdown", marker=MARKER)
    assert len(body) < COMMENT_LIMIT
    assert "truncated to fit" in body or "omitted to fit" in body
    for f in plan.findings:
        assert f"idx_{f.path.split('_m')[-1][:-4]} on orders" in body  # each finding's message survives
    assert body.count("require-concurrent-index-creation") >= 60


def test_text_json_and_github_annotations() -> None:
    plan = _plan(_two())
    text = render(plan, "text")
    assert "line 3    ACCESS EXCLUSIVE on orders: blocks reads and writes for a rewrite of the table" in text
    data = json.loads(render(plan, "json"))
    assert data["counts"]["error"] == plan.count("error") == 3
    stmt = data["migrations"][0]["statements"][0]
    assert stmt["locks"][0] == {"table": "orders", "mode": "ACCESS EXCLUSIVE", "blocks": "reads and writes",
                                "rewrite": True, "full_scan": False, "action": "ADD COLUMN score",
                                "new_table": False}
    assert data["migrations"][1]["rollback"]["status"] == "missing"
    ann = render(plan, "github").splitlines()
    assert len(ann) == len(plan.findings)
    assert any(re.match(r"^::error file=migrations/20250101_000000_add_score\.sql,line=3,"
                        r"title=migrate-action%3A volatile-default::", a) for a in ann)
