"""A file-like sink that streams whatever is written to it into an S3 multipart upload.

Memory stays bounded: one part being filled plus at most `max_inflight` parts on the wire; a
writer that gets ahead waits for a slot. The whole stream is hashed with SHA-256 as it flows, and
each part is sent with its own SHA-256 (`ChecksumAlgorithm=SHA256`), which S3 checks on receipt
and combines into the object's composite checksum, so the local and S3 checksums can be compared.
Any failure, or an exit without `complete()`, aborts the upload: no partial object is ever left.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from toolkit.backup.manifest import composite_sha256
from toolkit.backup.s3 import s3_errors
from toolkit.errors import ToolkitError

MIN_PART = 5 * 1024 * 1024  # S3's minimum for every part but the last
MAX_PARTS = 10_000


class MultipartUpload:
    def __init__(self, client, bucket: str, key: str, *, part_size: int, max_inflight: int = 2,
                 extra_args: dict[str, Any] | None = None, content_type: str = "application/octet-stream"):
        self.client, self.bucket, self.key = client, bucket, key
        self.part_size = max(part_size, MIN_PART)
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.upload_id: str | None = None
        self._buf = bytearray()
        self._parts: list[dict[str, Any]] = []
        self._digests: dict[int, bytes] = {}
        self._futures: list[Future] = []
        self._slots = threading.BoundedSemaphore(max_inflight)
        self._pool = ThreadPoolExecutor(max_workers=max_inflight, thread_name_prefix="s3-part")
        self._error: BaseException | None = None
        self._extra = dict(extra_args or {})
        self._content_type = content_type
        self.completed: dict[str, Any] | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def begin(self) -> MultipartUpload:
        """Start the upload; this is the first call that reaches S3, so bucket, credentials and
        endpoint problems surface here, before pg_dump is even started."""
        with s3_errors(f"start an upload to s3://{self.bucket}/{self.key}", bucket=self.bucket, key=self.key):
            resp = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=self.key, ChecksumAlgorithm="SHA256",
                ContentType=self._content_type, **self._extra)
        self.upload_id = resp["UploadId"]
        return self

    def write(self, data: bytes) -> int:
        self._raise_if_failed()
        n = len(data)
        if not n:
            return 0
        self.sha256.update(data)
        self.size += n
        view = memoryview(data)
        while view:
            room = self.part_size - len(self._buf)
            self._buf += view[:room]
            view = view[room:]
            if len(self._buf) == self.part_size:
                # The full buffer itself goes on the wire (no copy); a new one is started.
                part, self._buf = self._buf, bytearray()
                self._send(part)
        return n

    def flush(self) -> None:  # file-like protocol; parts go out when full
        pass

    def complete(self) -> dict[str, Any]:
        """Send the last part, wait for all, complete. Returns S3's CompleteMultipartUpload answer."""
        if self._buf or not self._digests:
            part, self._buf = self._buf, bytearray()
            self._send(part)
        for f in self._futures:
            f.exception()  # wait
        self._raise_if_failed()
        self._pool.shutdown(wait=True)
        parts = sorted(self._parts, key=lambda p: p["PartNumber"])
        with s3_errors(f"complete the upload to s3://{self.bucket}/{self.key}", bucket=self.bucket, key=self.key):
            self.completed = self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, MultipartUpload={"Parts": parts})
        return self.completed

    def abort(self) -> None:
        """Best effort: stop sending and drop every uploaded part. Never raises."""
        self._error = self._error or ToolkitError("upload aborted")
        try:
            self._pool.shutdown(wait=True, cancel_futures=True)
        except Exception:  # noqa: S110 - cleanup must not mask the original failure
            pass
        if self.upload_id and self.completed is None:
            try:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)
            except Exception:  # noqa: S110
                pass

    # -- results -----------------------------------------------------------------------------
    @property
    def parts(self) -> int:
        return len(self._digests)

    def local_composite_checksum(self) -> str:
        return composite_sha256(self._digests[n] for n in sorted(self._digests))

    def sha256_hex(self) -> str:
        return self.sha256.hexdigest()

    # -- internals ---------------------------------------------------------------------------
    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def _send(self, part: bytearray) -> None:
        number = len(self._futures) + 1
        if number > MAX_PARTS:
            raise ToolkitError(f"backup larger than {MAX_PARTS} parts of {self.part_size >> 20} MB",
                               hint="raise [backup] part_size_mb")
        # Wait for a free slot, but wake up to notice a failed part instead of blocking forever.
        while not self._slots.acquire(timeout=0.5):
            self._raise_if_failed()
        self._raise_if_failed()
        fut = self._pool.submit(self._upload_part, number, part)
        fut.add_done_callback(lambda _f: self._slots.release())
        self._futures.append(fut)

    def _upload_part(self, number: int, data: bytearray) -> None:
        try:
            digest = hashlib.sha256(data).digest()
            b64 = base64.b64encode(digest).decode()
            with s3_errors(f"upload part {number} of s3://{self.bucket}/{self.key}",
                           bucket=self.bucket, key=self.key):
                resp = self.client.upload_part(
                    Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, PartNumber=number, Body=data,
                    ChecksumAlgorithm="SHA256", ChecksumSHA256=b64)
            echoed = resp.get("ChecksumSHA256")
            if echoed is not None and echoed != b64:
                raise ToolkitError(f"S3 stored part {number} with checksum {echoed}, expected {b64}")
            self._digests[number] = digest
            self._parts.append({"PartNumber": number, "ETag": resp["ETag"], "ChecksumSHA256": b64})
        except BaseException as exc:
            if self._error is None:
                self._error = exc
            raise
