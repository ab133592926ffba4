"""Findings as GitHub workflow annotations (`::warning file=..,line=..::`), shown on the PR diff."""

from __future__ import annotations

from toolkit.plan.model import Plan
from toolkit.report.links import rule_url
from toolkit.report.workflow_commands import format_annotation


def render(plan: Plan) -> str:
    lines = []
    for f in plan.findings:
        lines.append(format_annotation(f.severity, f"{f.message}. {f.why} Instead: {f.instead} ({rule_url(f.rule)})",  # type: ignore[arg-type]
                                       file=f.path, line=f.line, title=f"migrate-action: {f.rule}"))
    return "\n".join(lines) + ("\n" if lines else "")
