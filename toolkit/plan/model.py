"""The plan as values: what would run on an environment, with its locks and findings."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec
from msgspec.structs import replace

from toolkit.sql.lint import FileReport, TableStats
from toolkit.sql.locks import MODES, StatementFacts, TableLock, blocks
from toolkit.sql.rules import Finding, severity_rank


class PendingMigration(msgspec.Struct, frozen=True):
    name: str  # "20241227_120000_add_user_preferences"
    path: str  # as shown to people and in annotations (relative to the repository)
    text: str
    rollback_path: str | None = None
    rollback_text: str | None = None

    @property
    def expected_rollback(self) -> str:
        return self.path.rsplit("/", 1)[-1][:-4] + "_rollback.sql"


# The rollback safety classes (toolkit.proof.safety computes them from the parsed files).
SAFETY_WORDS = {
    "expand-only": "expand-only",
    "reversible": "reversible",
    "destructive-on-rollback": "destructive on rollback",
    "forward-only": "forward-only",
}


class RollbackSafety(msgspec.Struct, frozen=True):
    """What going back costs: the safety class from the files, and whether a round trip on a
    throwaway database proved the rollback (verify-rollbacks)."""

    safety_class: str  # expand-only | reversible | destructive-on-rollback | forward-only
    reason: str = ""
    proved: bool | None = None  # True proved, False failed, None not proved (static analysis only)

    @property
    def rollback_word(self) -> str:
        return {True: "proved", False: "failed"}.get(self.proved, "static only")  # type: ignore[arg-type]

    @property
    def label(self) -> str:
        return SAFETY_WORDS.get(self.safety_class, self.safety_class)


class MigrationPlan(msgspec.Struct, frozen=True):
    migration: PendingMigration
    report: FileReport
    safety: RollbackSafety | None = None  # None: not classified (a file that does not parse, or lint)

    @property
    def name(self) -> str:
        return self.migration.name

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.report.findings

    @property
    def statement_count(self) -> int:
        if self.report.parsed is None:
            return 0
        return sum(1 for s in self.report.parsed.statements if s.tx_control is None)

    @property
    def transactional(self) -> bool:
        return self.report.parsed is None or not self.report.parsed.needs_no_transaction

    @property
    def worst_lock(self) -> TableLock | None:
        """The strongest lock on an existing table; a slow one wins among equals."""
        locks = [lk for sf in self.report.facts if sf.locks for lk in effective_locks(sf) if not lk.new]
        if not locks:
            return None
        return max(locks, key=lambda lk: (MODES.index(lk.mode), lk.slow, lk.rows))

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)


class Plan(msgspec.Struct, frozen=True):
    environment: str | None  # None for `lint` (files, no environment)
    source: str  # where the pending set came from, in words
    migrations: tuple[MigrationPlan, ...]
    stats: Mapping[str, TableStats] = msgspec.field(default_factory=dict)
    extra_findings: tuple[Finding, ...] = ()  # about the set, e.g. an applied migration edited since
    notes: tuple[str, ...] = ()

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.extra_findings + tuple(f for m in self.migrations for f in m.findings)

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def worst_severity(self) -> str | None:
        return max((f.severity for f in self.findings), key=severity_rank, default=None)

    @property
    def has_syntax_errors(self) -> bool:
        return any(f.rule in ("syntax-error", "rollback-syntax-error") for f in self.findings)

    def worst_lock(self) -> tuple[MigrationPlan, TableLock] | None:
        best = None
        for m in self.migrations:
            lk = m.worst_lock
            if lk and (best is None or (MODES.index(lk.mode), lk.slow, lk.rows)
                       > (MODES.index(best[1].mode), best[1].slow, best[1].rows)):
                best = (m, lk)
        return best

    def describe_lock(self, lk: TableLock) -> str:
        """'ACCESS EXCLUSIVE on orders (~41 M rows, 12 GB), rewrite' — the risk, concretely."""
        parts = [f"{lk.mode} on {lk.table}"]
        stats = self.stats.get(lk.table)
        if stats is not None:
            parts[0] += f" ({stats.describe()})"
        if lk.rewrite:
            parts.append("rewrite")
        elif lk.full_scan:
            parts.append("full scan")
        return ", ".join(parts)


def effective_locks(sf: StatementFacts) -> list[TableLock]:
    """The statement's locks as its traffic feels them: a lock this transaction already holds on the
    table counts too (an UPDATE after ALTER TABLE in one transaction runs under ACCESS EXCLUSIVE)."""
    locks = sf.locks
    if not sf.in_transaction or (not sf.held and len({lk.table for lk in locks}) == len(locks)):
        return list(locks)  # nothing held before, one lock per table: each is its own effective lock
    eff = {table: sf.effective_mode(table) for table in {lk.table for lk in locks}}  # once per table
    return [replace(lk, mode=e) if (e := eff[lk.table]) and e != lk.mode else lk for lk in locks]


def lock_effect(lk: TableLock) -> str:
    """What a lock does to traffic, and for how long, in a few words."""
    what = blocks(lk.mode)
    how_long = ("for a rewrite of the table" if lk.rewrite else "for a full scan" if lk.full_scan
                else "for as long as the statement runs" if lk.rows else "briefly (catalog only)")
    if what == "nothing":
        return "blocks no reads or writes" + (f" ({'rewrite' if lk.rewrite else 'full scan'})" if lk.slow else "")
    return f"blocks {what} {how_long}"
