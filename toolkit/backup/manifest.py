"""The backup manifest: a small JSON document stored next to each dump. Pure functions only
(building, reading, naming, judging); nothing here touches S3 or a database.

Layout in the bucket:
    <prefix>/<env>/<database>/<UTC time>-<random>.dump.zst        the dump (zstd over pg_dump -Fc -Z0)
    <prefix>/<env>/<database>/<UTC time>-<random>.manifest.json   this manifest
    <prefix>/<env>/<database>/restores/<UTC time>-<random>.json   one record per restore into it
The time stamp leads the name, so key order is time order.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

FORMAT = "migrate-action-backup"
VERSION = 1
MANIFEST_SUFFIX = ".manifest.json"
# compression method -> object suffix. gzip is pg_dump's own (-Z), so the object is a plain
# custom-format file that `pg_restore` reads without this toolkit.
SUFFIXES = {"zstd": ".dump.zst", "gzip": ".dump", "none": ".dump"}


def slug(name: str) -> str:
    """A key-safe form of an environment or database name."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) or "_"


def folder(prefix: str, env: str, database: str | None = None) -> str:
    parts = [p.strip("/") for p in (prefix, slug(env)) if p and p.strip("/")]
    if database is not None:
        parts.append(slug(database))
    return "/".join(parts) + "/"


def object_key(prefix: str, env: str, database: str, started: datetime, token: str, compression: str) -> str:
    stamp = started.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{folder(prefix, env, database)}{stamp}-{token}{SUFFIXES[compression]}"


def manifest_key(object_key: str) -> str:
    """The manifest next to a dump object (or the manifest key itself, given one)."""
    if object_key.endswith(MANIFEST_SUFFIX):
        return object_key
    for suffix in sorted(set(SUFFIXES.values()), key=len, reverse=True):
        if object_key.endswith(suffix):
            return object_key[: -len(suffix)] + MANIFEST_SUFFIX
    return object_key + MANIFEST_SUFFIX


def restore_record_key(prefix: str, env: str, database: str, when: datetime, token: str) -> str:
    stamp = when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{folder(prefix, env, database)}restores/{stamp}-{token}.json"


def composite_sha256(part_digests: Iterable[bytes]) -> str:
    """S3's checksum of a multipart object: base64(SHA-256 of the parts' SHA-256s) + "-<parts>"."""
    digests = list(part_digests)
    return base64.b64encode(hashlib.sha256(b"".join(digests)).digest()).decode() + f"-{len(digests)}"


def iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def ci_context(environ: Mapping[str, str]) -> dict[str, str]:
    """Who and what took the backup, from GitHub Actions' variables when present."""
    names = {"sha": "GITHUB_SHA", "ref": "GITHUB_REF", "repository": "GITHUB_REPOSITORY",
             "run_id": "GITHUB_RUN_ID", "run_attempt": "GITHUB_RUN_ATTEMPT", "actor": "GITHUB_ACTOR",
             "workflow": "GITHUB_WORKFLOW"}
    return {k: environ[v] for k, v in names.items() if environ.get(v)}


def build_manifest(*, uri: str, environment: str, database: Mapping[str, Any], pg_dump: Mapping[str, Any],
                   compression: Mapping[str, Any], newest_migration: str | None, migrations_table: str,
                   started: datetime, finished: datetime, dump_bytes: int, size_bytes: int, sha256: str,
                   s3_checksum: Mapping[str, Any], tables: Mapping[str, int], verification: Mapping[str, Any],
                   git: Mapping[str, str], toolkit_version: str, encryption: Mapping[str, str] | None = None
                   ) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "uri": uri,
        "environment": environment,
        "database": dict(database),
        "pg_dump": dict(pg_dump),
        "compression": dict(compression),
        "newest_migration": newest_migration,
        "migrations_table": migrations_table,
        "git": dict(git),
        "started_at": iso(started),
        "finished_at": iso(finished),
        "duration_s": round((finished - started).total_seconds(), 3),
        "dump_bytes": dump_bytes,
        "size_bytes": size_bytes,
        "sha256": sha256,
        "s3_checksum": dict(s3_checksum),
        "encryption": dict(encryption or {}),
        "tables": dict(sorted(tables.items())),
        "verification": dict(verification),
        "toolkit_version": toolkit_version,
    }


class ManifestError(ValueError):
    pass


_REQUIRED = {"uri": str, "environment": str, "database": dict, "compression": dict, "started_at": str,
             "finished_at": str, "size_bytes": int, "dump_bytes": int, "sha256": str, "s3_checksum": dict,
             "tables": dict, "verification": dict}


def check_manifest(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a manifest read from S3; raise ManifestError naming the first problem."""
    if data.get("format") != FORMAT:
        raise ManifestError("not a migrate-action backup manifest")
    if data.get("version") != VERSION:
        raise ManifestError(f"manifest version {data.get('version')!r} is not supported (expected {VERSION})")
    for key, typ in _REQUIRED.items():
        if not isinstance(data.get(key), typ):
            raise ManifestError(f"manifest field {key!r} is missing or not a {typ.__name__}")
    if data["compression"].get("method") not in SUFFIXES:
        raise ManifestError(f"unknown compression {data['compression'].get('method')!r}")
    try:
        parse_time(data["started_at"])
    except ValueError:
        raise ManifestError("manifest started_at is not an ISO time") from None
    return dict(data)


def with_verification(manifest: Mapping[str, Any], result: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest with a newer verification result; the previous one moves to `history`."""
    out = dict(manifest)
    history = list(out.get("verification_history") or [])
    if out.get("verification"):
        history.append(out["verification"])
    out["verification_history"] = history[-20:]
    out["verification"] = dict(result)
    return out


def is_verified(manifest: Mapping[str, Any]) -> bool:
    return bool((manifest.get("verification") or {}).get("verified"))


def judge_for_gate(manifest: Mapping[str, Any], *, environment: str, database: str, now: datetime,
                   max_age: timedelta, current_migration: str | None) -> str | None:
    """None if this backup may stand behind a migration now, else why not (one short phrase)."""
    if manifest.get("environment") != environment:
        return f"it is of environment {manifest.get('environment')!r}"
    if (manifest.get("database") or {}).get("name") != database:
        return f"it is of database {(manifest.get('database') or {}).get('name')!r}"
    if not is_verified(manifest):
        reason = (manifest.get("verification") or {}).get("error") or "not verified"
        return f"its verification failed ({reason})"
    age = now - parse_time(manifest["finished_at"])
    if age > max_age:
        return f"it is {format_age(age)} old (limit {format_age(max_age)})"
    if manifest.get("newest_migration") != current_migration:
        return (f"it was taken at migration {manifest.get('newest_migration') or '(none)'}, "
                f"the database is now at {current_migration or '(none)'}")
    return None


def source_name(manifest: Mapping[str, Any]) -> str:
    """`<environment>/<database>` of the backup: what --from-other-database must name."""
    return f"{manifest.get('environment')}/{(manifest.get('database') or {}).get('name')}"


def describe_database(environment: str, database: Mapping[str, Any]) -> str:
    """e.g. `production database 'app' (oid 16390, system 7412...)` for messages."""
    known = [f"oid {database['oid']}"] if database.get("oid") is not None else []
    if database.get("system_identifier"):
        known.append(f"system {database['system_identifier']}")
    return f"{environment} database '{database.get('name')}'" + (f" ({', '.join(known)})" if known else "")


def identity_mismatch(manifest: Mapping[str, Any], *, environment: str, database: Mapping[str, Any]) -> str | None:
    """None if the backup was taken of this very database, else what differs (one short phrase).

    `database` is the target's name, oid and system identifier (None when not readable). A
    manifest written before identities were recorded has no oid: it cannot prove anything."""
    source = manifest.get("database") or {}
    if source.get("oid") is None:
        return "the manifest predates source identities, so it cannot prove which database it is of"
    differs = []
    if manifest.get("environment") != environment:
        differs.append("environment")
    if source.get("name") != database.get("name"):
        differs.append("database name")
    if source.get("system_identifier") and database.get("system_identifier") \
            and source["system_identifier"] != database["system_identifier"]:
        differs.append("server (system identifier)")
    if source.get("oid") != database.get("oid"):
        differs.append("database oid")
    return f"{', '.join(differs)} differ{'s' if len(differs) == 1 else ''}" if differs else None


def format_age(delta: timedelta) -> str:
    s = int(delta.total_seconds())
    if s < 120:
        return f"{s} s"
    if s < 7200:
        return f"{s // 60} min"
    if s < 172800:
        return f"{s / 3600:.1f} h"
    return f"{s // 86400} days"


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"
