"""One runner at a time: a session-level advisory lock, polled without holding a transaction.

A waiter that sat inside a transaction (or held a snapshot) while blocking on the lock would
deadlock the holder's CREATE INDEX CONCURRENTLY, which waits for every older transaction to end
(a long-standing Flyway report). So the waiter polls pg_try_advisory_lock in autocommit mode:
between polls it holds nothing. A crashed runner's lock vanishes with its session.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg

from toolkit.errors import ToolkitError


def lock_key(table: str) -> int:
    """A stable signed 64-bit key per tracking table (so two projects sharing a database but using
    different tables do not block each other)."""
    digest = hashlib.sha256(f"migrate-action:{table}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def holder(conn: psycopg.Connection, key: int) -> str | None:
    """Who holds the lock, for the waiting message."""
    row = conn.execute(
        """SELECT a.pid, coalesce(nullif(a.application_name, ''), '?'), a.client_addr::text,
                  to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ')
             FROM pg_locks l JOIN pg_stat_activity a USING (pid)
            WHERE l.locktype = 'advisory' AND l.granted
              AND l.classid = (%s::bigint >> 32)::oid AND l.objid = (%s::bigint & 4294967295)::oid
            LIMIT 1""", (key, key)).fetchone()
    if row is None:
        return None
    pid, app, addr, since = row
    return f"pid {pid}, {app}{' from ' + addr if addr else ''}, connected since {since}"


@contextmanager
def runner_lock(conn: psycopg.Connection, table: str, *, wait_s: float,
                on_wait: Callable[[str], None] | None = None, poll_s: float = 0.25) -> Iterator[None]:
    """Hold the runner lock for the block. Raises ToolkitError after wait_s seconds."""
    if not conn.autocommit:
        raise RuntimeError("runner_lock needs an autocommit connection")
    key = lock_key(table)
    deadline = time.monotonic() + wait_s
    announced = False
    while not conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
        if not announced and on_wait:
            who = holder(conn, key) or "another session"
            on_wait(f"another migrate run holds the migration lock ({who}); waiting up to {wait_s:.0f} s")
            announced = True
        if time.monotonic() >= deadline:
            who = holder(conn, key) or "another session"
            raise ToolkitError(
                f"gave up after {wait_s:.0f} s waiting for the migration lock held by {who}",
                hint="another migrate run is still going; wait for it, or raise [engine] runner_lock_wait_s",
            )
        time.sleep(poll_s)
    try:
        yield
    finally:
        try:
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
        except psycopg.Error:
            pass  # the session is gone, and with it the lock
