"""The JSON report made a chunk at a time: the same text as one json.dumps of the whole report."""

from __future__ import annotations

import json

from toolkit.plan.build import build_plan
from toolkit.plan.model import PendingMigration
from toolkit.report.json_report import as_dict, chunks, render


def _plan(inserts: int):
    pending = [
        PendingMigration("20240101_000000_a", "m/20240101_000000_a.sql",
                         "CREATE TABLE t (id int);\nBEGIN;\nALTER TABLE t ADD COLUMN x int DEFAULT random();\nCOMMIT;\n",
                         "m/20240101_000000_a_rollback.sql", "DROP TABLE t;"),
        PendingMigration("20240101_000001_empty", "m/20240101_000001_empty.sql", "BEGIN;\nCOMMIT;\n"),
        PendingMigration("20240101_000002_data", "m/20240101_000002_data.sql",
                         "INSERT INTO t (id) VALUES (1);\n" * inserts),
    ]
    return build_plan(pending, environment=None, source="files")


def test_the_report_text_is_json_dumps_of_the_report() -> None:
    plan = _plan(3)
    text = render(plan)
    assert text == json.dumps(as_dict(plan), indent=2)
    report = json.loads(text)
    assert [len(m["statements"]) for m in report["migrations"]] == [2, 0, 3]  # an empty list stays []
    assert '"statements": []' in text


def test_a_big_report_comes_in_bounded_chunks() -> None:
    plan = _plan(3000)
    parts = list(chunks(plan))
    assert len(parts) > 3
    assert max(map(len, parts)) < 70_000
    assert "".join(parts) == json.dumps(as_dict(plan), indent=2)
