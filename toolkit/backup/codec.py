"""Compression of the dump stream.

zstd (default): pg_dump writes an uncompressed custom-format dump (-Z0) and the toolkit compresses
it with multi-threaded zstd as it flows, with a frame checksum. pg_dump's own gzip is single
threaded and was the whole cost of `pg_dump -Fc` in the measurements (see benchmarks/).
gzip: pg_dump's own compression (-Z level); the object is then a plain custom-format file.
none: -Z0, stored as is.
"""

from __future__ import annotations

import os
from typing import Any, Protocol

from toolkit.errors import ToolkitError, UsageError

METHODS = ("zstd", "gzip", "none")


class Sink(Protocol):
    def write(self, data: bytes, /) -> Any: ...


def check_method(method: str) -> str:
    if method not in METHODS:
        raise UsageError(f"unknown compression {method!r}", hint=f"[backup] compression is one of {', '.join(METHODS)}")
    return method


def pg_dump_args(method: str, level: int) -> list[str]:
    return [f"--compress={level}"] if method == "gzip" else ["--compress=0"]


def describe(method: str, level: int, threads: int) -> dict[str, Any]:
    if method == "zstd":
        return {"method": "zstd", "level": level, "threads": effective_threads(threads), "frame_checksum": True}
    if method == "gzip":
        return {"method": "gzip", "level": level, "by": "pg_dump"}
    return {"method": "none"}


def effective_threads(threads: int) -> int:
    """0 = automatic: pg_dump and its server process need a core; more zstd workers than the
    remaining cores slow the whole pipeline (measured: 2 workers on 2 cores, 4.6 s against 3.3 s)."""
    if threads > 0:
        return threads
    return max(1, min(4, (os.cpu_count() or 1) - 1))


class CompressingWriter:
    """write() raw dump bytes; compressed bytes go to `sink`. finish() ends the stream."""

    def __init__(self, method: str, level: int, threads: int, sink: Sink) -> None:
        self.method = method
        self._writer = None
        self._sink = sink
        if method == "zstd":
            import zstandard

            cctx = zstandard.ZstdCompressor(level=level, threads=effective_threads(threads), write_checksum=True)
            # Large output chunks: fewer, bigger writes into the part buffer.
            self._writer = cctx.stream_writer(sink, closefd=False, write_size=1 << 20)

    def write(self, data: bytes) -> None:
        if self._writer is not None:
            self._writer.write(data)
        else:
            self._sink.write(data)

    def finish(self) -> None:
        if self._writer is not None:
            self._writer.close()  # flushes the last block and ends the frame; sink stays open


class Decompressor:
    """decompress(chunk) -> raw bytes; finish() raises if the stream ended early."""

    def __init__(self, method: str) -> None:
        self.method = check_method(method)
        self._obj = None
        if method == "zstd":
            import zstandard

            self._obj = zstandard.ZstdDecompressor().decompressobj(write_size=1 << 20)

    def decompress(self, chunk: bytes) -> bytes:
        if self._obj is None:
            return chunk
        import zstandard

        try:
            return self._obj.decompress(chunk)
        except zstandard.ZstdError as exc:
            raise ToolkitError(f"corrupt zstd frame: {exc}") from None

    def finish(self) -> None:
        if self._obj is not None and not self._obj.eof:
            raise ToolkitError("the backup is truncated: its zstd stream ends before its last frame does")
