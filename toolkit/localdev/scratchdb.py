"""Throwaway databases on a given PostgreSQL server, for the three parts that make them: the tracer
and the proofs (purpose `scratch`), verify-backup --restore-test (`verify`) and rehearse
--scratch-url (`rehearse`). One name scheme, one create, one drop, one sweep of leftovers.

A name is migrate_action_<purpose>_<host>_<pid>_<unix time>_<random> (<host>: 6 hex digits of a
hash of the machine's name), so the purpose stays readable and any later run, of any of the three,
can tell what a killed run (kill -9 of a CI job) left from what is in use:
- made on this machine: a leftover once its creator is gone (process_alive also sees a pid that a
  later process reused); a live creator's database is never dropped, however old;
- made elsewhere: its creator cannot be seen from here, so a leftover once older than MAX_AGE_S,
  and dropped without FORCE: a session still in it means its run is alive (a long restore).
The names older versions used are still recognised (_LEGACY) and judged on what they record.
"""

from __future__ import annotations

import atexit
import hashlib
import re
import secrets
import socket
import time
from contextlib import suppress
from os import getpid

import msgspec
import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from toolkit.db import connect, describe
from toolkit.errors import ToolkitError
from toolkit.localdev.processes import process_alive

PREFIX = "migrate_action_"
PURPOSES = ("scratch", "verify", "rehearse")
MAX_AGE_S = 6 * 3600

_NAME = re.compile(r"migrate_action_(?:scratch|verify|rehearse)_(?P<host>[0-9a-f]{6})_(?P<pid>\d+)_(?P<created>\d+)"
                   r"_[0-9a-f]+")
# Older versions' names: the tracer's <pid>_<time>_<hex>, rehearse's <pid>_<hex>, verify's <hex>.
# None records the machine; verify's records nothing, so only its age (read from the server) tells.
_LEGACY = (re.compile(r"migrate_action_scratch_(?P<pid>\d+)_(?P<created>\d+)_[0-9a-f]+"),
           re.compile(r"migrate_action_rehearse_(?P<pid>\d+)_[0-9a-f]+"),
           re.compile(r"migrate_action_verify_[0-9a-f]{8}"))


class Origin(msgspec.Struct, frozen=True):
    """What a scratch database's name says about its creator (None: not recorded)."""

    host: str | None
    pid: int | None
    created: float | None


def host_tag() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:6]


def scratch_name(purpose: str, now: float | None = None) -> str:
    if purpose not in PURPOSES:  # the sweep must recognise every name made
        raise ValueError(f"unknown scratch database purpose {purpose!r}")
    created = int(time.time() if now is None else now)
    return f"{PREFIX}{purpose}_{host_tag()}_{getpid()}_{created}_{secrets.token_hex(2)}"


def parse(name: str) -> Origin | None:
    """Who made scratch database `name`, or None if it is not one of ours."""
    m = _NAME.fullmatch(name) or next(filter(None, (p.fullmatch(name) for p in _LEGACY)), None)
    if m is None:
        return None
    found = m.groupdict()
    return Origin(found.get("host"), int(found["pid"]) if "pid" in found else None,
                  float(found["created"]) if "created" in found else None)


def leftover_reason(name: str, now: float, *, host: str | None = None, age_s: float | None = None) -> str | None:
    """Why scratch database `name` is a leftover to drop, or None to leave it alone. `age_s`: its
    age as the server sees it, for a name that does not record when it was made."""
    origin = parse(name)
    if origin is None:
        return None
    here = host or host_tag()
    # An older version's name does not say which machine: as those versions did, assume this one.
    if origin.pid is not None and origin.host in (here, None) and not process_alive(origin.pid, origin.created):
        return f"its process {origin.pid} on this machine is gone"
    if origin.host == here:
        return None  # its creator is alive
    age = now - origin.created if origin.created is not None else age_s
    if age is not None and age > MAX_AGE_S:
        return f"created {int(age // 3600)} h ago"
    return None


def _ages(conn: psycopg.Connection) -> list[tuple[str, float | None]]:
    """Our databases on conn's server, with their age when the role may read it (the time of their
    PG_VERSION file; pg_stat_file is for superusers unless granted)."""
    readable = conn.execute("SELECT has_function_privilege('pg_stat_file(text, boolean)', 'EXECUTE')").fetchone()[0]
    age = sql.SQL("extract(epoch FROM now() - (pg_stat_file('base/' || oid || '/PG_VERSION', true)).modification)"
                  if readable else "NULL")
    return conn.execute(sql.SQL("SELECT datname, {}::float8 FROM pg_database WHERE starts_with(datname, %s) "
                                "ORDER BY 1").format(age), (PREFIX,)).fetchall()


def sweep(conn: psycopg.Connection) -> dict[str, str]:
    """Drop the leftovers of dead runs, of every purpose, on conn's server (conn is autocommit);
    return {name: why} for those dropped. One that cannot be dropped (in use, not ours to drop)
    is left alone."""
    now, here, dropped = time.time(), host_tag(), {}
    for name, age in _ages(conn):
        why = leftover_reason(name, now, host=here, age_s=age)
        if why is None:
            continue
        # FORCE only where its creator is known dead: it ends a killed run's orphaned pg_restore.
        force = sql.SQL(" WITH (FORCE)") if parse(name).host == here else sql.SQL("")
        try:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}{}").format(sql.Identifier(name), force))
        except psycopg.Error:
            continue
        dropped[name] = why
    return dropped


_pending: set[tuple[str, str]] = set()  # (server URL, name) created and not dropped yet


@atexit.register
def _drop_pending() -> None:
    for server_url, name in sorted(_pending):
        with suppress(psycopg.Error):
            drop(server_url, name)


def create(server_url: str, purpose: str, *, template: str | None = "template0",
           hint: str | None = None) -> tuple[str, str]:
    """Create a scratch database on server_url's server; return (its name, its URL). It is dropped
    at this process's normal exit if drop() was not called before. A refusal raises psycopg.Error,
    or, given a `hint`, a one-line ToolkitError with it."""
    name = scratch_name(purpose)
    query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:  # template0: a user's template1 may hold objects the caller did not create
        query = sql.SQL("{} TEMPLATE {}").format(query, sql.Identifier(template))
    with connect(server_url, application_name=f"migrate-action {purpose}") as admin:
        try:
            admin.execute(query)
        except psycopg.Error as exc:
            if hint is None:
                raise
            reason = (exc.diag.message_primary or str(exc)).strip().splitlines()[0]
            raise ToolkitError(f"cannot create a scratch database on {describe(server_url)}: {reason}",
                               hint=hint) from None
    _pending.add((server_url, name))
    return name, make_conninfo(server_url, dbname=name)


def drop(server_url: str, name: str) -> None:
    """Drop scratch database `name` (sessions still in it are ended); a failure is a psycopg.Error,
    for callers that drop on the way out and must not hide the error that got them there."""
    if parse(name) is None:
        raise ValueError(f"{name} is not a scratch database")
    with psycopg.connect(server_url, autocommit=True, application_name="migrate-action scratch",
                         connect_timeout=10) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    _pending.discard((server_url, name))
