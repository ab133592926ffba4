"""The backup manifest: a small JSON document stored next to each dump. Pure functions only
(building, reading, naming, judging); nothing here touches S3 or a database.

Layout in the bucket:
    <prefix>/<env>/<database>/<UTC time>-<random>.dump.zst        the dump (zstd over pg_dump -Fc -Z0)
    <prefix>/<env>/<database>/<UTC time>-<random>.manifest.json   this manifest
    <prefix>/<env>/<database>/restores/<UTC time>-<random>.json   one record per restore into it
The time stamp leads the name, so key order is time order.
"""

from __future__ import annotations

import abc
import base64
import copy
import functools
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from msgspec.structs import replace

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
    """The manifest document as written to S3 (`Manifest.from_json` reads it back, typed)."""
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


# -- the typed manifest --------------------------------------------------------------------------
# Every shape this toolkit has written is read: version 1 with or without the source identity
# (database oid and system identifier, added later), with or without a verification history.
# Keys this version does not know are kept (`more`) and written back, so rewriting a manifest
# (verify records its result) never loses what a newer toolkit put there.

_REQUIRED = {"uri": str, "environment": str, "database": dict, "compression": dict, "started_at": str,
             "finished_at": str, "size_bytes": int, "dump_bytes": int, "sha256": str, "s3_checksum": dict,
             "tables": dict, "verification": dict}


def _optional(data: Mapping[str, Any], key: str, typ: type | tuple[type, ...], where: str = "manifest") -> Any:
    value = data.get(key)
    if value is not None and (not isinstance(value, typ) or (isinstance(value, bool) and typ is int)):
        names = typ.__name__ if isinstance(typ, type) else " or ".join(t.__name__ for t in typ)
        raise ManifestError(f"{where} field {key!r} is not a {names}")
    return value


def _checked_document(data: bytes | str | Mapping[str, Any]) -> Mapping[str, Any]:
    """The manifest document, if it is one this version reads; else ManifestError naming the first problem."""
    if isinstance(data, (bytes, str)):
        try:
            data = json.loads(data)
        except ValueError:
            raise ManifestError("the manifest is not valid JSON") from None
    if not isinstance(data, Mapping):
        raise ManifestError("the manifest is not a JSON object")
    if data.get("format") != FORMAT:
        raise ManifestError("not a migrate-action backup manifest")
    if data.get("version") != VERSION:
        raise ManifestError(f"manifest version {data.get('version')!r} is not supported (expected {VERSION})")
    for key, typ in _REQUIRED.items():
        value = data.get(key)
        if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
            raise ManifestError(f"manifest field {key!r} is missing or not a {typ.__name__}")
    if data["compression"].get("method") not in SUFFIXES:
        raise ManifestError(f"unknown compression {data['compression'].get('method')!r}")
    try:
        parse_time(data["started_at"])
        parse_time(data["finished_at"])
    except ValueError:
        raise ManifestError("manifest started_at or finished_at is not an ISO time") from None
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in data["tables"].values()):
        raise ManifestError("manifest field 'tables' has a row count that is not an int")
    return data


class SourceDatabase(msgspec.Struct, frozen=True):
    """Which database a backup is of (or a restore goes into). oid and system_identifier are None
    when unknown: not readable by the role, or a manifest older than source identities."""

    name: str | None
    oid: int | None = None
    system_identifier: str | None = None
    more: Mapping[str, Any] = msgspec.field(default_factory=dict)  # host, port, server_version, size_bytes
    # Identity keys an older manifest did not have: left out again when it is rewritten.
    absent: frozenset[str] = frozenset()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SourceDatabase:
        known = ("name", "oid", "system_identifier")
        return cls(name=_optional(data, "name", str, "database"), oid=_optional(data, "oid", int, "database"),
                   system_identifier=_optional(data, "system_identifier", str, "database"),
                   more={k: v for k, v in data.items() if k not in known},
                   absent=frozenset(k for k in known if k not in data))

    def to_json(self) -> dict[str, Any]:
        out = {"name": self.name, **self.more, "oid": self.oid, "system_identifier": self.system_identifier}
        return {k: v for k, v in out.items() if k not in self.absent or v is not None}

    def describe(self, environment: str) -> str:
        """e.g. `production database 'app' (oid 16390, system 7412...)` for messages."""
        known = [f"oid {self.oid}"] if self.oid is not None else []
        if self.system_identifier:
            known.append(f"system {self.system_identifier}")
        return f"{environment} database '{self.name}'" + (f" ({', '.join(known)})" if known else "")


class Verification(msgspec.Struct, frozen=True):
    """One verification result: written at backup time (basic), then by each verify-backup."""

    verified: bool
    level: str | None = None  # basic | deep | restore-test
    at: str | None = None
    checks: Mapping[str, bool] | None = None
    error: str | None = None
    more: Mapping[str, Any] = msgspec.field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Verification:
        known = ("verified", "level", "at", "checks", "error")
        return cls(verified=bool(data.get("verified")), level=_optional(data, "level", str, "verification"),
                   at=_optional(data, "at", str, "verification"),
                   checks=_optional(data, "checks", dict, "verification"),
                   error=_optional(data, "error", str, "verification"),
                   more={k: v for k, v in data.items() if k not in known})

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"verified": self.verified}
        for key in ("level", "at", "checks", "error"):
            value = getattr(self, key)
            if value is not None:
                out[key] = dict(value) if isinstance(value, Mapping) else value
        return out | dict(self.more)


_FIELDS = ("format", "version", "uri", "environment", "database", "pg_dump", "compression", "newest_migration",
           "migrations_table", "git", "started_at", "finished_at", "duration_s", "dump_bytes", "size_bytes",
           "sha256", "s3_checksum", "encryption", "tables", "verification", "verification_history",
           "toolkit_version")


class _MappingStructMeta(msgspec.StructMeta, abc.ABCMeta):
    """Lets a Struct also be a collections.abc.Mapping (whose metaclass is ABCMeta)."""


# Struct first: its __eq__ (field by field) wins over Mapping's (document vs any mapping), as the
# dataclass's did. dict=True gives the instance a __dict__ for the cached_property below.
class Manifest(msgspec.Struct, Mapping[str, Any], frozen=True, dict=True, metaclass=_MappingStructMeta):
    """A backup manifest, validated and typed. Read with `from_json`, written with `to_json`.

    It is also a read-only Mapping over its JSON document (`m["size_bytes"]`), for callers that
    still index it by key; new code uses the attributes."""

    uri: str
    environment: str
    database: SourceDatabase
    compression: Mapping[str, Any]  # method (zstd | gzip | none), level, threads...
    started_at: str
    finished_at: str
    dump_bytes: int
    size_bytes: int
    sha256: str
    s3_checksum: Mapping[str, Any]  # algorithm, type, value (S3's composite checksum), parts, part_size
    tables: Mapping[str, int]  # schema.table -> rows at dump time
    verification: Verification
    newest_migration: str | None = None
    migrations_table: str | None = None
    pg_dump: Mapping[str, Any] = msgspec.field(default_factory=dict)  # path, version, format, exit_code
    git: Mapping[str, str] = msgspec.field(default_factory=dict)
    duration_s: float | None = None
    encryption: Mapping[str, str] = msgspec.field(default_factory=dict)
    toolkit_version: str | None = None
    verification_history: tuple[Verification, ...] | None = None  # oldest first, at most 20
    more: Mapping[str, Any] = msgspec.field(default_factory=dict)  # keys of a newer toolkit, kept as they are
    manifest_uri: str | None = None  # where it was read from; not part of the document

    # -- reading and writing
    @classmethod
    def from_json(cls, data: bytes | str | Mapping[str, Any], *, manifest_uri: str | None = None) -> Manifest:
        """Validate a manifest document; raise ManifestError naming the first problem."""
        if isinstance(data, Manifest):
            return data
        data = _checked_document(data)
        history = _optional(data, "verification_history", list)
        return cls(
            uri=data["uri"], environment=data["environment"], database=SourceDatabase.from_json(data["database"]),
            compression=dict(data["compression"]), started_at=data["started_at"], finished_at=data["finished_at"],
            dump_bytes=data["dump_bytes"], size_bytes=data["size_bytes"], sha256=data["sha256"],
            s3_checksum=dict(data["s3_checksum"]), tables=dict(data["tables"]),
            verification=Verification.from_json(data["verification"]),
            newest_migration=_optional(data, "newest_migration", str),
            migrations_table=_optional(data, "migrations_table", str),
            pg_dump=dict(_optional(data, "pg_dump", dict) or {}), git=dict(_optional(data, "git", dict) or {}),
            duration_s=_optional(data, "duration_s", (int, float)),
            encryption=dict(_optional(data, "encryption", dict) or {}),
            toolkit_version=_optional(data, "toolkit_version", str),
            verification_history=None if history is None else tuple(
                Verification.from_json(v) for v in history if isinstance(v, Mapping)),
            more={k: v for k, v in data.items() if k not in _FIELDS and k != "manifest_uri"},
            manifest_uri=manifest_uri)

    def to_json(self) -> dict[str, Any]:
        """The document to store: the same keys and values `build_manifest` writes."""
        out: dict[str, Any] = {
            "format": FORMAT, "version": VERSION, "uri": self.uri, "environment": self.environment,
            "database": self.database.to_json(), "pg_dump": dict(self.pg_dump),
            "compression": dict(self.compression), "newest_migration": self.newest_migration,
            "migrations_table": self.migrations_table, "git": dict(self.git), "started_at": self.started_at,
            "finished_at": self.finished_at, "duration_s": self.duration_s, "dump_bytes": self.dump_bytes,
            "size_bytes": self.size_bytes, "sha256": self.sha256, "s3_checksum": dict(self.s3_checksum),
            "encryption": dict(self.encryption), "tables": dict(self.tables),
            "verification": self.verification.to_json(), "toolkit_version": self.toolkit_version,
        }
        if self.verification_history is not None:
            out["verification_history"] = [v.to_json() for v in self.verification_history]
        return out | copy.deepcopy(dict(self.more))

    # -- what the code asks of a manifest
    @property
    def compression_method(self) -> str:
        return str(self.compression["method"])

    @property
    def s3_checksum_value(self) -> str | None:
        value = self.s3_checksum.get("value")
        return value if isinstance(value, str) else None

    @property
    def pg_dump_exit_code(self) -> int | None:
        return self.pg_dump.get("exit_code")

    @property
    def verified(self) -> bool:
        return self.verification.verified

    @property
    def source_name(self) -> str:
        """`<environment>/<database>` of the backup: what --from-other-database must name."""
        return f"{self.environment}/{self.database.name}"

    def with_verification(self, result: Mapping[str, Any] | Verification) -> Manifest:
        """This manifest with a newer verification result; the previous one moves to the history."""
        new = result if isinstance(result, Verification) else Verification.from_json(result)
        history = [*(self.verification_history or ()), self.verification]
        return replace(self, verification=new, verification_history=tuple(history[-20:]))

    # -- the read-only Mapping view of the document
    @functools.cached_property
    def _document(self) -> dict[str, Any]:
        doc = self.to_json()
        if self.manifest_uri is not None:
            doc["manifest_uri"] = self.manifest_uri
        return doc

    def __getitem__(self, key: str) -> Any:
        return copy.deepcopy(self._document[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._document)

    def __len__(self) -> int:
        return len(self._document)


def check_manifest(data: Mapping[str, Any] | bytes | str) -> Manifest:
    """Validate a manifest read from S3 (see `Manifest.from_json`)."""
    return Manifest.from_json(data)


def with_verification(manifest: Manifest | Mapping[str, Any], result: Mapping[str, Any]) -> Manifest:
    """The manifest with a newer verification result; the previous one moves to `history`."""
    return Manifest.from_json(manifest).with_verification(result)


def is_verified(manifest: Manifest | Mapping[str, Any]) -> bool:
    return Manifest.from_json(manifest).verified


def judge_for_gate(manifest: Manifest | Mapping[str, Any], *, environment: str, database: str, now: datetime,
                   max_age: timedelta, current_migration: str | None) -> str | None:
    """None if this backup may stand behind a migration now, else why not (one short phrase)."""
    m = Manifest.from_json(manifest)
    if m.environment != environment:
        return f"it is of environment {m.environment!r}"
    if m.database.name != database:
        return f"it is of database {m.database.name!r}"
    if not m.verified:
        return f"its verification failed ({m.verification.error or 'not verified'})"
    age = now - parse_time(m.finished_at)
    if age > max_age:
        return f"it is {format_age(age)} old (limit {format_age(max_age)})"
    if m.newest_migration != current_migration:
        return (f"it was taken at migration {m.newest_migration or '(none)'}, "
                f"the database is now at {current_migration or '(none)'}")
    return None


def source_name(manifest: Manifest | Mapping[str, Any]) -> str:
    """`<environment>/<database>` of the backup: what --from-other-database must name."""
    return Manifest.from_json(manifest).source_name


def identity_mismatch(manifest: Manifest, *, environment: str, database: SourceDatabase) -> str | None:
    """None if the backup was taken of this very database, else what differs (one short phrase).

    `database` is the target's name, oid and system identifier (None when not readable). A
    manifest written before identities were recorded has no oid: it cannot prove anything."""
    source = manifest.database
    if source.oid is None:
        return "the manifest predates source identities, so it cannot prove which database it is of"
    differs = []
    if manifest.environment != environment:
        differs.append("environment")
    if source.name != database.name:
        differs.append("database name")
    if source.system_identifier and database.system_identifier \
            and source.system_identifier != database.system_identifier:
        differs.append("server (system identifier)")
    if source.oid != database.oid:
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
