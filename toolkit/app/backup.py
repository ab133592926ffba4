"""Use cases of the backup area: backup, verify-backup, list-backups (these change no database:
never a confirmation) and restore (writes, so a protected environment is confirmed through
`confirm`). The service is toolkit.backup.

backup(settings) -> TakenBackup             pg_dump streamed into S3 with a manifest, checked
backup_targets(config, env_name) -> list    the variables holding every database URL of an environment
verify_backup(settings) -> VerifiedBackup   basic, deep or restore-test; recorded in the manifest
list_backups(settings) -> tuple[BackupEntry, ...]   from the manifests, newest first
restore(settings, confirm) -> RestoreResult the database replaced by a backup, in one transaction

I/O: the environment's database (read by pg_dump; replaced by restore), S3 (objects and manifests),
a scratch server for a restore test. Byte counters go to stderr unless `quiet`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import msgspec

from toolkit.app.deploy import Confirm, refuse
from toolkit.backup.manifest import Manifest
from toolkit.backup.restore import RestoreResult
from toolkit.config import Config
from toolkit.errors import UsageError

__all__ = ["BackupEntry", "ListBackupsSettings", "RestoreResult", "RestoreSettings", "TakeBackupSettings",
           "TakenBackup", "VerifiedBackup", "VerifyBackupSettings", "backup", "backup_targets", "list_backups",
           "restore", "verify_backup"]


# -- backup ----------------------------------------------------------------------------------------

class TakeBackupSettings(msgspec.Struct, frozen=True):
    config: Config
    env_name: str
    database_url: str | None = None  # override; else DATABASE_URL_<ENV>, then DATABASE_URL
    url_var: str | None = None  # instead: the database whose URL is in this environment variable
    bucket: str | None = None  # default: $BACKUP_S3_BUCKET, else [backup] bucket
    prefix: str | None = None  # default: $BACKUP_S3_PREFIX, [backup] prefix, else migrate-action
    quiet: bool = False  # no byte counters on stderr


class TakenBackup(msgspec.Struct, frozen=True):
    """A backup that passed its checks (pg_dump exit 0, S3 size and SHA-256 as streamed)."""

    uri: str
    manifest_uri: str
    verified: bool
    environment: str
    database: str
    size_bytes: int
    dump_bytes: int
    sha256: str
    newest_migration: str | None
    started_at: str
    duration_s: float
    tables: int  # how many tables the dump holds

    def as_json(self) -> dict[str, Any]:
        """What `backup --format json` prints."""
        return {"uri": self.uri, "manifest_uri": self.manifest_uri, "verified": self.verified,
                "environment": self.environment, "database": self.database, "size_bytes": self.size_bytes,
                "dump_bytes": self.dump_bytes, "sha256": self.sha256, "newest_migration": self.newest_migration,
                "started_at": self.started_at, "duration_s": self.duration_s}


def backup_targets(config: Config, env_name: str) -> list[str]:
    """Names of the environment variables holding the URLs of every database of the environment:
    the one its URL resolves from (config's Environment.database_url), then its extra_url_envs."""
    env = config.environment(env_name)
    env.database_url()  # its one-line error when there is no URL
    return [env.database_url_var(), *env.extra_url_envs]


def _backup_url(settings: TakeBackupSettings) -> str:
    env = settings.config.environment(settings.env_name)
    if not settings.url_var:
        return env.database_url(settings.database_url)
    if settings.database_url:
        raise UsageError("--url-var and --database-url are exclusive")
    url = os.environ.get(settings.url_var)
    if not url:
        raise UsageError(f"environment variable {settings.url_var} is not set (or empty)")
    return url


def backup(settings: TakeBackupSettings) -> TakenBackup:
    """Reads only; raises a ToolkitError (and leaves nothing behind in S3) when any check fails."""
    from toolkit.backup.take import take_backup

    env = settings.config.environment(settings.env_name)
    result = take_backup(settings.config, env, _backup_url(settings), bucket=settings.bucket,
                         prefix=settings.prefix, progress=not settings.quiet)
    m = result.manifest
    return TakenBackup(uri=result.uri, manifest_uri=result.manifest_uri, verified=result.verified,
                       environment=m.environment, database=m.database.name or "", size_bytes=m.size_bytes,
                       dump_bytes=m.dump_bytes, sha256=m.sha256, newest_migration=m.newest_migration,
                       started_at=m.started_at, duration_s=m.duration_s or 0.0, tables=len(m.tables))


# -- verify-backup ---------------------------------------------------------------------------------

class VerifyBackupSettings(msgspec.Struct, frozen=True):
    config: Config
    uri: str  # s3://bucket/key of the dump or of its manifest
    deep: bool = False  # read the object back: SHA-256, full decompression, pg_restore --list
    restore_test: bool = False  # also restore into a scratch database and compare row counts
    scratch_url: str | None = None  # for restore_test: a server where a temporary database may be created
    record: bool = True  # write the result into the manifest
    quiet: bool = False


class VerifiedBackup(msgspec.Struct, frozen=True):
    uri: str
    verified: bool
    level: str  # basic | deep | restore-test
    checks: Mapping[str, bool]  # check -> passed, in the order run
    problems: tuple[str, ...]
    recorded: bool  # the result was written into the manifest
    not_checked: str | None  # what this level leaves unproven, said plainly
    scratch_cleaned: tuple[str, ...]  # leftover scratch databases of killed runs, dropped

    @property
    def error(self) -> str | None:
        return "; ".join(self.problems) if self.problems else None

    def as_json(self) -> dict[str, Any]:
        """What `verify-backup --format json` prints."""
        return {"uri": self.uri, "verified": self.verified, "level": self.level, "checks": dict(self.checks),
                "problems": list(self.problems), "recorded": self.recorded, "not_checked": self.not_checked,
                "scratch_cleaned": list(self.scratch_cleaned)}


def verify_backup(settings: VerifyBackupSettings) -> VerifiedBackup:
    """The verdict is returned, failed or not (result.verified); a backup that cannot be read raises."""
    from toolkit.backup.verify import verify_backup as run

    r = run(settings.config, settings.uri, deep=settings.deep, restore_test=settings.restore_test,
            scratch_url=settings.scratch_url, progress=not settings.quiet, record=settings.record)
    return VerifiedBackup(uri=r.uri, verified=r.verified, level=r.level, checks=dict(r.checks),
                          problems=tuple(r.problems), recorded=r.recorded, not_checked=r.not_checked,
                          scratch_cleaned=tuple(r.scratch_cleaned))


# -- list-backups ----------------------------------------------------------------------------------

class ListBackupsSettings(msgspec.Struct, frozen=True):
    config: Config
    env_name: str
    database: str | None = None  # only this database
    limit: int = 20
    bucket: str | None = None
    prefix: str | None = None


class BackupEntry(msgspec.Struct, frozen=True):
    """One backup, from its manifest."""

    uri: str
    manifest_uri: str | None
    environment: str
    database: str | None
    started_at: str
    finished_at: str | None
    size_bytes: int
    dump_bytes: int | None
    sha256: str | None
    newest_migration: str | None
    verification: Mapping[str, Any] | None  # verified, level, at, checks, error
    git: Mapping[str, str] | None
    tables: int

    @property
    def verified(self) -> bool:
        return bool((self.verification or {}).get("verified"))

    def as_json(self) -> dict[str, Any]:
        """What `list-backups --format json` prints for it."""
        return {"uri": self.uri, "manifest_uri": self.manifest_uri, "environment": self.environment,
                "started_at": self.started_at, "finished_at": self.finished_at, "size_bytes": self.size_bytes,
                "dump_bytes": self.dump_bytes, "sha256": self.sha256, "newest_migration": self.newest_migration,
                "verification": self.verification, "git": self.git,
                "database": self.database, "tables": self.tables}


def _entry(m: Manifest) -> BackupEntry:
    return BackupEntry(uri=m.uri, manifest_uri=m.manifest_uri, environment=m.environment, database=m.database.name,
                       started_at=m.started_at, finished_at=m.finished_at, size_bytes=m.size_bytes,
                       dump_bytes=m.dump_bytes, sha256=m.sha256, newest_migration=m.newest_migration,
                       verification=m.verification.to_json(), git=dict(m.git), tables=len(m.tables))


def list_backups(settings: ListBackupsSettings) -> tuple[BackupEntry, ...]:
    """Newest first, at most settings.limit."""
    from toolkit.backup.listing import list_backups as run

    settings.config.environment(settings.env_name)  # an unknown environment is a usage error, as everywhere
    manifests = run(settings.config, settings.env_name, database=settings.database, bucket=settings.bucket,
                    prefix=settings.prefix, limit=settings.limit)
    return tuple(_entry(m) for m in manifests)


# -- restore ---------------------------------------------------------------------------------------

class RestoreSettings(msgspec.Struct, frozen=True):
    config: Config
    env_name: str
    uri: str  # the backup, s3://bucket/key
    database_url: str | None = None  # override; else DATABASE_URL_<ENV>, then DATABASE_URL
    from_other_database: str | None = None  # ENV/DATABASE: restore a backup of another database (named exactly)
    quiet: bool = False


def restore(settings: RestoreSettings, confirm: Confirm = refuse) -> RestoreResult:
    """Checked first (the manifest, that the backup is of this database), then confirmed on a
    protected environment, then restored in one transaction. Row counts that differ from the
    backup's are returned (result.ok is False); any other failure raises and changes nothing."""
    from toolkit.backup.restore import preflight, restore_backup

    config = settings.config
    env = config.environment(settings.env_name)
    url = env.database_url(settings.database_url)
    what = preflight(config, env, url, settings.uri, from_other_database=settings.from_other_database)
    if env.confirm:
        confirm(env.name, what)
    return restore_backup(config, env, url, settings.uri, progress=not settings.quiet,
                          from_other_database=settings.from_other_database)
