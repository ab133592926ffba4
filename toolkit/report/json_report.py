"""The plan as JSON, for scripts and other tools."""

from __future__ import annotations

import json

from toolkit.plan.model import Plan
from toolkit.report.markdown import verdict


def as_dict(plan: Plan) -> dict:
    def lock(lk, sf) -> dict:
        return {"table": lk.table, "mode": lk.mode, "blocks": lk.blocks, "rewrite": lk.rewrite,
                "full_scan": lk.full_scan, "action": lk.action, "new_table": lk.new}

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
                "statements": [
                    {"line": sf.statement.line, "kind": sf.statement.kind, "in_transaction": sf.in_transaction,
                     "locks": [lock(lk, sf) for lk in sf.locks],
                     "held": {t: h.mode for t, h in sf.held.items()}, "notes": list(sf.notes)}
                    for sf in m.report.facts if sf.statement.tx_control is None
                ],
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


def render(plan: Plan) -> str:
    return json.dumps(as_dict(plan), indent=2)
