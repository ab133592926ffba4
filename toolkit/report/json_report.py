"""The plan as JSON, for scripts and other tools.

A 50 MB data migration has half a million statements: `chunks` writes their part of the report as
the encoder reaches it (no dict per statement held, no list of small strings), so a caller that
writes each chunk out keeps only one chunk in memory; `render` joins them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from toolkit.plan.model import MigrationPlan, Plan
from toolkit.report.markdown import verdict

_CHUNK_CHARS = 1 << 16


class _Lazy(list):
    """A list the JSON encoder walks without it being held: its items are made as it iterates.
    (json's pure-Python encoder, used with indent, reads only truthiness and iteration.)"""

    def __init__(self, size: int, items: Callable[[], Iterator[Any]]) -> None:
        super().__init__()
        self._size, self._items = size, items

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        return self._items()


def _lock(lk) -> dict:
    return {"table": lk.table, "mode": lk.mode, "blocks": lk.blocks, "rewrite": lk.rewrite,
            "full_scan": lk.full_scan, "action": lk.action, "new_table": lk.new}


def _statements(m: MigrationPlan, lazy: bool) -> list:
    def items() -> Iterator[dict]:
        for sf in m.report.facts:
            if sf.statement.tx_control is None:
                yield {"line": sf.statement.line, "kind": sf.statement.kind, "in_transaction": sf.in_transaction,
                       "locks": [_lock(lk) for lk in sf.locks],
                       "held": {t: h.mode for t, h in sf.held.items()}, "notes": list(sf.notes)}

    if not lazy:
        return list(items())
    return _Lazy(sum(1 for sf in m.report.facts if sf.statement.tx_control is None), items)


def as_dict(plan: Plan, *, lazy: bool = False) -> dict:
    """The report as plain values; `lazy`: each migration's statements made only as they are read."""
    return {
        "environment": plan.environment,
        "source": plan.source,
        "verdict": verdict(plan).replace("**", ""),
        "counts": {s: plan.count(s) for s in ("error", "warning", "notice")},
        "notes": list(plan.notes),
        "findings": [f.as_json() for f in plan.extra_findings],
        "tables": {t: {"rows": s.rows, "bytes": s.bytes} for t, s in plan.stats.items()},
        "migrations": [
            {
                "name": m.name,
                "path": m.migration.path,
                "transactional": m.transactional,
                "statements": _statements(m, lazy),
                "findings": [f.as_json() for f in m.findings],
                "rollback": {"path": m.migration.rollback_path,
                             "status": m.report.rollback.status if m.report.rollback else None,
                             "left_behind": list(m.report.rollback.left_behind) if m.report.rollback else []},
                "suppressed": m.report.suppressed,
                # None when not classified (lint, a file that does not parse)
                "safety": None if m.safety is None else {
                    "class": m.safety.safety_class, "reason": m.safety.reason, "proved": m.safety.proved,
                    "rollback": m.safety.rollback_word},
            }
            for m in plan.migrations
        ],
    }


def chunks(plan: Plan) -> Iterator[str]:
    """The text of render(plan), a piece of ~64 kB at a time."""
    buf: list[str] = []
    size = 0
    for piece in json.JSONEncoder(indent=2).iterencode(as_dict(plan, lazy=True)):
        buf.append(piece)
        size += len(piece)
        if size >= _CHUNK_CHARS:
            yield "".join(buf)
            buf, size = [], 0
    if buf:
        yield "".join(buf)


def render(plan: Plan) -> str:
    return "".join(chunks(plan))
