"""Reading a backup back from S3: hash and count what arrives, decompress on the fly, hand the raw
dump to a sink (pg_restore's stdin). Integrity problems (corrupt or truncated stream) are
collected, not raised, so the caller can report every check; S3 access errors are raised."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import msgspec
from botocore.exceptions import BotoCoreError, ClientError

from toolkit.backup.codec import Decompressor
from toolkit.backup.manifest import Manifest
from toolkit.backup.progress import Counters, Progress
from toolkit.backup.s3 import S3Uri, describe_error, s3_errors
from toolkit.errors import ToolkitError

CHUNK = 1 << 20


class StreamStats(msgspec.Struct):
    sha256: str = ""
    size: int = 0
    raw_bytes: int = 0
    problems: list[str] = msgspec.field(default_factory=list)


class PipeSink:
    """Writes to a child's stdin; once the child stops reading (pg_restore --list is done after the
    table of contents), the rest is still decompressed and counted, just not passed on."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.closed_early = False

    def write(self, data: bytes) -> None:
        if self.closed_early:
            return
        try:
            self.stream.write(data)
        except (BrokenPipeError, ValueError, OSError):
            self.closed_early = True

    def close(self) -> None:
        try:
            self.stream.close()
        except (BrokenPipeError, OSError):
            pass


def read_object(client, uri: S3Uri, manifest: Manifest, sink: Callable[[bytes], Any], *,
                progress: Progress | None = None, counters: Counters | None = None) -> StreamStats:
    stats = StreamStats()
    sha = hashlib.sha256()
    dec = Decompressor(manifest.compression_method)
    c = counters or Counters()
    with s3_errors(f"read {uri}", bucket=uri.bucket, key=uri.key):
        body = client.get_object(Bucket=uri.bucket, Key=uri.key)["Body"]
    decoding = True
    try:
        for chunk in body.iter_chunks(CHUNK):
            sha.update(chunk)
            stats.size += len(chunk)
            c.read = stats.size
            if decoding:
                try:
                    raw = dec.decompress(chunk)
                except ToolkitError as exc:
                    stats.problems.append(str(exc))
                    decoding = False  # keep hashing to report the checksum as well
                    continue
                if raw:
                    stats.raw_bytes += len(raw)
                    c.written = stats.raw_bytes
                    sink(raw)
            if progress is not None:
                progress.update(c)
    except (BotoCoreError, ClientError) as exc:
        reason, hint = describe_error(exc, bucket=uri.bucket, key=uri.key)
        raise ToolkitError(f"cannot read {uri}: {reason}", hint=hint) from None
    finally:
        body.close()
        if progress is not None:
            progress.done()
    if decoding:
        try:
            dec.finish()
        except ToolkitError as exc:
            stats.problems.append(str(exc))
    stats.sha256 = sha.hexdigest()
    if stats.size != manifest.size_bytes:
        stats.problems.append(f"object is {stats.size} bytes, the manifest says {manifest.size_bytes}")
    if stats.sha256 != manifest.sha256:
        stats.problems.append(f"SHA-256 mismatch: object hashes to {stats.sha256[:16]}..., "
                              f"the manifest says {manifest.sha256[:16]}...")
    if decoding and not stats.problems and stats.raw_bytes != manifest.dump_bytes:
        stats.problems.append(f"dump is {stats.raw_bytes} bytes once decompressed, "
                              f"pg_dump wrote {manifest.dump_bytes}")
    return stats


def hash_object(client, uri: S3Uri) -> tuple[str, int]:
    """(SHA-256 hex, size) of the object's bytes as S3 serves them now: streamed, no temporary file.
    Proves what S3's stored checksum (a HEAD request) cannot: that the bytes at rest still match."""
    sha = hashlib.sha256()
    size = 0
    with s3_errors(f"read {uri}", bucket=uri.bucket, key=uri.key):
        body = client.get_object(Bucket=uri.bucket, Key=uri.key)["Body"]
        try:
            for chunk in body.iter_chunks(CHUNK):
                sha.update(chunk)
                size += len(chunk)
        finally:
            body.close()
    return sha.hexdigest(), size
