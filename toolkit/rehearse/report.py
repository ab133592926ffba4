"""The rehearsal's result as plain data (times in milliseconds from the start of the first
migration), with the static plan's claims next to each measurement and where they disagree."""

from __future__ import annotations

from typing import Any

import msgspec

from toolkit.sql.locks import _RANK, CONFLICTS

# Modes that stop the application's writes (they conflict with ROW EXCLUSIVE): what the gate
# --max-lock-ms measures. SHARE UPDATE EXCLUSIVE (CREATE INDEX CONCURRENTLY) blocks neither.
BLOCKING = frozenset(CONFLICTS["ROW EXCLUSIVE"])


class LockHold(msgspec.Struct, frozen=True):
    relation: str
    mode: str
    start_ms: float
    hold_ms: float
    new_relation: bool = False

    @property
    def blocking(self) -> bool:
        return self.mode in BLOCKING and not self.new_relation


class StatementReport(msgspec.Struct, frozen=True):
    migration: str
    index: int
    line: int
    text: str
    start_ms: float
    wall_ms: float
    locks: tuple[LockHold, ...]
    rewritten: tuple[str, ...]
    truncated: tuple[str, ...]
    rows: int | None
    rows_estimated: bool
    wal_bytes: int
    probe_stall_ms: float
    static_locks: tuple[tuple[str, str], ...] = ()  # (table, mode) the plan claims
    static_rewrite: bool = False
    disagreements: tuple[str, ...] = ()
    error: str | None = None


class MigrationReport(msgspec.Struct, frozen=True):
    name: str
    transactional: bool
    wall_ms: float
    statements: tuple[StatementReport, ...]
    wal_bytes: int
    longest_lock_ms: float  # longest blocking lock held on an existing table
    probe_stall_ms: float
    tries: int = 1
    error: str | None = None


class Restored(msgspec.Struct, frozen=True):
    backup_uri: str
    backup_started_at: str
    environment: str
    data_tables: dict[str, dict[str, Any]]  # table -> {"bytes", "rows", "why"}
    schema_only_tables: int
    excluded: tuple[str, ...]
    dropped_foreign_keys: tuple[str, ...]
    skipped: tuple[str, ...]
    restored_bytes: int
    database_bytes: int
    dump_bytes: int
    download_s: float
    restore_s: float


class Rehearsal(msgspec.Struct, frozen=True):
    environment: str
    scratch: str
    restored: Restored | None
    migrations: tuple[MigrationReport, ...]
    probed_tables: tuple[str, ...]
    total_ms: float
    already_applied: str | None = None  # the backup's newest migration
    notes: tuple[str, ...] = msgspec.field(default_factory=tuple)

    @property
    def longest_lock(self) -> tuple[LockHold, StatementReport] | None:
        best = None
        for m in self.migrations:
            for s in m.statements:
                for lk in s.locks:
                    if lk.blocking and (best is None or lk.hold_ms > best[0].hold_ms):
                        best = (lk, s)
        return best

    def as_json(self) -> dict[str, Any]:
        out = msgspec.to_builtins(self)  # deep, like dataclasses.asdict; tuples become lists, as in JSON
        out["gate"] = {"longest_blocking_lock_ms": round(self.longest_lock[0].hold_ms, 1) if self.longest_lock else 0,
                       "total_s": round(self.total_ms / 1000, 3)}
        return out


def _short(t: str) -> str:
    return t[len("public."):] if t.startswith("public.") else t


def compare(locks: tuple[LockHold, ...], rewritten: tuple[str, ...], claims: tuple[tuple[str, str], ...],
            claim_rewrite: bool) -> tuple[str, ...]:
    """Where the measurement and the static claim disagree, one phrase each."""
    out = []
    claimed = {_short(t): m for t, m in claims}
    measured = {_short(lk.relation): lk.mode for lk in locks if not lk.new_relation}
    for table, mode in sorted(measured.items()):
        c = claimed.get(table)
        if c is None:
            out.append(f"{mode} on {table} was not predicted")
        elif c != mode:
            out.append(f"plan says {c} on {table}, measured {mode}")
    for table, c in sorted(claimed.items()):
        if table not in measured and _RANK[c] > _RANK["ACCESS SHARE"]:
            out.append(f"plan says {c} on {table}, none measured")
    if claim_rewrite and not rewritten:
        out.append("plan says it rewrites the table, no rewrite measured")
    if rewritten and not claim_rewrite:
        out.append(f"rewrote {', '.join(_short(t) for t in rewritten)}, which the plan does not say")
    return tuple(out)


def gate(r: Rehearsal, max_lock_ms: float | None, max_duration_s: float | None) -> str | None:
    """None if within the limits, else the one line that fails the job."""
    worst = r.longest_lock
    if max_lock_ms is not None and worst is not None and worst[0].hold_ms > max_lock_ms:
        lk, s = worst
        return (f"rehearsal: {lk.mode} on {lk.relation} held {lk.hold_ms:.0f} ms by {s.migration} statement "
                f"{s.index} (line {s.line}); limit --max-lock-ms {max_lock_ms:g}")
    if max_duration_s is not None and r.total_ms / 1000 > max_duration_s:
        return f"rehearsal: the migrations took {r.total_ms / 1000:.1f} s; limit --max-duration-s {max_duration_s:g}"
    return None
