"""Use case: prove every migration's rollback on a throwaway database (no secrets: runs for forks).

verify_rollbacks(settings) -> VerifyResult; rollback_info(...) gives the plan its Rollback column
("proved" / "static only") and each migration's safety class.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import msgspec

from toolkit.config import EngineSettings
from toolkit.errors import UsageError
from toolkit.proof.roundtrip import (
    APPLIED_ONLY,
    FAILED,
    NO_ROLLBACK,
    NOT_REACHED,
    PROVED,
    MigrationProof,
    prove_all,
)


def _quiet(_: str) -> None:
    pass


class VerifySettings(msgspec.Struct, frozen=True):
    migrations_dir: Path
    engine: EngineSettings = msgspec.field(default_factory=EngineSettings)
    scratch_url: str | None = None  # a server to create the throwaway database on; None: embedded cluster
    start_at: str | None = None  # migrations before it are applied, not proved (e.g. the base branch's)
    interrupt: bool = True  # also stop statement-by-statement migrations between statements


class VerifyResult(msgspec.Struct, frozen=True):
    migrations: tuple[MigrationProof, ...]

    @property
    def failed(self) -> tuple[MigrationProof, ...]:
        return tuple(m for m in self.migrations if m.status == FAILED)

    @property
    def ok(self) -> bool:
        return not self.failed

    def count(self, status: str) -> int:
        return sum(1 for m in self.migrations if m.status == status)

    def summary(self) -> str:
        parts = [f"{self.count(PROVED)} proved", f"{self.count(FAILED)} failed"]
        for status, word in ((NO_ROLLBACK, "without rollback"), (APPLIED_ONLY, "applied only"),
                             (NOT_REACHED, "not reached")):
            if self.count(status):
                parts.append(f"{self.count(status)} {word}")
        return ", ".join(parts)

    def rollback_column(self) -> dict[str, dict]:
        return rollback_info(self.migrations)

    def to_dict(self) -> dict:
        return {"ok": self.ok, "summary": self.summary(), "migrations": [m.to_dict() for m in self.migrations]}


def verify_rollbacks(settings: VerifySettings, progress: Callable[[str], None] = _quiet) -> VerifyResult:
    from toolkit.db import connect
    from toolkit.migrations.files import discover
    from toolkit.proof.scratch import scratch_database

    files = discover(settings.migrations_dir)
    if settings.start_at and settings.start_at not in {f.name for f in files}:
        raise UsageError(f"--start-at {settings.start_at}: no such migration in {settings.migrations_dir}")
    if not files:
        return VerifyResult(())
    with scratch_database(settings.scratch_url, progress) as url, connect(url) as conn:
        proofs = prove_all(conn, files, settings.engine, start_at=settings.start_at,
                           interrupt=settings.interrupt, progress=progress)
    return VerifyResult(tuple(proofs))


def rollback_info(proofs: Iterable[MigrationProof]) -> dict[str, dict]:
    """Per migration: {"proved": True/False/None, "rollback": "proved" | "failed" | "static only",
    "safety_class": ...} for the plan's Rollback column."""
    out = {}
    for m in proofs:
        word = {True: "proved", False: "failed"}.get(m.proved, "static only")
        out[m.name] = {"proved": m.proved, "rollback": word,
                       "safety_class": m.safety.name if m.safety else None}
    return out
