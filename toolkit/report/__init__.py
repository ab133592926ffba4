"""Pure renderers of a Plan: markdown (PR comment / job summary), text, json, GitHub annotations."""

from __future__ import annotations

from toolkit.plan.model import Plan


def render(plan: Plan, fmt: str, *, marker: str | None = None) -> str:
    if fmt == "markdown":
        from toolkit.report.markdown import render as md

        return md(plan, marker=marker)
    if fmt == "json":
        from toolkit.report.json_report import render as js

        return js(plan)
    if fmt == "github":
        from toolkit.report.github import render as gh

        return gh(plan)
    from toolkit.report.text import render as tx

    return tx(plan)
