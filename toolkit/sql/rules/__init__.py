"""Lint rules: one small module per rule, each with its RULE metadata and a `check` function.

A rule module defines `RULE = Rule(...)` and one or both of
    check(stmt: Statement, ctx: Context) -> Iterator[Finding]      called per statement
    check_file(ctx: FileContext) -> Iterator[Finding]               called once per file
Rules only look at values (the parse tree and the lock facts); the report is built from their
findings, never by the rules themselves.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from types import ModuleType

from toolkit.sql.locks import StatementFacts, TableLock
from toolkit.sql.parse import ParsedFile, Statement

SEVERITIES = ("notice", "warning", "error")  # weakest first


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str  # error | warning | notice
    summary: str  # a few words for tables and docs
    why: str  # one sentence: why this is dangerous
    instead: str  # the safe pattern to use instead
    # Size-sensitive rules are about time under a lock: on a table known to be small they drop to
    # a notice, on a large one the message carries its size.
    size_sensitive: bool = False
    kind: str = "statement"  # statement | lock (derived from lock facts) | file | rollback


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    path: str
    line: int
    message: str  # what this statement does, concretely
    why: str
    instead: str
    table: str | None = None
    statement: int | None = None  # index in the file, for grouping in reports
    held: bool = False  # lock-derived, and the blocking lock was taken by an earlier statement

    def as_json(self) -> dict:
        return {"rule": self.rule, "severity": self.severity, "path": self.path, "line": self.line,
                "message": self.message, "why": self.why, "instead": self.instead, "table": self.table}

    def with_(self, **changes) -> Finding:
        return replace(self, **changes)


@dataclass(frozen=True)
class Options:
    """Knobs a rule may read (from config)."""

    lock_timeout_max_ms: int = 5000


@dataclass(frozen=True)
class Context:
    path: str
    facts: StatementFacts
    file_facts: tuple[StatementFacts, ...]
    options: Options = field(default_factory=Options)

    def finding(self, rule: Rule, message: str, *, table: str | None = None, severity: str | None = None,
                line: int | None = None) -> Finding:
        stmt = self.facts.statement
        return Finding(rule.id, severity or rule.severity, self.path, line or stmt.line, message, rule.why,
                       rule.instead, table, stmt.index)

    def locks_on_existing(self) -> list[TableLock]:
        return [lk for lk in self.facts.locks if not lk.new]


@dataclass(frozen=True)
class FileContext:
    path: str
    parsed: ParsedFile
    file_facts: tuple[StatementFacts, ...]
    options: Options = field(default_factory=Options)

    def finding(self, rule: Rule, message: str, stmt: Statement | None, *, line: int | None = None,
                severity: str | None = None) -> Finding:
        return Finding(rule.id, severity or rule.severity, self.path, line or (stmt.line if stmt else 1),
                       message, rule.why, rule.instead, None, stmt.index if stmt else None)


@dataclass(frozen=True)
class LoadedRule:
    rule: Rule
    check: Callable[[Statement, Context], Iterator[Finding]] | None
    check_file: Callable[[FileContext], Iterator[Finding]] | None


@cache
def all_rules() -> tuple[LoadedRule, ...]:
    """Every rule module in this package, statement rules first, lock-derived ones last."""
    loaded = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        mod: ModuleType = importlib.import_module(f"{__name__}.{info.name}")
        rule = getattr(mod, "RULE", None)
        if isinstance(rule, Rule):
            loaded.append(LoadedRule(rule, getattr(mod, "check", None), getattr(mod, "check_file", None)))
    order = {"file": 0, "statement": 1, "lock": 2, "rollback": 3}
    return tuple(sorted(loaded, key=lambda r: (order[r.rule.kind], r.rule.id)))


def rule_ids() -> set[str]:
    from toolkit.sql.rollback_coverage import RULES as ROLLBACK_RULES

    return {r.rule.id for r in all_rules()} | {r.id for r in ROLLBACK_RULES} | {"syntax-error"}


def rule_by_id(rule_id: str) -> Rule | None:
    for r in all_rules():
        if r.rule.id == rule_id:
            return r.rule
    from toolkit.sql.rollback_coverage import RULES as ROLLBACK_RULES

    return next((r for r in ROLLBACK_RULES if r.id == rule_id), None)
