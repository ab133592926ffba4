"""Who holds the locks a migration needs: named in the error when a lock wait gives up, and
reported before a run when a long or idle-in-transaction session already holds locks on the
tables the pending migrations touch. Also the bounded, retried wait for the engine's own
statements (the tracking table), so nothing the engine runs can wait without limit."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

from toolkit.config import EngineSettings
from toolkit.errors import ToolkitError

T = TypeVar("T")

# Before a run: an idle-in-transaction session this old, or a transaction running this long, that
# holds a lock on a table a pending migration touches is reported (seconds).
IDLE_IN_TRANSACTION_REPORT_S = 1.0
LONG_TRANSACTION_REPORT_S = 10.0

_SESSIONS = """
SELECT DISTINCT ON (a.pid) a.pid, coalesce(nullif(a.application_name, ''), '?') AS app, a.usename, a.state,
       extract(epoch FROM now() - CASE WHEN a.state = 'active' THEN a.query_start ELSE a.state_change END)
         AS in_state_s,
       extract(epoch FROM now() - a.xact_start) AS xact_s, a.query, l.relation::regclass::text AS rel
  FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
 WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_backend_pid()
   AND l.relation = ANY (SELECT to_regclass(r) FROM unnest(%s::text[]) r)
"""


def _ago(seconds: float | None) -> str:
    s = max(float(seconds or 0), 0.0)
    if s < 60:
        return f"{s:.0f} s"
    if s < 3600:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


def _describe(row: tuple[Any, ...]) -> str:
    pid, app, user, state, in_state, _xact, query, _rel = row
    query = " ".join((query or "").split())
    if len(query) > 80:
        query = query[:77] + "..."
    return (f"pid {pid} (application \"{app}\", user {user}, {state or 'unknown state'} for {_ago(in_state)}"
            + (f", query: {query}" if query else "") + ")")


def holders(conn: psycopg.Connection, relations: Iterable[str], limit: int = 2) -> list[str]:
    """The sessions holding a granted lock on any of the relations, oldest transaction first."""
    names = [r for r in relations if r]
    if not names:
        return []
    try:
        rows = conn.execute(sql.SQL("SELECT * FROM ({}) s ORDER BY xact_s DESC NULLS LAST LIMIT %s").format(
            sql.SQL(_SESSIONS)), (names, limit)).fetchall()
    except psycopg.Error:
        return []  # naming the blocker is a courtesy; never hide the real error behind it
    return [_describe(r) for r in rows]


def held_by(conn: psycopg.Connection, relations: Iterable[str]) -> str:
    """': held by pid ... (...)' or '' when nobody is found holding it any more."""
    found = holders(conn, relations)
    return f": held by {'; and '.join(found)}" if found else ""


def long_holders(conn: psycopg.Connection, relations: Iterable[str]) -> list[str]:
    """Before a run: idle-in-transaction and long-running sessions that hold locks on these tables."""
    names = sorted({r for r in relations if r})
    if not names:
        return []
    rows = conn.execute(sql.SQL(
        "SELECT * FROM ({}) s WHERE (s.state LIKE 'idle in transaction%%' AND s.in_state_s >= %s) "
        "OR s.xact_s >= %s ORDER BY xact_s DESC NULLS LAST").format(sql.SQL(_SESSIONS)),
        (names, IDLE_IN_TRANSACTION_REPORT_S, LONG_TRANSACTION_REPORT_S)).fetchall()
    return [f"{r[7]} is locked by {_describe(r)}" for r in rows]


def bounded(conn: psycopg.Connection, settings: EngineSettings, label: str, relation: str,
            fn: Callable[[], T], progress: Callable[[str], None] | None = None) -> T:
    """Run one of the engine's own statements (on the tracking table) with a bounded lock wait:
    the session's lock_timeout (see session.bound_session), retried with backoff until
    lock_retry_deadline_s, then a one-line error naming the session that holds the lock."""
    start = time.monotonic()
    tries = 0
    while True:
        tries += 1
        try:
            return fn()
        except pg_errors.LockNotAvailable:
            elapsed = time.monotonic() - start
            pause = min(settings.lock_retry_pause_ms * (1.5 ** (tries - 1)), 5000) / 1000 * random.uniform(0.75, 1.25)
            if elapsed + pause >= settings.lock_retry_deadline_s:
                raise ToolkitError(
                    f"could not get lock on {relation} for {label} after {tries} tries in {elapsed:.0f} s"
                    f"{held_by(conn, [relation])}",
                    hint="the engine's own statements wait at most lock_timeout_ms per try; end that session's "
                         "transaction (or wait for the backup), then retry; [engine] lock_retry_deadline_s "
                         "allows longer") from None
            if progress:
                progress(f"    lock on {relation} busy ({label}, try {tries}); retrying in {pause:.1f} s")
            time.sleep(pause)
