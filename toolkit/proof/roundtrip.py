"""Rollback round trips on a throwaway database, migration by migration, with the engine itself:

    snapshot S0 -> apply -> S1 -> rollback -> S2 (must equal S0) -> apply again -> S3 (must equal S1)

A difference is shown as catalog lines ("index public.users_email_idx: removed"), not as "the steps
ran". A migration that runs statement by statement is also stopped after each of its statements but
the last (recorded failed, as a killed runner leaves it), resolved as the operator would (`mark --as
pending`) and re-run: the result must equal S1, or a re-run after a crash would not converge.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import msgspec
import psycopg

from toolkit.config import EngineSettings
from toolkit.errors import ToolkitError
from toolkit.migrations import tracking
from toolkit.migrations.files import MigrationFile
from toolkit.migrations.runner import Engine, Step, load_down, load_up
from toolkit.proof.safety import SafetyClass, classify_files
from toolkit.trace.catalog import Catalog, Difference, diff, snapshot

PROVED = "proved"
FAILED = "failed"
NO_ROLLBACK = "no-rollback"  # nothing to prove: forward-only
APPLIED_ONLY = "applied-only"  # before --start-at: applied to build the schema, not proved
NOT_REACHED = "not-reached"  # an earlier migration left the database in a state nothing can build on


class Interruption(msgspec.Struct, frozen=True):
    after_statement: int  # the run stopped after this many statements
    converged: bool
    differences: tuple[str, ...] = ()
    error: str | None = None


class MigrationProof(msgspec.Struct, frozen=True):
    name: str
    status: str  # PROVED | FAILED | NO_ROLLBACK | APPLIED_ONLY | NOT_REACHED
    safety: SafetyClass | None
    phase: str | None = None  # where it failed: apply | rollback | round-trip | re-apply | interrupted re-run
    error: str | None = None
    rollback_differences: tuple[str, ...] = ()  # S0 vs S2: "before -> after rollback"
    reapply_differences: tuple[str, ...] = ()  # S1 vs S3: "first apply -> second apply"
    interruptions: tuple[Interruption, ...] = ()
    transactional: bool = True
    ms: int = 0

    @property
    def proved(self) -> bool | None:
        """True proved, False disproved, None nothing proved (no rollback, or not run)."""
        return {PROVED: True, FAILED: False}.get(self.status)

    def to_dict(self) -> dict:
        return {"name": self.name, "status": self.status, "proved": self.proved,
                "safety_class": self.safety.name if self.safety else None,
                "safety_reason": self.safety.reason if self.safety else None, "phase": self.phase,
                "error": self.error, "rollback_differences": list(self.rollback_differences),
                "reapply_differences": list(self.reapply_differences),
                "interruptions": [msgspec.structs.asdict(i) | {"differences": list(i.differences)}
                                  for i in self.interruptions],
                "transactional": self.transactional, "ms": self.ms}


def _lines(differences: Sequence[Difference]) -> tuple[str, ...]:
    return tuple(d.describe() for d in differences)


def _error(exc: BaseException) -> str:
    if isinstance(exc, ToolkitError):
        return exc.message + (f" ({exc.hint})" if exc.hint else "")
    if isinstance(exc, psycopg.Error):
        return (exc.diag.message_primary or str(exc)).strip().splitlines()[0]
    return str(exc) or type(exc).__name__


class RoundTrip:
    """Proves the migrations of one throwaway database, in order (the database must start empty of them)."""

    def __init__(self, conn: psycopg.Connection, settings: EngineSettings, *, interrupt: bool = True,
                 progress: Callable[[str], None] = lambda _: None) -> None:
        self.conn = conn
        self.table = settings.table
        # Scratch database: nobody else waits on its locks, so no retry pauses are needed.
        self.engine = Engine(conn, settings, lambda _: None)
        self.interrupt = interrupt
        self.progress = progress
        tracking.ensure_table(conn, self.table)

    def snap(self) -> Catalog:
        return snapshot(self.conn, exclude_tables=(self.table, self.table.rsplit(".", 1)[-1]))

    def apply_only(self, f: MigrationFile) -> MigrationProof:
        step = load_up(f)
        self.engine.apply(f, step)
        return MigrationProof(f.name, APPLIED_ONLY, None, transactional=step.transactional)

    def prove(self, f: MigrationFile) -> tuple[MigrationProof, bool]:
        """The proof of one migration, and whether later migrations can still build on the database."""
        t0 = time.monotonic()
        up = load_up(f)
        down = load_down(f)

        def result(status: str, **kw) -> MigrationProof:
            return MigrationProof(f.name, status, transactional=up.transactional,
                                  ms=int((time.monotonic() - t0) * 1000), **kw)

        s0 = self.snap()
        try:
            self.engine.apply(f, up)
        except (ToolkitError, psycopg.Error) as exc:
            static = classify_files(up.parsed, down.parsed if down else None)
            return result(FAILED, safety=static, phase="apply", error=_error(exc)), False
        s1 = self.snap()
        up_diff = diff(s0, s1)
        if down is None or not down.statements:
            return result(NO_ROLLBACK, safety=classify_files(up.parsed, down.parsed if down else None,
                                                             up_diff=up_diff)), True
        try:
            self.engine.rollback(f, down)
        except (ToolkitError, psycopg.Error) as exc:
            safety = classify_files(up.parsed, down.parsed, up_diff=up_diff)
            # A transactional rollback that failed left the migration applied (S1): later ones can go on.
            return result(FAILED, safety=safety, phase="rollback", error=_error(exc)), down.transactional
        s2 = self.snap()
        down_diff = diff(s1, s2)
        safety = classify_files(up.parsed, down.parsed, up_diff=up_diff, down_diff=down_diff)
        left = _lines(diff(s0, s2))
        try:
            self.engine.apply(f, up)
        except (ToolkitError, psycopg.Error) as exc:
            return result(FAILED, safety=safety, phase="round-trip" if left else "re-apply",
                          rollback_differences=left, error=f"applying it again after the rollback failed: "
                                                             f"{_error(exc)}"), False
        again = _lines(diff(s1, self.snap()))
        if left or again:
            return result(FAILED, safety=safety, phase="round-trip" if left else "re-apply",
                          rollback_differences=left, reapply_differences=again), True
        interruptions: tuple[Interruption, ...] = ()
        if self.interrupt and not up.transactional and len(up.statements) > 1:
            interruptions, ok = self._interrupted_reruns(f, up, down, s1)
            if not ok:
                return result(FAILED, safety=safety, phase="interrupted re-run", interruptions=interruptions), False
            if not all(i.converged for i in interruptions):
                return result(FAILED, safety=safety, phase="interrupted re-run", interruptions=interruptions), True
        return result(PROVED, safety=safety, interruptions=interruptions), True

    def _interrupted_reruns(self, f: MigrationFile, up: Step, down: Step, s1: Catalog
                            ) -> tuple[tuple[Interruption, ...], bool]:
        """Stop the statement-by-statement run after statement k (k = 1 .. n-1), as a killed runner
        would leave it, then resolve and re-run it; each must end equal to a clean apply (s1)."""
        out = []
        total = len(up.statements)
        for k in range(1, total):
            self.engine.rollback(f, down)
            tracking.insert_row(self.conn, self.table, f.name, f.checksum, status="running")
            for st in up.statements[:k]:
                self.conn.execute(st.text, prepare=False)
            tracking.finish_row(self.conn, self.table, f.name, status="failed", failed_statement=k + 1,
                                error="stopped by verify-rollbacks")
            # The operator's resolution (resolve_hint): `mark --as pending`, then migrate again.
            tracking.delete_row(self.conn, self.table, f.name)
            try:
                self.engine.apply(f, up)
            except (ToolkitError, psycopg.Error) as exc:
                out.append(Interruption(k, False, error=_error(exc)))
                return tuple(out), False
            lines = _lines(diff(s1, self.snap()))
            out.append(Interruption(k, not lines, lines))
        return tuple(out), True


def prove_all(conn: psycopg.Connection, files: Sequence[MigrationFile], settings: EngineSettings, *,
              start_at: str | None = None, interrupt: bool = True,
              progress: Callable[[str], None] = lambda _: None) -> list[MigrationProof]:
    """Every migration in order on an empty throwaway database: those before start_at are only
    applied, the others proved. After a failure that leaves the schema unusable the rest are
    NOT_REACHED (with their static safety class)."""
    rt = RoundTrip(conn, settings, interrupt=interrupt, progress=progress)
    out: list[MigrationProof] = []
    usable = True
    for i, f in enumerate(files, 1):
        if not usable:
            out.append(_not_reached(f))
            continue
        if start_at and f.name < start_at:
            progress(f"[{i}/{len(files)}] {f.name}: applying (before --start-at)")
            try:
                out.append(rt.apply_only(f))
            except (ToolkitError, psycopg.Error) as exc:
                out.append(MigrationProof(f.name, FAILED, None, phase="apply", error=_error(exc)))
                usable = False
            continue
        progress(f"[{i}/{len(files)}] {f.name}: apply, roll back, apply again ...")
        proof, usable = rt.prove(f)
        progress(f"[{i}/{len(files)}] {f.name}: {proof.status}" + (f" ({proof.phase})" if proof.phase else ""))
        out.append(proof)
    return out


def _not_reached(f: MigrationFile) -> MigrationProof:
    up = load_up(f)
    down = load_down(f)
    return MigrationProof(f.name, NOT_REACHED, classify_files(up.parsed, down.parsed if down else None),
                          error="not reached: an earlier migration failed", transactional=up.transactional)

