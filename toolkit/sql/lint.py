"""Run the rules over a migration file: rule findings + lock-derived findings + rollback coverage,
then suppressions and table-size adjustments.

Pure: text in, a FileReport out. Table sizes come in as values (the plan fetches them at the edge).

Suppressions:
  -- migrate-action: ignore <rule-id>[, <rule-id>...]        on the comment lines just before a
                                                             statement (or after it on its last line)
  -- migrate-action: ignore-file <rule-id>[, ...]            anywhere in the file
  [lint] disable = ["prefer-text-field"]                     per project, in migrate-action.toml
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec
from pglast import parser as pg_parser

from toolkit.config import LintSettings
from toolkit.sql.locks import Schema, StatementFacts, analyze_file
from toolkit.sql.parse import ParsedFile, SqlSyntaxError, parse
from toolkit.sql.rollback_coverage import Coverage, coverage
from toolkit.sql.rules import (
    SEVERITIES,
    UNKNOWN_RULE,
    Context,
    FileContext,
    Finding,
    Options,
    Rule,
    all_rules,
    rule_by_id,
    rule_ids,
    severity_rank,
    unknown_rule_message,
)
from toolkit.sql.rules import SYNTAX_RULE as SYNTAX_RULE  # re-exported: callers import it from here

# Ids are comma-separated; words after the list ("... ignore lock-table  approved by DBA") are prose.
_IGNORE_RE = re.compile(r"migrate-action:\s*ignore(-file)?[ \t]+([a-z0-9_-]+(?:[ \t]*,[ \t]*[a-z0-9_-]+)*)",
                        re.IGNORECASE)
SMALL_TABLE_BYTES = 1 << 30


class TableStats(msgspec.Struct, frozen=True):
    rows: int | None  # planner estimate (pg_class.reltuples); None if never analysed
    bytes: int | None  # pg_total_relation_size

    def describe(self) -> str:
        parts = []
        if self.rows is not None:
            parts.append(f"~{human_count(self.rows)} rows")
        if self.bytes is not None:
            parts.append(human_bytes(self.bytes))
        return ", ".join(parts) or "size unknown"


def human_count(n: int) -> str:
    for limit, suffix in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
        if n >= limit:
            v = n / limit
            return f"{v:.0f}{suffix}" if v >= 10 else f"{v:.1f}{suffix}"
    return str(n)


def human_bytes(n: int) -> str:
    for limit, suffix in ((1 << 40, "TB"), (1 << 30, "GB"), (1 << 20, "MB"), (1 << 10, "kB")):
        if n >= limit:
            v = n / limit
            return f"{v:.0f} {suffix}" if v >= 10 else f"{v:.1f} {suffix}"
    return f"{n} B"


class FileReport(msgspec.Struct, frozen=True):
    path: str
    parsed: ParsedFile | None  # None when the file does not parse
    facts: tuple[StatementFacts, ...]
    findings: tuple[Finding, ...]
    rollback: Coverage | None = None
    suppressed: int = 0

    @property
    def worst_severity(self) -> str | None:
        return max((f.severity for f in self.findings), key=severity_rank, default=None)


class LintOptions(msgspec.Struct, frozen=True):
    settings: LintSettings = msgspec.field(default_factory=LintSettings)
    rule_options: Options = msgspec.field(default_factory=Options)
    stats: Mapping[str, TableStats] = msgspec.field(default_factory=dict)
    check_rollback: bool = True


def _suppressions(parsed: ParsedFile) -> tuple[dict[int, set[str]], set[str], list[tuple[int, str]]]:
    """Per statement index, the rule ids its comments ignore; the file-wide ignores; and the
    (line, id) of every id a suppression names that no rule has."""
    per: dict[int, set[str]] = {}
    whole: set[str] = set()
    unknown: list[tuple[int, str]] = []
    if "migrate-action:" not in parsed.text:
        return per, whole, unknown

    def ids(comment: str) -> list[tuple[bool, set[str]]]:
        return [(bool(m.group(1)), {i.strip().lower() for i in re.split(r"[,\s]+", m.group(2)) if i.strip()})
                for m in _IGNORE_RE.finditer(comment)]

    for s in parsed.statements:
        for c in s.comments:
            for is_file, found in ids(c):
                (whole if is_file else per.setdefault(s.index, set())).update(found)
    # Trailing comments (`...; -- migrate-action: ignore x`) belong to the statement on that line.
    try:
        tokens = pg_parser.scan(parsed.text)
    except pg_parser.ParseError:
        return per, whole, unknown
    known = rule_ids() | {"all"}
    starts = [s.start for s in parsed.statements]
    for t in tokens:
        if t.name not in ("SQL_COMMENT", "C_COMMENT"):
            continue
        text = parsed.text[t.start:t.end + 1]
        if "migrate-action:" not in text:
            continue
        found_ids = ids(text)
        whole.update(*(found for is_file, found in found_ids if is_file))
        line = parsed.text.count("\n", 0, t.start) + 1
        unknown.extend((line, i) for _, found in found_ids for i in sorted(found - known))
        for s in parsed.statements:
            nxt = starts[s.index + 1] if s.index + 1 < len(starts) else len(parsed.text) + 1
            if s.end_line == line and s.start < t.start < nxt:
                for is_file, found in found_ids:
                    if not is_file:
                        per.setdefault(s.index, set()).update(found)
    return per, whole, unknown


def _adjust_for_size(f: Finding, rule: Rule | None, opts: LintOptions) -> Finding:
    if rule is None or not rule.size_sensitive or not f.table:
        return f
    stats = opts.stats.get(f.table)
    if stats is None:
        return f
    small = (stats.rows is not None and stats.rows < opts.settings.large_table_rows
             and (stats.bytes or 0) < SMALL_TABLE_BYTES)
    if small:
        return f.with_(severity="notice", message=f"{f.message} ({f.table}: {stats.describe()}, small enough to be brief)")
    return f.with_(message=f"{f.message} ({f.table}: {stats.describe()})")


def lint_parsed(parsed: ParsedFile, *, schema: Schema | None = None, opts: LintOptions | None = None,
                rollback_path: str | None = None, rollback_text: str | None = None,
                expected_rollback: str | None = None) -> FileReport:
    opts = opts or LintOptions()
    path = parsed.path
    # What the earlier migrations defined, before this file changes it: rollback coverage compares
    # the state after up + rollback with it (defaults, NOT NULL, types, indexes, function bodies).
    history = after_up = None
    if schema is not None and opts.check_rollback:
        history = schema.defs.copy()
        # Definitions as fresh as that copy (nothing touched, nothing tainted): once analyze_file has
        # applied the file to them they are what coverage would compute again, so it is given them.
        if not schema.defs.touched and not schema.defs.tainted:
            after_up = schema.defs
    facts = analyze_file(parsed, schema)
    rules = all_rules()
    findings: list[Finding] = []
    fctx = FileContext(path, parsed, facts, opts.rule_options)
    for r in rules:
        if r.check_file is not None:
            findings.extend(r.check_file(fctx))
    findings.extend(_statement_findings(path, facts, rules, opts))
    cov = None
    if opts.check_rollback:
        cov = coverage(path, parsed, rollback_path, rollback_text, expected_rollback=expected_rollback,
                       history=history, after_up=after_up)
        findings.extend(cov.findings)
        if rollback_text is not None and cov.status != "broken":
            rb = parse(rollback_text, rollback_path or "<rollback>")  # cached: coverage just parsed it
            # These two file rules read only the statements' transaction control: lock analysis of
            # the rollback (a third of lint's time on a real set) would be thrown away.
            rb_ctx = FileContext(rb.path, rb, (), opts.rule_options)
            for r in rules:
                if r.check_file is not None and r.rule.id in ("transaction-nesting", "concurrently-in-transaction"):
                    findings.extend(r.check_file(rb_ctx))
    return _finish(path, parsed, facts, findings, cov, opts)


_CHECKS_BY_KIND: dict[int, tuple[Any, dict[str, list[tuple[Any, bool]]]]] = {}


def _statement_findings(path: str, facts: tuple[StatementFacts, ...], rules, opts: LintOptions) -> list[Finding]:
    findings: list[Finding] = []
    # The checks that apply to each statement kind, in rule order (most rules read one or two kinds),
    # worked out once per rule set: all_rules() is cached, so the same tuple comes every time.
    cached = _CHECKS_BY_KIND.get(id(rules))
    if cached is None or cached[0] is not rules:
        cached = _CHECKS_BY_KIND[id(rules)] = (rules, {})
    by_kind = cached[1]
    warning = severity_rank("warning")
    for sf in facts:
        if sf.statement.tx_control is not None:
            continue
        ctx = Context(path, sf, facts, opts.rule_options)
        covered = False
        kind = sf.statement.kind
        applicable = by_kind.get(kind)
        if applicable is None:
            applicable = by_kind[kind] = [(r.check, r.rule.kind == "lock") for r in rules
                                          if r.check is not None and (r.kinds is None or kind in r.kinds)]
        for check, lock_rule in applicable:
            if lock_rule:
                for f in check(sf.statement, ctx):
                    # A dedicated rule already explains this statement; keep only what it cannot
                    # see: the lock an earlier statement of the transaction still holds.
                    if not covered or f.held:
                        findings.append(f)
            else:
                got = list(check(sf.statement, ctx))
                covered = covered or any(severity_rank(f.severity) >= warning for f in got)
                findings.extend(got)
    return findings


def _finish(path: str, parsed: ParsedFile | None, facts: tuple[StatementFacts, ...], findings: list[Finding],
            cov: Coverage | None, opts: LintOptions) -> FileReport:
    per, whole, unknown = _suppressions(parsed) if parsed is not None else ({}, set(), [])
    findings = findings + [
        Finding(UNKNOWN_RULE.id, UNKNOWN_RULE.severity, path, line,
                f"suppression comment names an {unknown_rule_message(rule_id)}", UNKNOWN_RULE.why,
                UNKNOWN_RULE.instead)
        for line, rule_id in unknown]
    disabled = {d.lower() for d in opts.settings.disable}
    kept, suppressed = [], 0
    for f in findings:
        ignored = per.get(f.statement, set()) if f.path == path and f.statement is not None else set()
        if f.rule in disabled or f.rule in whole or "all" in whole or f.rule in ignored or "all" in ignored:
            suppressed += 1
            continue
        kept.append(_adjust_for_size(f, rule_by_id(f.rule), opts))
    kept.sort(key=lambda f: (f.path != path, f.path, f.line, -severity_rank(f.severity), f.rule))
    return FileReport(path, parsed, facts, tuple(kept), cov, suppressed)


def lint_text(text: str, path: str, *, schema: Schema | None = None, opts: LintOptions | None = None,
              rollback_path: str | None = None, rollback_text: str | None = None,
              expected_rollback: str | None = None) -> FileReport:
    """Lint one migration; a syntax error becomes a finding, not an exception."""
    opts = opts or LintOptions()
    try:
        parsed = parse(text, path)
    except SqlSyntaxError as exc:
        f = Finding(SYNTAX_RULE.id, "error", path, exc.line, f"syntax error at column {exc.column}: {exc.pg_message}",
                    SYNTAX_RULE.why, SYNTAX_RULE.instead)
        return _finish(path, None, (), [f], None, opts)
    return lint_parsed(parsed, schema=schema, opts=opts, rollback_path=rollback_path,
                       rollback_text=rollback_text, expected_rollback=expected_rollback)


def at_or_above(findings, fail_on: str) -> list[Finding]:
    """Findings at or above `fail_on` (error | warning | notice | never)."""
    if fail_on == "never":
        return []
    if fail_on not in SEVERITIES:
        raise ValueError(fail_on)
    return [f for f in findings if severity_rank(f.severity) >= severity_rank(fail_on)]
