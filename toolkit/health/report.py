"""Health results as text (terminal) and Markdown (job summary): every measurement is shown."""

from __future__ import annotations

from toolkit.health.policy import Measurement, Policy
from toolkit.health.runner import HealthResult

_ICON = {"Successful": "✅", "Failed": "❌", "Error": "⚠️"}


def policy_line(p: Policy) -> str:
    parts = [f"deadline {p.deadline_s:g} s", f"interval {p.interval_s:g} s", f"timeout {p.timeout_s:g} s",
             f"{p.successes} consecutive successes", f"failure limit {p.failure_limit}",
             f"consecutive error limit {p.consecutive_error_limit}"]
    if p.initial_delay_s:
        parts.insert(0, f"initial delay {p.initial_delay_s:g} s")
    if p.count:
        parts.append(f"count {p.count}")
    return ", ".join(parts)


def measurement_line(m: Measurement) -> str:
    return f"  #{m.number:<3} {m.started_s:7.2f} s  {m.phase:<10} {m.message} ({m.elapsed_ms:.0f} ms)"


def render_text(result: HealthResult) -> str:
    lines = [f"health checks: {'healthy' if result.ok else 'UNHEALTHY'} after {result.elapsed_s:.1f} s "
             f"({policy_line(result.policy)})"]
    for c in result.checks:
        lines.append(f"{c.name}: {c.phase}: {c.reason}")
        lines.extend(measurement_line(m) for m in c.measurements)
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(result: HealthResult, heading: str = "### Health checks") -> str:
    status = "healthy" if result.ok else "**unhealthy**"
    out = [heading, "", f"{status} after {result.elapsed_s:.1f} s — {policy_line(result.policy)}", ""]
    for c in result.checks:
        out += [f"**{_cell(c.name)}**: {_ICON.get(c.phase, '')} {c.phase} — {_cell(c.reason)}", "",
                "| # | at | result | detail | took |", "|---:|---:|---|---|---:|"]
        for m in c.measurements:
            out.append(f"| {m.number} | {m.started_s:.2f} s | {_ICON.get(m.phase, '')} {m.phase} | "
                       f"{_cell(m.message)} | {m.elapsed_ms:.0f} ms |")
        if not c.measurements:
            out.append("| – | – | – | no measurement taken | – |")
        out.append("")
    return "\n".join(out)
