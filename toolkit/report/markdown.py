"""The pull-request comment (and job summary): verdict, summary table, one <details> per migration.

Pure: a Plan in, markdown out. GitHub refuses comments over 65,536 characters; the renderer
shrinks SQL first (truncated, then omitted), then the per-statement lock tables, then moves the
why/instead texts into a legend; findings themselves are never dropped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from toolkit import __version__
from toolkit.plan.model import MigrationPlan, Plan, effective_locks, lock_effect
from toolkit.report.links import rule_url
from toolkit.sql.locks import blocks
from toolkit.sql.rules import Finding, severity_rank

COMMENT_LIMIT = 65_536
SAFETY = 1_000  # room for the marker GitHub's helper may add, and multi-byte surprises
ICON = {"error": "❌", "warning": "⚠️", "notice": "ℹ️"}
LOCK_ICON = {"reads and writes": "🔴", "writes": "🟠", "nothing": "🟢"}


# Compiled once: a 500-migration comment escapes some 30,000 strings.
_BREAKS = re.compile(r"[\r\n\u2028\u2029\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")
_MARKUP = re.compile(r"([\\`*\[\]|])")
_LONE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_BACKTICKS = re.compile(r"`+")


def _one_line(text: str) -> str:
    """Untrusted text never ends its line: a newline would start a new block (a heading, a list...)."""
    return _BREAKS.sub(" ", str(text))


def _md(text: str) -> str:
    """Untrusted text (SQL identifiers, messages, paths) as inline Markdown that renders as itself.

    HTML-escaped (so `<!--`, tags and entities are text), table pipes escaped, and the characters that
    open inline markup (code spans, emphasis, links, images) backslash-escaped, as CommonMark allows for
    any ASCII punctuation."""
    text = html.escape(_one_line(text), quote=False)
    text = _MARKUP.sub(r"\\\1", text)
    return _LONE_UNDERSCORE.sub(r"\\_", text)


def _code(text: str, *, in_table: bool = False) -> str:
    """A code span that holds any text: delimited by more backticks than its longest backtick run."""
    text = _one_line(text)
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or (text.startswith(" ") and text.endswith(" ")) \
        else ""
    if in_table:  # GFM splits a row at any unescaped pipe, even inside a code span
        text = text.replace("|", "\\|")
    return f"{fence}{pad}{text}{pad}{fence}"


def _html(text: str) -> str:
    """Untrusted text inside raw HTML (the <summary> line)."""
    return html.escape(_one_line(text), quote=True)


def _fence(text: str) -> str:
    """A backtick fence longer than any backtick run in the text, so no line of it can close the block
    (CommonMark: a closing fence is at least as long as the opening one, indented up to 3 spaces)."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    return "`" * max(3, longest + 1)


def verdict(plan: Plan) -> str:
    env = f" on {_code(plan.environment)}" if plan.environment else ""
    n = len(plan.migrations)
    if n == 0 and not plan.findings:
        return f"✅ **No pending migrations{env}.**"
    what = f"{n} migration{'s' if n != 1 else ''} to apply{env}" if plan.environment else \
        f"{n} migration file{'s' if n != 1 else ''} checked"
    counts = [f"{plan.count(s)} {s}{'s' if plan.count(s) != 1 else ''}"
              for s in ("error", "warning", "notice") if plan.count(s)]
    worst = plan.worst_severity
    icon = "✅" if worst in (None, "notice") else ICON[worst]
    advice = {"error": "fix or suppress the errors before merging",
              "warning": "review the warnings before merging"}.get(worst or "", "safe to merge")
    found = ", ".join(counts) if counts else "no findings"
    return f"{icon} **{what}: {found}** — {advice}."


def worst_lock_line(plan: Plan) -> str | None:
    wl = plan.worst_lock()
    if wl is None:
        return None
    m, lk = wl
    return f"Worst lock: {LOCK_ICON[blocks(lk.mode)]} {_md(plan.describe_lock(lk))} in {_code(m.name)} " \
           f"({lock_effect(lk)})."


def _findings_cell(m: MigrationPlan) -> str:
    parts = [f"{ICON[s]} {m.count(s)}" for s in ("error", "warning", "notice") if m.count(s)]
    return " · ".join(parts) or "—"


SAFETY_ICON = {"expand-only": "🟢", "reversible": "🟢", "destructive-on-rollback": "🟠", "forward-only": "🔴"}


def _rollback_cell(m: MigrationPlan) -> str:
    cov = m.report.rollback
    if cov is None:
        return "—"
    cell = {"covered": "✅ yes", "nothing-to-undo": "✅ yes", "missing": "❌ missing", "empty": "⚠️ empty",
            "broken": "❌ does not parse"}.get(cov.status, f"⚠️ {cov.label}")
    if m.safety is None or cov.status in ("missing", "broken"):
        return cell
    if m.safety.proved is False:  # a round trip disproved it, whatever the static coverage says
        cell = "❌" + cell[cell.index(" "):]
    return f"{cell} · {m.safety.rollback_word}"


def _safety_cell(m: MigrationPlan) -> str:
    if m.safety is None:
        return "—"
    return f"{SAFETY_ICON.get(m.safety.safety_class, '⚠️')} {_md(m.safety.label)}"


def summary_table(plan: Plan) -> str:
    safety = any(m.safety is not None for m in plan.migrations)
    rows = ["| Migration | Statements | Worst lock | Findings | Rollback |" + (" Safety |" if safety else ""),
            "|---|---:|---|---|---|" + ("---|" if safety else "")]
    for m in plan.migrations:
        lk = m.worst_lock
        lock = f"{LOCK_ICON[blocks(lk.mode)]} {_md(plan.describe_lock(lk))}" if lk else "🟢 none on existing tables"
        tx = "" if m.transactional else " (no transaction)"
        rows.append(f"| {_code(m.name, in_table=True)} | {m.statement_count}{tx} | {lock} | {_findings_cell(m)} | "
                    f"{_rollback_cell(m)} |" + (f" {_safety_cell(m)} |" if safety else ""))
    return "\n".join(rows)


def _finding(f: Finding, *, explain: bool, with_path: bool) -> str:
    where = f"{f.path}:{f.line}" if with_path else f"line {f.line}"
    line = f"- {ICON[f.severity]} **{f.severity}** {_code(f.rule)} at {_code(where)}: {_md(f.message)}"
    if explain:
        line += (f"\n  - **Why:** {_md(f.why)}\n  - **Instead:** {_md(f.instead)}"
                 f"\n  - **Rule:** [{f.rule}]({rule_url(f.rule)})")
    else:
        line += f" ([rule]({rule_url(f.rule)}))"
    return line


def _locks_table(m: MigrationPlan, plan: Plan) -> str:
    rows = []
    for sf in m.report.facts:
        for own, lk in zip(sf.locks, effective_locks(sf), strict=True):
            if lk.new:
                continue
            held = sf.held.get(lk.table)
            lock = f"{lk.mode} on {_md(lk.table)}"
            if lk.mode != own.mode and held is not None:
                lock = f"{own.mode} on {_md(lk.table)}, inside {held.mode} held since line {held.line}"
            rows.append(f"| {own.line or sf.statement.line} | {_md(lk.action)} | {lock} | "
                        f"{LOCK_ICON[blocks(lk.mode)]} {lock_effect(lk)} |")
    if not rows:
        return "_No locks on existing tables (only new objects)._"
    return "\n".join(["| Line | Statement | Lock | Effect |", "|---:|---|---|---|", *rows])


def _sql_block(sql: str, max_lines: int | None) -> str:
    if max_lines == 0:
        return f"_SQL omitted to fit GitHub's comment limit ({len(sql.splitlines())} lines; see the file)._"
    lines = sql.rstrip("\n").splitlines()
    cut = ""
    if max_lines is not None and len(lines) > max_lines:
        cut = f"\n_… {len(lines) - max_lines} more lines (truncated to fit GitHub's comment limit)._"
        lines = lines[:max_lines]
    fence = _fence(sql)
    return f"{fence}sql\n" + "\n".join(lines) + f"\n{fence}{cut}"


def _details(m: MigrationPlan, plan: Plan, *, sql_lines: int | None, locks: bool, explain: bool,
             cache: dict | None = None) -> str:
    """One migration's <details> block. `cache`: parts already rendered for another size level of the
    same comment (render tries up to six levels; most parts are the same in each)."""
    cache = {} if cache is None else cache
    key = id(m)
    if (key, "head") not in cache:
        cache[(key, "head")] = _details_head(m)
    out = list(cache[(key, "head")])
    if m.findings:
        if (key, "findings", explain) not in cache:
            cache[(key, "findings", explain)] = [
                _finding(f, explain=explain, with_path=f.path != m.migration.path) for f in m.findings]
        out += ["**Findings**", "", *cache[(key, "findings", explain)], ""]
    if locks:
        if (key, "locks") not in cache:
            cache[(key, "locks")] = _locks_table(m, plan)
        out += ["**Locks**", "", cache[(key, "locks")], ""]
    if (key, "notes") not in cache:
        notes = [n for sf in m.report.facts for n in sf.notes]
        cache[(key, "notes")] = [f"> {_md(n)}" for n in notes] + ([""] if notes else [])
    out += cache[(key, "notes")]
    out += ["**SQL**", "", _sql_block(m.migration.text, sql_lines), "", "</details>"]
    return "\n".join(out)


def _details_head(m: MigrationPlan) -> list[str]:
    counts = ", ".join(f"{m.count(s)} {s}{'s' if m.count(s) != 1 else ''}"
                       for s in ("error", "warning", "notice") if m.count(s)) or "no findings"
    mode = "runs in one transaction" if m.transactional else "runs statement by statement, outside a transaction"
    n = m.statement_count
    return [f"<details><summary><code>{_html(m.name)}</code> — {counts}</summary>", "",
            f"{_code(m.migration.path)} · {n} statement{'s' if n != 1 else ''} · {mode}", ""]


def _legend(plan: Plan) -> str:
    seen: dict[str, Finding] = {}
    for f in plan.findings:
        seen.setdefault(f.rule, f)
    lines = ["<details><summary>Rules: why, and what to do instead</summary>", ""]
    lines += [f"- {_code(r)}: {_md(f.why)} **Instead:** {_md(f.instead)}" for r, f in sorted(seen.items())]
    return "\n".join([*lines, "", "</details>"])


def render(plan: Plan, *, marker: str | None = None, limit: int = COMMENT_LIMIT - SAFETY,
           title: str | None = None, sections: Sequence[str] = ()) -> str:
    """The comment body; starts with `marker` (hidden) so the same comment is found and edited.

    `sections`: trusted Markdown (already escaped by its producer, e.g. a rehearsal's
    toolkit.rehearse.render.markdown_section) shown after the static findings."""
    head = [marker] if marker else []
    env = f" for {_code(plan.environment)}" if plan.environment else ""
    head += [f"### {title or 'Migration plan' + env}", "", verdict(plan)]
    wl = worst_lock_line(plan)
    if wl:
        head += ["", wl]
    if plan.notes:
        head += [""] + [f"> ⚠️ {_md(n)}" for n in plan.notes]
    if plan.extra_findings:
        head += ["", *(_finding(f, explain=False, with_path=True) for f in plan.extra_findings)]
    if plan.migrations:
        head += ["", summary_table(plan)]
    extra = [part for sec in sections if sec.strip() for part in ("", sec.rstrip("\n"))]
    foot = extra + ["", f"<sub>Pending set from {_md(plan.source)} · migrate-action {__version__} · silence a finding "
                "with <code>-- migrate-action: ignore &lt;rule-id&gt;</code> above the statement.</sub>"]

    # Shrink step by step until it fits: SQL, then lock tables, then explanations move to a legend.
    levels: list[tuple[int | None, bool, bool]] = [
        (None, True, True), (60, True, True), (15, True, True), (0, True, True), (0, False, True), (0, False, False),
    ]
    body = ""
    cache: dict = {}
    for sql_lines, locks, explain in levels:
        parts = head + [""] + ["\n\n".join(_details(m, plan, sql_lines=sql_lines, locks=locks, explain=explain,
                                                    cache=cache) for m in plan.migrations)]
        if not explain and plan.findings:
            parts += ["", _legend(plan)]
        body = "\n".join(parts + foot) + "\n"
        if len(body) <= limit:
            return body
    return _compact(plan, head, foot, limit)


def _compact(plan: Plan, head: list[str], foot: list[str], limit: int) -> str:
    """Last resort for very large plans: every finding as one line, grouped by migration."""
    ordered = sorted(plan.findings, key=lambda f: -severity_rank(f.severity))
    lines = head + ["", "**All findings** (details omitted to fit GitHub's comment limit):", ""]

    def render_one(f: Finding) -> str:
        return f"- {ICON[f.severity]} [{_code(f.rule)}]({rule_url(f.rule)}) {_code(f'{f.path}:{f.line}')}: {_md(f.message)}"

    tail = "\n".join(["", _legend(plan), *foot]) + "\n"
    for i, f in enumerate(ordered):
        candidate = render_one(f)
        if len("\n".join(lines)) + len(candidate) + len(tail) + 200 > limit:
            lines.append(f"- … and {len(ordered) - i} more findings: run `plan --format text` to see them all "
                         "(the job summary and annotations carry them too).")
            break
        lines.append(candidate)
    return "\n".join(lines) + tail


# For other renderers of untrusted text into Markdown (the deploy story, job summaries).
escape_inline = _md
code_span = _code
