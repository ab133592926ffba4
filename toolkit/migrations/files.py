"""Migration files on disk: discovery, checksums, and `create`."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from toolkit.config import MIGRATION_RE
from toolkit.errors import ToolkitError, UsageError

NAME_RE = re.compile(r"^[a-z0-9_]+$")
ROLLBACK_SUFFIX = "_rollback.sql"


def normalize(data: bytes) -> bytes:
    """The bytes a checksum is taken over: no BOM, LF line endings.

    Converting a file between CRLF and LF (git's autocrlf, an editor) must not look like an edit;
    false mismatches are the most reported checksum complaint against Flyway.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def checksum_bytes(data: bytes) -> str:
    return hashlib.sha256(normalize(data)).hexdigest()


def legacy_checksums(data: bytes) -> set[str]:
    """Checksums older tools may have stored for the same file (raw sha256 and md5).

    Teams migrating from the runbook's old script keep their history: a row whose checksum is the
    raw file's sha256 or md5 still counts as matching.
    """
    return {hashlib.sha256(data).hexdigest(), hashlib.md5(data, usedforsecurity=False).hexdigest()}


@dataclass(frozen=True)
class MigrationFile:
    name: str  # "20241227_120000_add_user_preferences"
    path: Path
    rollback_path: Path | None
    _data: bytes | None = field(default=None, repr=False, compare=False)
    _checksum: str | None = field(default=None, repr=False, compare=False)

    @property
    def version(self) -> str:
        return self.name[:15]

    def read_bytes(self) -> bytes:
        # Read once: status, the plan and the runner all ask for the bytes or the checksum.
        if self._data is None:
            object.__setattr__(self, "_data", self.path.read_bytes())
        return self._data

    def read_text(self) -> str:
        return normalize(self.read_bytes()).decode("utf-8")

    @property
    def checksum(self) -> str:
        if self._checksum is None:
            object.__setattr__(self, "_checksum", checksum_bytes(self.read_bytes()))
        return self._checksum

    def matches(self, stored: str | None) -> bool:
        if not stored:
            return True  # rows from tools that stored no checksum cannot be compared
        data = self.read_bytes()
        return stored == checksum_bytes(data) or stored in legacy_checksums(data)

    def read_rollback(self) -> str | None:
        if self.rollback_path is None:
            return None
        return normalize(self.rollback_path.read_bytes()).decode("utf-8")


def discover(directory: Path) -> list[MigrationFile]:
    """All migrations in `directory`, in name (= time) order. Rollback files pair with their up file."""
    if not directory.is_dir():
        raise UsageError(
            f"migrations directory not found: {directory}",
            hint="pass --dir, set MIGRATIONS_DIR, or run from a folder that has ./migrations",
        )
    names = {p.name for p in directory.iterdir() if p.is_file()}
    found = []
    for filename in sorted(names):
        if filename.endswith(ROLLBACK_SUFFIX) or not MIGRATION_RE.match(filename):
            continue
        stem = filename[:-4]
        rb = stem + ROLLBACK_SUFFIX
        found.append(MigrationFile(stem, directory / filename, directory / rb if rb in names else None))
    return found


UP_TEMPLATE = """-- Migration: {name}
-- Created: {date}
-- Description: TODO describe what this migration changes and why

BEGIN;

-- Write the schema change here. Keep it backward compatible: add columns as NULL first,
-- backfill in batches, then add NOT NULL; create indexes CONCURRENTLY (in a migration of their own,
-- without BEGIN/COMMIT).

COMMIT;
"""

DOWN_TEMPLATE = """-- Rollback: {name}
-- Created: {date}

BEGIN;

-- Undo exactly what {stem}.sql did, newest change first.

COMMIT;
"""


def create(directory: Path, name: str, *, now: datetime | None = None) -> tuple[Path, Path]:
    """Write the migration and rollback skeletons the runbook shows; refuse a name already used."""
    if not NAME_RE.match(name):
        raise UsageError(f"invalid migration name '{name}': use lowercase letters, digits and underscores "
                         "(e.g. add_user_preferences)")
    if not directory.is_dir():
        raise UsageError(f"migrations directory not found: {directory}",
                         hint="create it first, or pass --dir / set MIGRATIONS_DIR")
    for existing in discover(directory):
        if existing.name[16:] == name:
            raise ToolkitError(f"a migration named '{name}' already exists: {existing.path.name}")
    now = now or datetime.now(UTC)
    stem = f"{now:%Y%m%d_%H%M%S}_{name}"
    up, down = directory / f"{stem}.sql", directory / f"{stem}{ROLLBACK_SUFFIX}"
    if up.exists() or down.exists():
        raise ToolkitError(f"{up.name} already exists; wait a second and try again")
    values = {"name": name, "date": f"{now:%Y-%m-%d}", "stem": stem}
    up.write_text(UP_TEMPLATE.format(**values), encoding="utf-8")
    down.write_text(DOWN_TEMPLATE.format(**values), encoding="utf-8")
    return up, down
