"""The plan for a terminal."""

from __future__ import annotations

import html
import re

from toolkit.plan.model import Plan, effective_locks, lock_effect
from toolkit.report.links import rule_url
from toolkit.report.markdown import verdict, worst_lock_line

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _plain(md: str) -> str:
    """The markdown verdict as plain text: no markup, escapes undone."""
    return html.unescape(re.sub(r"\\([\\`*\[\]|_])", r"\1", re.sub(r"\*\*|(?<!\\)`", "", md)))


def render(plan: Plan) -> str:
    out = []
    env = f" for {plan.environment}" if plan.environment else ""
    out.append(f"Migration plan{env} (pending set from {plan.source})")
    for n in plan.notes:
        out.append(f"  ! {n}")
    for f in plan.extra_findings:
        out.append(f"  {f.severity:<7} {f.path}:{f.line}  {f.rule}  {f.message}")
    for m in plan.migrations:
        rb = m.report.rollback.label if m.report.rollback else "-"
        if m.safety is not None:
            rb += f" ({m.safety.rollback_word}), safety: {m.safety.label}"
        mode = "one transaction" if m.transactional else "no transaction"
        out += ["", f"{m.name}  ({m.statement_count} statement{'' if m.statement_count == 1 else 's'}, {mode}, rollback: {rb})"]
        for sf in m.report.facts:
            # What the analysis could not read (dynamic SQL, another language): said, as in the comment.
            out += [f"  line {sf.statement.line:<4} note: {n}" for n in sf.notes]
            if not sf.locks:
                continue
            for own, lk in zip(sf.locks, effective_locks(sf), strict=True):
                if not lk.new:
                    held = f" (inside {lk.mode} held since line {sf.held[lk.table].line})" \
                        if lk.mode != own.mode and lk.table in sf.held else ""
                    out.append(f"  line {own.line or sf.statement.line:<4} {own.mode} on {lk.table}{held}: {lock_effect(lk)}"
                               f"  [{lk.action}]")
        for f in m.findings:
            out.append(f"  {f.severity:<7} {f.path}:{f.line}  {f.rule}  {f.message}")
            out.append(f"          why: {f.why}")
            out.append(f"          instead: {f.instead}")
            out.append(f"          rule: {rule_url(f.rule)}")
    out.append("")
    wl = worst_lock_line(plan)
    if wl:
        out.append(_plain(wl).replace("🔴 ", "").replace("🟠 ", "").replace("🟢 ", ""))
    out.append(_plain(verdict(plan)))
    # Identifiers and file names come from the migrations: no escape sequence of theirs reaches a terminal.
    return _CONTROL.sub("?", "\n".join(out)) + "\n"
