"""Findings as GitHub workflow annotations (`::warning file=..,line=..::`), shown on the PR diff."""

from __future__ import annotations

from toolkit.plan.model import Plan
from toolkit.report.workflow_commands import format_annotation


def render(plan: Plan) -> str:
    lines = []
    for f in plan.findings:
        lines.append(format_annotation(f.severity, f"{f.message}. {f.why} Instead: {f.instead}",  # type: ignore[arg-type]
                                       file=f.path, line=f.line, title=f"migrate-action: {f.rule}"))
    return "\n".join(lines) + ("\n" if lines else "")
