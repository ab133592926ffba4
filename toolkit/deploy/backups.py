"""The deploy's calls into the backup area (toolkit.backup), each returning a one-line detail for
the story. Kept here so the pipeline reads as steps and the backup API is used in one place."""

from __future__ import annotations

import msgspec

from toolkit.config import Config, Environment
from toolkit.errors import ToolkitError


class Taken(msgspec.Struct, frozen=True):
    uri: str
    detail: str


def _size(size_bytes: int) -> str:
    from toolkit.backup.manifest import human_bytes

    return human_bytes(size_bytes)


def take(config: Config, env: Environment, database_url: str) -> Taken:
    from toolkit.backup import take_backup

    result = take_backup(config, env, database_url, progress=False)
    m = result.manifest
    return Taken(result.uri, f"{result.uri} ({_size(m.size_bytes)}, {len(m.tables)} tables, SHA-256 checked)")


def verify(config: Config, env: Environment, database_url: str, uri: str) -> str:
    """Deep verification: the object is read back whole, hashed, decompressed, and its table of
    contents read by pg_restore; the result is recorded in the manifest."""
    from toolkit.backup import verify_backup

    result = verify_backup(config, uri, deep=True, progress=False)
    if not result.verified:
        raise ToolkitError(f"backup {uri} failed verification: {result.error}",
                           hint="nothing was migrated; check the bucket and run `verify-backup --deep`")
    passed = sum(1 for ok in result.checks.values() if ok)
    return f"{result.level}: {passed} checks passed (SHA-256, decompression, pg_restore --list)"


def restore(config: Config, env: Environment, database_url: str, uri: str) -> str:
    """The rollback's restore: never with from_other_database, so a backup of another database
    (another environment, name, oid or server) is refused here; only `restore` by hand can override."""
    from toolkit.backup import restore_backup

    result = restore_backup(config, env, database_url, uri, progress=False)
    if not result.ok:
        diffs = ", ".join(f"{t} ({a} != {b})" for t, (a, b) in sorted(result.mismatches.items())[:5])
        raise ToolkitError(f"restored {uri}, but row counts differ from the backup's: {diffs}")
    return (f"restored {uri} in {result.duration_s:.1f} s: {len(result.tables)} tables, newest migration "
            f"{result.newest_migration or 'none'}")
