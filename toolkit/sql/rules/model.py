"""What a rule is and what it reports: the values rules, rollback coverage, the linter and the
reports share. Kept apart from the package's __init__ (which loads every rule module and, for the
registry, rollback_coverage) so that those modules import this one and nothing imports back.
"""

from __future__ import annotations

import msgspec
from msgspec.structs import replace

from toolkit.sql.locks import StatementFacts, TableLock
from toolkit.sql.parse import ParsedFile, Statement

SEVERITIES = ("notice", "warning", "error")  # weakest first


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


class Rule(msgspec.Struct, frozen=True):
    id: str
    severity: str  # error | warning | notice
    summary: str  # a few words for tables and docs
    why: str  # one sentence: why this is dangerous
    instead: str  # the safe pattern to use instead
    # Size-sensitive rules are about time under a lock: on a table known to be small they drop to
    # a notice, on a large one the message carries its size.
    size_sensitive: bool = False
    kind: str = "statement"  # statement | lock (derived from lock facts) | file | rollback


class Finding(msgspec.Struct, frozen=True):
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


class Options(msgspec.Struct, frozen=True):
    """Knobs a rule may read (from config)."""

    lock_timeout_max_ms: int = 5000


class Context(msgspec.Struct, frozen=True):
    path: str
    facts: StatementFacts
    file_facts: tuple[StatementFacts, ...]
    options: Options = msgspec.field(default_factory=Options)

    def finding(self, rule: Rule, message: str, *, table: str | None = None, severity: str | None = None,
                line: int | None = None) -> Finding:
        stmt = self.facts.statement
        return Finding(rule.id, severity or rule.severity, self.path, line or stmt.line, message, rule.why,
                       rule.instead, table, stmt.index)

    def locks_on_existing(self) -> list[TableLock]:
        return [lk for lk in self.facts.locks if not lk.new]


class FileContext(msgspec.Struct, frozen=True):
    path: str
    parsed: ParsedFile
    file_facts: tuple[StatementFacts, ...]
    options: Options = msgspec.field(default_factory=Options)

    def finding(self, rule: Rule, message: str, stmt: Statement | None, *, line: int | None = None,
                severity: str | None = None) -> Finding:
        return Finding(rule.id, severity or rule.severity, self.path, line or (stmt.line if stmt else 1),
                       message, rule.why, rule.instead, None, stmt.index if stmt else None)
