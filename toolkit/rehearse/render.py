"""Rendering a rehearsal: text for the terminal, JSON, and the Markdown section of the pull-request
comment (with a Mermaid gantt chart of which lock was held on which table when).

Migration text, table names and file names come from the pull request: untrusted. In Markdown they
are HTML-escaped and kept off code fences and table separators; in Mermaid only a safe alphabet
survives, so nothing can close the ```mermaid block or inject directives."""

from __future__ import annotations

import html
import json
import re

from toolkit.backup.manifest import human_bytes
from toolkit.rehearse.report import Rehearsal, StatementReport

MAX_GANTT_BARS = 60


def _first_line(text: str, n: int = 70) -> str:
    line = " ".join(text.split())
    return line if len(line) <= n else line[: n - 1] + "…"


def _ms(v: float) -> str:
    return f"{v / 1000:.2f} s" if v >= 1000 else f"{v:.1f} ms" if v < 10 else f"{v:.0f} ms"


def _rows(s: StatementReport) -> str:
    if s.rows is None:
        return "-"
    return ("~" if s.rows_estimated else "") + f"{s.rows:,}"


def _locks(s: StatementReport) -> str:
    return ", ".join(f"{lk.mode} {lk.relation}{' (new)' if lk.new_relation else ''} {_ms(lk.hold_ms)}"
                     for lk in s.locks) or "-"


def header(r: Rehearsal) -> str:
    rs = r.restored
    if rs is None:
        return f"Measured on a copy of {r.environment}"
    return (f"Measured on a copy of {r.environment} (backup of {rs.backup_started_at}, "
            f"{human_bytes(rs.restored_bytes)} restored)")


# -- text ------------------------------------------------------------------------------------------

def text(r: Rehearsal) -> str:
    out = [header(r)]
    rs = r.restored
    if rs is not None:
        out.append(f"  backup {rs.backup_uri} (dump {human_bytes(rs.dump_bytes)}, downloaded in {rs.download_s:.1f} s,"
                   f" restored in {rs.restore_s:.1f} s into {r.scratch})")
        for t, d in rs.data_tables.items():
            out.append(f"  data: {t}  {d['rows']:,} rows, {human_bytes(d['bytes'])}  ({d['why']})")
        out.append(f"  schema only: {rs.schema_only_tables} table(s)"
                   + (f"; data excluded by pattern: {', '.join(rs.excluded)}" if rs.excluded else ""))
        if rs.dropped_foreign_keys:
            out.append(f"  foreign keys not restored (their table has no data): {', '.join(rs.dropped_foreign_keys)}")
    if not r.migrations:
        out.append(f"nothing pending: the backup is at {r.already_applied or '(no migration)'}")
    for m in r.migrations:
        status = f"FAILED: {m.error}" if m.error else "applied"
        out.append("")
        out.append(f"{m.name} ({'one transaction' if m.transactional else 'statement by statement'}): {status}, "
                   f"{_ms(m.wall_ms)}, WAL {human_bytes(m.wal_bytes)}, longest blocking lock "
                   f"{_ms(m.longest_lock_ms)}, probe stalled at most {_ms(m.probe_stall_ms)}"
                   + (f", {m.tries} tries" if m.tries > 1 else ""))
        for s in m.statements:
            out.append(f"  #{s.index} line {s.line}: {_first_line(s.text)}")
            out.append(f"      {_ms(s.wall_ms)}; locks: {_locks(s)}; rewrite: "
                       f"{', '.join(s.rewritten) or 'no'}; rows {_rows(s)}; WAL {human_bytes(s.wal_bytes)}; "
                       f"probe stall {_ms(s.probe_stall_ms)}")
            for d in s.disagreements:
                out.append(f"      ! {d}")
            if s.error:
                out.append(f"      error: {s.error}")
    out.append("")
    out.append(f"total {_ms(r.total_ms)}" + (f"; probed {', '.join(r.probed_tables)}" if r.probed_tables else ""))
    out += [f"note: {n}" for n in r.notes]
    return "\n".join(out)


def as_json(r: Rehearsal) -> str:
    return json.dumps(r.as_json(), indent=2, default=str)


# -- markdown --------------------------------------------------------------------------------------

def md(value: object) -> str:
    """Untrusted text for a Markdown table cell or line: no HTML, no pipes, no code, no newlines."""
    s = html.escape(" ".join(str(value).split()), quote=True)
    return re.sub(r"([|`*_\[\]\\~#!])", r"\\\1", s)


_MERMAID_UNSAFE = re.compile(r"[^A-Za-z0-9 _.,()+-]")


def mermaid_text(value: object, n: int = 60) -> str:
    s = _MERMAID_UNSAFE.sub("_", " ".join(str(value).split()))
    return s[:n] or "_"


def gantt(r: Rehearsal) -> str:
    """A Mermaid gantt chart: one section per table, one bar per lock held (blocking ones marked)."""
    bars: dict[str, list[str]] = {}
    count = 0
    for m in r.migrations:
        for s in m.statements:
            for lk in s.locks:
                if count >= MAX_GANTT_BARS:
                    break
                start = int(round(lk.start_ms))
                end = max(start + 1, int(round(lk.start_ms + lk.hold_ms)))
                tag = "crit, " if lk.blocking else ""
                label = mermaid_text(f"{lk.mode} {_ms(lk.hold_ms)} ({m.name[:15]} stmt {s.index})")
                bars.setdefault(lk.relation, []).append(f"    {label} :{tag}{start}, {end}")
                count += 1
    if not bars:
        return ""
    lines = ["```mermaid", "gantt", "    title Locks held during the rehearsal (ms)", "    dateFormat x",
             "    axisFormat %S.%L s"]
    for rel, items in bars.items():
        lines.append(f"    section {mermaid_text(rel, 40)}")
        lines += items
    lines.append("```")
    return "\n".join(lines)


def markdown_section(r: Rehearsal) -> str:
    """The comment section: a summary, a table per statement, the disagreements with the static
    plan (marked ⚠️), and the lock timeline. Self-contained Markdown."""
    out = [f"### {md(header(r))}", ""]
    rs = r.restored
    if rs is not None:
        data = ", ".join(f"{md(t)} ({d['rows']:,} rows, {human_bytes(d['bytes'])})" for t, d in rs.data_tables.items())
        out.append(f"Restored with data: {data or 'none'}; {rs.schema_only_tables} other table(s) schema only"
                   + (f"; data excluded by pattern: {md(', '.join(rs.excluded))}" if rs.excluded else "") + ".")
        out.append("")
    if not r.migrations:
        out.append(f"Nothing pending on the copy (it is at {md(r.already_applied or 'no migration')}).")
        return "\n".join(out) + "\n"
    out += ["| migration | # | statement | time | locks held | rewrite | rows | WAL | probe stall |",
            "|---|---|---|---|---|---|---|---|---|"]
    for m in r.migrations:
        for s in m.statements:
            flag = " ⚠️" if s.disagreements else ""
            out.append(f"| {md(m.name)} | {s.index} | {md(_first_line(s.text, 60))}{flag} | {_ms(s.wall_ms)} | "
                       f"{md(_locks(s))} | {md(', '.join(s.rewritten) or 'no')} | {_rows(s)} | "
                       f"{human_bytes(s.wal_bytes)} | {_ms(s.probe_stall_ms)} |")
        out.append(f"| **{md(m.name)}** | | **total**{' — failed: ' + md(m.error) if m.error else ''} | "
                   f"**{_ms(m.wall_ms)}** | longest blocking {_ms(m.longest_lock_ms)} | | | "
                   f"**{human_bytes(m.wal_bytes)}** | **{_ms(m.probe_stall_ms)}** |")
    disagreements = [(m, s, d) for m in r.migrations for s in m.statements for d in s.disagreements]
    if disagreements:
        out += ["", "⚠️ Measurement and static plan disagree:", ""]
        out += [f"- {md(m.name)} #{s.index} (line {s.line}): {md(d)}" for m, s, d in disagreements]
    chart = gantt(r)
    if chart:
        out += ["", chart]
    return "\n".join(out) + "\n"
