"""Migration files on disk: discovery, checksums, and `create`."""

from __future__ import annotations

import codecs
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from toolkit.config import MIGRATION_RE
from toolkit.errors import ToolkitError, UsageError

NAME_RE = re.compile(r"^[a-z0-9_]+$")
ROLLBACK_SUFFIX = "_rollback.sql"
# File names are at most 255 bytes on every common file system; the rollback's is the longest.
MAX_NAME = 255 - len("YYYYMMDD_HHMMSS_") - len(ROLLBACK_SUFFIX)


def normalize(data: bytes) -> bytes:
    """The bytes a checksum is taken over: no BOM, LF line endings.

    Converting a file between CRLF and LF (git's autocrlf, an editor) must not look like an edit;
    false mismatches are the most reported checksum complaint against Flyway.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def checksum_bytes(data: bytes) -> str:
    import hashlib  # OpenSSL's module costs 4 ms to load: lint never takes a checksum

    return hashlib.sha256(normalize(data)).hexdigest()


def legacy_checksums(data: bytes) -> set[str]:
    """Checksums older tools may have stored for the same file (raw sha256 and md5).

    Teams migrating from the runbook's old script keep their history: a row whose checksum is the
    raw file's sha256 or md5 still counts as matching.
    """
    import hashlib

    return {hashlib.sha256(data).hexdigest(), hashlib.md5(data, usedforsecurity=False).hexdigest()}


def check_text_bytes(data: bytes, path: Path | str) -> None:
    """Refuse bytes that are not UTF-8 text (a UTF-8 BOM is fine) or that hold a NUL.

    PostgreSQL's parser stops at a NUL, so everything after one would silently never run; a UTF-16
    file is full of them. The check streams through the bytes, so a 50 MB file costs no copy.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UsageError(f"{path}: UTF-16 text (byte-order mark {data[:2].hex(' ').upper()} at byte offset 0), "
                         "not UTF-8", hint="save the file as UTF-8")
    nul = data.find(b"\0")
    if nul >= 0:
        head = data[:64]
        utf16 = len(head) >= 4 and head.count(0) * 3 >= len(head)
        raise UsageError(f"{path}: NUL byte at byte offset {nul}"
                         + ("; it looks like UTF-16 text without a byte-order mark" if utf16 else ""),
                         hint="save the file as UTF-8" if utf16 else "remove the NUL byte: "
                         "PostgreSQL would ignore everything after it")
    chunk = 1 << 20
    if len(data) <= chunk:  # most files: one decode, no incremental decoder to set up
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UsageError(f"{path}: not valid UTF-8 at byte offset {exc.start} ({exc.reason})",
                             hint="save the file as UTF-8") from None
        return
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    for pos in range(0, len(data) or 1, chunk):
        try:
            decoder.decode(view[pos:pos + chunk], final=pos + chunk >= len(data))
        except UnicodeDecodeError as exc:
            raise UsageError(f"{path}: not valid UTF-8 at byte offset {pos + exc.start} ({exc.reason})",
                             hint="save the file as UTF-8") from None


def read_checked(path: Path) -> bytes:
    """A migration's bytes, refused with one line when unreadable or not UTF-8 text."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    check_text_bytes(data, path)
    return data


@dataclass(frozen=True)
class MigrationFile:
    name: str  # "20241227_120000_add_user_preferences"
    path: Path
    rollback_path: Path | None
    _data: bytes | None = field(default=None, repr=False, compare=False)
    _checksum: str | None = field(default=None, repr=False, compare=False)
    _rollback_data: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def version(self) -> str:
        return self.name[:15]

    def read_bytes(self) -> bytes:
        # Read once: status, the plan and the runner all ask for the bytes or the checksum.
        if self._data is None:
            object.__setattr__(self, "_data", read_checked(self.path))
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

    def read_rollback_bytes(self) -> bytes | None:
        """The rollback file's bytes (checked like the up file's), read once."""
        if self.rollback_path is None:
            return None
        if self._rollback_data is None:
            object.__setattr__(self, "_rollback_data", read_checked(self.rollback_path))
        return self._rollback_data

    def read_rollback(self) -> str | None:
        data = self.read_rollback_bytes()
        return None if data is None else normalize(data).decode("utf-8")


def suggest_name(filename: str) -> str | None:
    """The YYYYMMDD_HHMMSS_name.sql spelling of a misnamed file, when it can be guessed."""
    stem = filename[:-4] if filename.lower().endswith(".sql") else filename
    m = re.match(r"^(\d{8})[_\- ]?(\d{4}|\d{6})[_\- ]+(.+)$", stem)
    if not m:
        return None
    date, time, rest = m.groups()
    slug = unicodedata.normalize("NFKD", rest).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "_", slug).strip("_")
    guess = f"{date}_{time.ljust(6, '0')}_{slug}.sql"
    return guess if slug and guess != filename and MIGRATION_RE.match(guess) else None


def stray_files(names: set[str]) -> list[str]:
    """The .sql files (any case) in a migrations folder that no command would run: a misnamed
    migration, or a rollback without its up file. Other files (README.md, ...) are fine."""
    strays = []
    for filename in sorted(names):
        if not filename.lower().endswith(".sql"):
            continue
        if filename.endswith(ROLLBACK_SUFFIX):
            up = filename[: -len(ROLLBACK_SUFFIX)] + ".sql"
            if MIGRATION_RE.match(up) and up in names:
                continue
        elif MIGRATION_RE.match(filename):
            continue
        strays.append(filename)
    return strays


def _stray_error(directory: Path, strays: list[str], names: set[str]) -> UsageError:
    parts = []
    for filename in strays:
        if filename.endswith(ROLLBACK_SUFFIX) and MIGRATION_RE.match(filename[: -len(ROLLBACK_SUFFIX)] + ".sql"):
            parts.append(f"{filename} (a rollback without {filename[: -len(ROLLBACK_SUFFIX)]}.sql)")
            continue
        guess = suggest_name(filename)
        parts.append(f"{filename} (rename to {guess})" if guess else filename)
    return UsageError(f"{directory}: {len(strays)} .sql file(s) not named YYYYMMDD_HHMMSS_name.sql: "
                      + ", ".join(parts),
                      hint="every command would skip them; rename, or move them out of the migrations folder")


def discover(directory: Path) -> list[MigrationFile]:
    """All migrations in `directory`, in name (= time) order. Rollback files pair with their up file.

    Every command sees this one set, so a stray .sql file (misnamed, or a rollback without its
    migration) is an error rather than something some commands skip and others run; and every
    file is checked to be UTF-8 text before anything runs.
    """
    if not directory.is_dir():
        raise UsageError(
            f"migrations directory not found: {directory}",
            hint="pass --dir, set MIGRATIONS_DIR, or run from a folder that has ./migrations",
        )
    try:
        # scandir: the entry's type comes with the listing, no stat per file
        with os.scandir(directory) as entries:
            names = {e.name for e in entries if e.is_file()}
    except OSError as exc:
        raise UsageError(f"cannot read migrations directory {directory}: {exc.strerror or exc}") from None
    strays = stray_files(names)
    if strays:
        raise _stray_error(directory, strays, names)
    found = []
    for filename in sorted(names):
        if filename.endswith(ROLLBACK_SUFFIX) or not MIGRATION_RE.match(filename):
            continue
        stem = filename[:-4]
        rb = stem + ROLLBACK_SUFFIX
        f = MigrationFile(stem, directory / filename, directory / rb if rb in names else None)
        # Read once here (kept for later): refuses unreadable or non-UTF-8 files before anything runs.
        f.read_bytes()
        f.read_rollback_bytes()
        found.append(f)
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
    if len(name) > MAX_NAME:
        raise UsageError(f"migration name is {len(name)} characters; at most {MAX_NAME} fit, since file names are "
                         f"limited to 255 bytes (YYYYMMDD_HHMMSS_<name>{ROLLBACK_SUFFIX})")
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
