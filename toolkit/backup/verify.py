"""Proving a backup is good, at three depths:

basic         the object exists, its size and S3's SHA-256 checksum equal the manifest's, and
              pg_dump had exited 0 (cheap: one HEAD request).
--deep        the whole object is read back: it hashes to the manifest's SHA-256, decompresses
              completely (zstd frame checksum) to exactly the bytes pg_dump wrote, and
              `pg_restore --list` reads its table of contents, which holds data for every table.
--restore-test  it is restored into a scratch database and every table's row count equals the
              one recorded at dump time.

The result is written back into the manifest (`verification`), so a backup that fails a deeper
check stops counting as verified for the production gate.
"""

from __future__ import annotations

import subprocess
import threading
from collections import deque
from datetime import UTC, datetime

import msgspec
import psycopg

from toolkit.backup.dump import count_rows, list_tables
from toolkit.backup.listing import read_manifest
from toolkit.backup.manifest import Manifest, Verification, iso, manifest_key
from toolkit.backup.pgtools import find_tool, last_error_line
from toolkit.backup.progress import Progress
from toolkit.backup.restore import compare_counts, restore_stream
from toolkit.backup.s3 import S3Uri, make_client, parse_uri, put_json, s3_errors
from toolkit.backup.stream import PipeSink, read_object
from toolkit.config import Config
from toolkit.db import connect, redact
from toolkit.errors import ToolkitError, UsageError
from toolkit.localdev import scratchdb


class VerifyResult(msgspec.Struct):
    uri: str
    verified: bool
    level: str  # basic | deep | restore-test
    checks: dict[str, bool] = msgspec.field(default_factory=dict)
    problems: list[str] = msgspec.field(default_factory=list)
    manifest: Manifest | None = None
    recorded: bool = False  # the result was written into the manifest
    not_checked: str | None = None  # said plainly when the level leaves something unproven
    scratch_cleaned: list[str] = msgspec.field(default_factory=list)  # leftovers of killed runs, dropped

    @property
    def error(self) -> str | None:
        return "; ".join(self.problems) if self.problems else None


def verify_backup(config: Config, uri: str, *, deep: bool = False, restore_test: bool = False,
                  scratch_url: str | None = None, progress: bool = True, record: bool = True) -> VerifyResult:
    if restore_test and not scratch_url:
        raise UsageError("--restore-test needs a scratch database server",
                         hint="pass --scratch-url (or set SCRATCH_DATABASE_URL): a database URL on a server "
                              "where a temporary database may be created and dropped")
    settings = config.backup
    client = make_client(settings)
    obj, manifest = read_manifest(client, parse_uri(uri))
    level = "restore-test" if restore_test else "deep" if deep else "basic"
    result = VerifyResult(uri=str(obj), verified=False, level=level, manifest=manifest)

    _basic(client, obj, manifest, result)
    if not deep and not restore_test:
        result.not_checked = ("the bytes were not read back: S3's stored size and checksum only (a byte rotted on "
                              "the storage server passes this); --deep reads and hashes them")
    if deep:  # read back even when the cheap checks failed: report everything that is wrong
        _deep(client, obj, manifest, result, progress)
    if restore_test and not result.problems:
        _restore_test(client, obj, manifest, result, scratch_url or "", progress)
    result.verified = not result.problems

    if record:
        updated = manifest.with_verification(Verification(
            verified=result.verified, level=level, at=iso(datetime.now(UTC)), checks=dict(result.checks),
            error=result.error))
        try:
            put_json(client, settings, obj.bucket, manifest_key(obj.key), updated.to_json())
            result.manifest, result.recorded = updated, True
        except ToolkitError as exc:
            from toolkit.console import warn

            warn(f"the result could not be recorded in the manifest: {exc.message}")
    return result


def _basic(client, obj: S3Uri, manifest: Manifest, result: VerifyResult) -> None:
    with s3_errors(f"check {obj}", bucket=obj.bucket, key=obj.key):
        head = client.head_object(Bucket=obj.bucket, Key=obj.key, ChecksumMode="ENABLED")
    expected = manifest.s3_checksum_value
    remote = head.get("ChecksumSHA256")
    checks = {
        "pg_dump_exit_0": manifest.pg_dump_exit_code == 0,
        "size_matches": head.get("ContentLength") == manifest.size_bytes,
        "s3_checksum_matches": remote is not None and expected is not None
        and (remote == expected or remote == expected.rsplit("-", 1)[0]),
    }
    result.checks.update(checks)
    if not checks["pg_dump_exit_0"]:
        result.problems.append("pg_dump did not exit 0")
    if not checks["size_matches"]:
        result.problems.append(f"object is {head.get('ContentLength')} bytes, the manifest says {manifest.size_bytes}")
    if not checks["s3_checksum_matches"]:
        result.problems.append(f"S3 checksum {remote or '(none)'} differs from the manifest's {expected}")


def _deep(client, obj: S3Uri, manifest: Manifest, result: VerifyResult, progress: bool) -> None:
    pg_restore = find_tool("pg_restore")
    proc = subprocess.Popen([str(pg_restore), "--list"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    toc: list[str] = []
    err: deque[str] = deque(maxlen=20)

    def drain(stream, into) -> None:
        for line in stream:
            into.append(line.decode(errors="replace").rstrip())

    readers = [threading.Thread(target=drain, args=(proc.stdout, toc), daemon=True),
               threading.Thread(target=drain, args=(proc.stderr, err), daemon=True)]
    for t in readers:
        t.start()
    sink = PipeSink(proc.stdin)
    try:
        stats = read_object(client, obj, manifest, sink.write,
                            progress=Progress("verify", enabled=progress, read_name="read",
                                              written_name="decompressed"))
    finally:
        sink.close()
        rc = proc.wait()
        for t in readers:
            t.join(timeout=10)
    result.problems += stats.problems
    result.checks["sha256_matches"] = stats.sha256 == manifest.sha256
    result.checks["stream_complete"] = not any("truncated" in p or "corrupt" in p for p in stats.problems)
    result.checks["pg_restore_list_ok"] = rc == 0
    if rc != 0:
        result.problems.append(f"pg_restore --list failed: {last_error_line(chr(10).join(err))}")
        return
    data_entries = [line for line in toc if " TABLE DATA " in line]
    missing = [t for t in manifest.tables
               if not any(f" TABLE DATA {t.split('.', 1)[0]} {t.split('.', 1)[1]} " in line for line in data_entries)]
    result.checks["toc_has_every_table"] = not missing
    if missing:
        result.problems.append(f"the dump's table of contents has no data for {', '.join(missing[:5])}")


def clean_leftovers(admin: psycopg.Connection) -> list[str]:
    """Drop scratch databases left by killed runs (toolkit.localdev.scratchdb: of every part that
    makes them); returns `name (why)` for each one dropped."""
    return [f"{name} ({why})" for name, why in scratchdb.sweep(admin).items()]


def _restore_test(client, obj: S3Uri, manifest: Manifest, result: VerifyResult, scratch_url: str,
                  progress: bool) -> None:
    with connect(scratch_url) as admin:
        major = admin.execute("SELECT current_setting('server_version_num')::int / 10000").fetchone()[0]
        result.scratch_cleaned = clean_leftovers(admin)
    name, target = scratchdb.create(scratch_url, "verify", hint="the scratch URL's user needs CREATEDB")
    try:
        try:
            # Without privileges: the scratch server need not have the production roles.
            restore_stream(client, obj, manifest, target, "", progress=progress, server_major=major,
                           extra_args=("--no-privileges",))
            result.checks["restored"] = True
        except ToolkitError as exc:
            result.checks["restored"] = False
            result.problems.append(exc.message.replace(redact(target), "the scratch database"))
            return
        with connect(target) as conn:
            counts = count_rows(conn, list_tables(conn))
        mismatches = compare_counts(manifest.tables, counts)
        result.checks["row_counts_match"] = not mismatches
        if mismatches:
            shown = ", ".join(f"{t} {e}->{a}" for t, (e, a) in list(mismatches.items())[:5])
            result.problems.append(f"row counts differ after restore (expected->restored): {shown}")
    finally:
        scratchdb.drop(scratch_url, name)
