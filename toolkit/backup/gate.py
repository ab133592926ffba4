"""The production backup gate: `migrate` on an environment with require_backup starts only if a
verified backup of that database exists that is fresh enough (env.backup_max_age_min) and was
taken at the database's current newest migration. No database access: the manifest decides,
then the object's bytes are read back and hashed (streamed, no temporary file), because S3's
stored size and checksum (a HEAD) say nothing about a byte rotted on the storage server's disk.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg

from toolkit.config import Config, Environment
from toolkit.errors import ToolkitError

# How many of the newest manifests are looked at; older ones are too old anyway in practice.
LOOK_BACK = 20


def _database_name(url: str) -> str:
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error:
        info = {}
    return str(info.get("dbname") or info.get("user") or "")


def require_verified_backup(config: Config, env: Environment, database_url: str,
                            current_migration: str | None) -> str:
    """The s3:// URI of a fresh verified backup of this database; ToolkitError if there is none."""
    hint = (f"take one first: `migration_manager.py backup --env {env.name}` "
            f"(or ./scripts/database/backup-databases.sh), then run migrate again")
    if not config.backup.bucket:
        raise ToolkitError(f"'{env.name}' requires a verified backup before migrating, and no backup bucket is "
                           "configured", hint="set BACKUP_S3_BUCKET (or [backup] bucket), then " + hint)
    from toolkit.backup.listing import newest_manifests
    from toolkit.backup.manifest import folder, format_age, judge_for_gate
    from toolkit.backup.s3 import S3Uri, make_client, s3_errors
    from toolkit.backup.stream import hash_object

    database = _database_name(database_url)
    client = make_client(config.backup)
    manifests = newest_manifests(client, config.backup.bucket, folder(config.backup.prefix, env.name, database),
                                 limit=LOOK_BACK)
    now = datetime.now(UTC)
    max_age = timedelta(minutes=env.backup_max_age_min)
    reasons: list[str] = []
    for manifest in manifests:
        reason = judge_for_gate(manifest, environment=env.name, database=database, now=now, max_age=max_age,
                                current_migration=current_migration)
        if reason is None:
            # The manifest says so; make sure the object is still there, unchanged.
            bucket, _, key = manifest.uri[len("s3://"):].partition("/")
            with s3_errors(f"check {manifest.uri}", bucket=bucket, key=key):
                head = client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
            remote = head.get("ChecksumSHA256")
            expected = manifest.s3_checksum_value
            if head.get("ContentLength") != manifest.size_bytes or \
                    remote not in (expected, (expected or "").rsplit("-", 1)[0]):
                reason = "the object no longer matches its manifest"
            else:
                try:
                    sha, size = hash_object(client, S3Uri(bucket, key))
                except ToolkitError as exc:
                    sha, size = None, None
                    reason = f"its bytes could not be read back ({exc.message})"
                if sha == manifest.sha256 and size == manifest.size_bytes:
                    return manifest.uri
                if sha is not None:
                    reason = f"its bytes no longer hash to the manifest's SHA-256 ({size} bytes read)"
        reasons.append(f"{manifest.uri}: {reason}")
    limit = format_age(max_age)
    if not reasons:
        raise ToolkitError(f"no backup of {env.name} database '{database}' found under "
                           f"s3://{config.backup.bucket}/{folder(config.backup.prefix, env.name, database)}; "
                           f"'{env.name}' needs a verified backup newer than {limit} before migrating", hint=hint)
    raise ToolkitError(f"no verified backup of {env.name} database '{database}' newer than {limit} at migration "
                       f"{current_migration or '(none)'}: newest {reasons[0]}", hint=hint)
