"""The probe: one session per touched table that keeps reading one row and updating one row (in a
transaction it rolls back), as the application would, and records when it was blocked.

A stall is the time from the start of the first attempt that did not complete promptly to the end
of the next attempt that did (attempts are cut by a short statement_timeout and retried, so a stall
longer than the timeout is still measured whole)."""

from __future__ import annotations

import threading
import time

import msgspec
import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

from toolkit.db import connect

ATTEMPT_TIMEOUT_MS = 250
PAUSE_S = 0.01  # between successful attempts: light on a 2-core runner
_BLOCKED = (pg_errors.QueryCanceled, pg_errors.LockNotAvailable)


class TableProbe(msgspec.Struct):
    table: str  # schema.name
    stalls: list[tuple[float, float]] = msgspec.field(default_factory=list)  # (start, end), perf_counter seconds
    attempts: int = 0
    writes: bool = True
    gone: bool = False

    def longest_starting(self, start: float, end: float) -> float:
        """The longest stall (ms) that began in [start, end): a stall is the doing of the statement
        that was running when the probe got stuck, however long its lock then lasted."""
        return max(((b - a) * 1000 for a, b in self.stalls if start <= a < end), default=0.0)


class Probe:
    def __init__(self, url: str, tables: list[str], *, threshold_ms: float = 5.0) -> None:
        self.url = url
        self.probes = [TableProbe(t) for t in tables]
        self.threshold = threshold_ms / 1000  # shorter waits are ordinary round trips, not stalls
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._conns: list[psycopg.Connection] = []
        self.ready = threading.Barrier(len(tables) + 1) if tables else None

    def __enter__(self) -> Probe:
        for p in self.probes:
            conn = connect(self.url, application_name="migrate-action rehearse probe")
            self._conns.append(conn)
            t = threading.Thread(target=self._loop, args=(conn, p), name=f"probe {p.table}", daemon=True)
            self._threads.append(t)
            t.start()
        if self.ready is not None:
            self.ready.wait(timeout=10)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for conn in self._conns:
            try:
                conn.cancel_safe(timeout=2)
            except (psycopg.Error, AttributeError):
                pass
        for t in self._threads:
            t.join(timeout=5)
        for conn in self._conns:
            conn.close()

    def _loop(self, conn: psycopg.Connection, p: TableProbe) -> None:
        schema, name = p.table.split(".", 1)
        ident = sql.Identifier(schema, name)
        conn.execute("SELECT set_config('statement_timeout', %s, false)", (f"{ATTEMPT_TIMEOUT_MS}ms",))
        col = conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
            "AND attgenerated = '' ORDER BY attnum LIMIT 1", (ident.as_string(conn),)).fetchone()
        read = sql.SQL("SELECT 1 FROM {} LIMIT 1").format(ident)
        write = None
        if col:
            c = sql.Identifier(col[0])
            write = sql.SQL("UPDATE {t} SET {c} = {c} WHERE ctid = (SELECT ctid FROM {t} LIMIT 1)").format(t=ident, c=c)
        if self.ready is not None:
            try:
                self.ready.wait(timeout=10)
            except threading.BrokenBarrierError:
                pass
        stalled_since: float | None = None
        while not self._stop.is_set():
            t0 = time.perf_counter()
            blocked = False
            try:
                with conn.transaction():
                    conn.execute(read)
                    if write is not None and p.writes:
                        conn.execute(write)
                    raise psycopg.Rollback()  # the write is never kept
            except _BLOCKED:
                blocked = True
            except pg_errors.InsufficientPrivilege:
                p.writes = False
            except psycopg.Error:
                p.gone = True  # dropped or renamed by a migration: completes at once, not a stall
            t1 = time.perf_counter()
            p.attempts += 1
            if self._stop.is_set():
                break
            if blocked or t1 - t0 > self.threshold:
                stalled_since = t0 if stalled_since is None else stalled_since
                if blocked:
                    continue
            if stalled_since is not None:
                p.stalls.append((stalled_since, t1))
                stalled_since = None
            time.sleep(PAUSE_S if not p.gone else 0.05)
        if stalled_since is not None:
            p.stalls.append((stalled_since, time.perf_counter()))
