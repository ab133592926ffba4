"""Taking a backup: pg_dump -> zstd -> S3 multipart upload, all streaming and concurrent, then proof.

    pg_dump -Fc -Z0 --snapshot=S  --pipe-->  zstd (threads)  -->  parts (SHA-256 each)  -->  S3
                                     \\ row counts and newest migration read in snapshot S

No temporary file; memory is a few parts whatever the database size. The backup counts as
verified only when pg_dump exited 0, the object's size equals the bytes streamed, and S3's
composite SHA-256 equals the one computed here; only then is the manifest written next to it.
Any failure or interruption aborts the multipart upload (or deletes the finished object), so no
object is ever left looking like a good backup.
"""

from __future__ import annotations

import math
import os
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import msgspec

from toolkit import __version__
from toolkit.backup import codec
from toolkit.backup.dump import SnapshotDump
from toolkit.backup.manifest import Manifest, build_manifest, ci_context, iso, manifest_key, object_key
from toolkit.backup.pgtools import last_error_line
from toolkit.backup.progress import Counters, Progress
from toolkit.backup.s3 import S3Uri, make_client, object_args, put_json, s3_errors
from toolkit.backup.upload import MultipartUpload
from toolkit.config import BackupSettings, Config, Environment
from toolkit.db import scrub
from toolkit.errors import ToolkitError, UsageError

READ_SIZE = 1 << 20


class BackupResult(msgspec.Struct):
    uri: str
    manifest_uri: str
    manifest: Manifest
    verified: bool = False


def resolve_bucket(settings: BackupSettings, bucket: str | None) -> str:
    bucket = bucket or settings.bucket
    if not bucket:
        raise UsageError("no backup bucket configured",
                         hint="set BACKUP_S3_BUCKET, [backup] bucket in migrate-action.toml, or pass --bucket")
    return bucket


def choose_part_size(part_size_mb: int, database_bytes: int) -> int:
    """The configured part size, grown so that even an incompressible dump fits in 9,000 parts."""
    need = math.ceil(database_bytes * 1.5 / 9000)
    return max(part_size_mb << 20, math.ceil(need / (1 << 20)) << 20)


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """A cancelled CI job gets SIGTERM: turn it into KeyboardInterrupt so cleanup (abort) runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def take_backup(config: Config, env: Environment, database_url: str, *, bucket: str | None = None,
                prefix: str | None = None, progress: bool = True,
                on_progress: Callable[[Counters], None] | None = None) -> BackupResult:
    """Dump `database_url` into S3 with a manifest; raises ToolkitError if any step or check fails."""
    settings = config.backup
    method = codec.check_method(settings.compression)
    bucket = resolve_bucket(settings, bucket)
    prefix = settings.prefix if prefix is None else prefix
    extra = object_args(settings)
    client = make_client(settings, max_pool=8)
    started = datetime.now(UTC)

    with _sigterm_as_interrupt(), SnapshotDump(database_url, config.engine.table) as snap:
        pg_dump_path, pg_dump_version = snap.pg_dump_version()
        key = object_key(prefix, env.name, snap.info.name, started, secrets.token_hex(3), method)
        uri = S3Uri(bucket, key)
        upload = MultipartUpload(client, bucket, key,
                                 part_size=choose_part_size(settings.part_size_mb, snap.info.size_bytes),
                                 extra_args=extra).begin()
        try:
            rc, dump_bytes, tables = _stream(snap, pg_dump_path, upload, settings, method, database_url,
                                             Progress("backup", enabled=progress, read_name="dumped",
                                                      written_name="compressed"), on_progress)
            upload.complete()
            checks = _check_object(client, upload, rc)
            finished = datetime.now(UTC)
            failed = [name for name, ok in checks.items() if not ok]
            verification = {"verified": not failed, "level": "basic", "at": iso(finished), "checks": checks}
            if failed:
                verification["error"] = "failed: " + ", ".join(failed)
                raise ToolkitError(f"backup of {snap.info.name} failed verification ({', '.join(failed)}); "
                                   "the object was deleted")
            manifest = Manifest.from_json(build_manifest(
                uri=str(uri), environment=env.name, database=snap.info.as_dict(),
                pg_dump={"path": pg_dump_path, "version": pg_dump_version, "format": "custom", "exit_code": rc},
                compression=codec.describe(method, settings.compression_level, settings.compression_threads),
                newest_migration=snap.newest_migration, migrations_table=config.engine.table,
                started=started, finished=finished, dump_bytes=dump_bytes, size_bytes=upload.size,
                sha256=upload.sha256_hex(),
                s3_checksum={"algorithm": "SHA256", "type": "COMPOSITE", "value": upload.local_composite_checksum(),
                             "parts": upload.parts, "part_size": upload.part_size},
                tables=tables, verification=verification, git=ci_context(os.environ),
                toolkit_version=__version__,
                encryption={k: v for k, v in extra.items() if k in ("ServerSideEncryption", "SSEKMSKeyId")},
            ))
            mkey = manifest_key(key)
            put_json(client, settings, bucket, mkey, manifest.to_json())
        except BaseException:
            upload.abort()
            if upload.completed is not None:  # a whole object exists but is not a good backup
                _delete_quietly(client, bucket, key)
            raise
    return BackupResult(uri=str(uri), manifest_uri=str(S3Uri(bucket, mkey)), manifest=manifest, verified=True)


def _stream(snap: SnapshotDump, pg_dump_path: str, upload: MultipartUpload, settings: BackupSettings,
            method: str, url: str, progress: Progress,
            on_progress: Callable[[Counters], None] | None) -> tuple[int, int, dict[str, int]]:
    """Run pg_dump into the upload; count rows meanwhile. Returns (exit code, raw bytes, counts)."""
    proc = snap.start_pg_dump(pg_dump_path, codec.pg_dump_args(method, settings.compression_level))
    counted: dict[str, Any] = {}

    def count() -> None:
        try:
            counted["tables"] = snap.count()
        except BaseException as exc:  # reported after the stream ends
            counted["error"] = exc

    counter = threading.Thread(target=count, name="row-counts", daemon=True)
    counter.start()
    writer = codec.CompressingWriter(method, settings.compression_level, settings.compression_threads, upload)
    c = Counters(pid=proc.pid)
    assert proc.stdout is not None
    while True:
        chunk = proc.stdout.read(READ_SIZE)
        if not chunk:
            break
        c.read += len(chunk)
        writer.write(chunk)
        c.written = upload.size
        progress.update(c)
        if on_progress is not None:
            on_progress(c)
    rc = proc.wait()
    progress.done()
    if rc != 0:
        detail = scrub(last_error_line(snap.stderr_text()), url)
        if rc < 0:
            detail = f"killed by signal {-rc}" + (f" ({detail})" if detail != "(no message)" else "")
        raise ToolkitError(f"pg_dump failed (exit {rc}): {detail}; the upload was aborted, no backup was stored")
    writer.finish()
    counter.join()
    if "error" in counted:
        exc = counted["error"]
        raise ToolkitError(f"counting rows for the manifest failed: {scrub(str(exc).strip(), url)}") from None
    c.written = upload.size
    progress.update(c, force=not progress.tty)
    progress.done()
    return rc, c.read, counted["tables"]


def _check_object(client, upload: MultipartUpload, rc: int) -> dict[str, bool]:
    """The proof: what S3 holds is exactly what was streamed."""
    with s3_errors(f"check s3://{upload.bucket}/{upload.key}", bucket=upload.bucket, key=upload.key):
        head = client.head_object(Bucket=upload.bucket, Key=upload.key, ChecksumMode="ENABLED")
    local = upload.local_composite_checksum()
    remote = head.get("ChecksumSHA256")
    # Some stores report a multipart checksum without the "-<parts>" suffix.
    remote_matches = remote is not None and (remote == local or remote == local.rsplit("-", 1)[0])
    return {
        "pg_dump_exit_0": rc == 0,
        "size_matches": head.get("ContentLength") == upload.size,
        "s3_checksum_matches": remote_matches,
    }


def _delete_quietly(client, bucket: str, key: str) -> None:
    for _ in range(3):
        try:
            client.delete_object(Bucket=bucket, Key=key)
            return
        except Exception:  # noqa: S112 - best effort; the manifest was never written
            time.sleep(0.5)
