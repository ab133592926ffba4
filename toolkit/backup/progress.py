"""Progress lines on stderr for long dumps, uploads and restores: a live line on a terminal, a
quiet line every 15 s in CI logs (or any non-terminal), nothing when disabled."""

from __future__ import annotations

import os
import sys
import time

import msgspec

from toolkit.backup.manifest import human_bytes


class Counters(msgspec.Struct):
    read: int = 0  # bytes read from the source (pg_dump output, or the S3 object)
    written: int = 0  # bytes written to the sink (uploaded, or fed to pg_restore)
    pid: int | None = None  # the child process doing the work (pg_dump, pg_restore)


class Progress:
    def __init__(self, label: str, *, enabled: bool = True, read_name: str = "read",
                 written_name: str = "written") -> None:
        self.label = label
        self.enabled = enabled
        self.read_name, self.written_name = read_name, written_name
        self.tty = sys.stderr.isatty() and not os.environ.get("CI")
        self.interval = 0.5 if self.tty else 15.0
        self.start = time.monotonic()
        self._last = self.start
        self._shown = False

    def update(self, c: Counters, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        elapsed = max(now - self.start, 1e-6)
        line = (f"{self.label}: {human_bytes(c.read)} {self.read_name}, {human_bytes(c.written)} "
                f"{self.written_name}, {human_bytes(c.read / elapsed)}/s, {elapsed:.0f} s")
        if self.tty:
            sys.stderr.write("\r\033[K" + line)
            self._shown = True
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def done(self) -> None:
        if self.enabled and self.tty and self._shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
