"""Throwaway places to trace on: a scratch database on a given server, or a whole embedded
cluster (toolkit.localdev.postgres).

A scratch database is named migrate_action_scratch_<pid>_<unix time>_<random>, so a later run can
tell a leftover (its creator is dead, or it is older than 6 hours) from one in use, and drop it.
"""

from __future__ import annotations

import atexit
import os
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from toolkit.localdev.postgres import LocalPostgres
from toolkit.localdev.processes import process_alive

PREFIX = "migrate_action_scratch_"
MAX_AGE_S = 6 * 3600
_NAME = re.compile(re.escape(PREFIX) + r"(\d+)_(\d+)_[0-9a-f]+$")


def scratch_name(now: float | None = None) -> str:
    return f"{PREFIX}{os.getpid()}_{int(now if now is not None else time.time())}_{secrets.token_hex(4)}"


def _admin(conninfo: str) -> psycopg.Connection:
    return psycopg.connect(conninfo, autocommit=True)


_pending: set[tuple[str, str]] = set()  # (server conninfo, name) created and not dropped yet


@atexit.register
def _drop_pending() -> None:
    for conninfo, name in sorted(_pending):
        with suppress(psycopg.Error):
            drop_scratch(conninfo, name)


def create_scratch(conninfo: str, *, template: str | None = None) -> tuple[str, str]:
    """Create a scratch database on conninfo's server; return (its name, its conninfo). It is
    dropped when this process exits normally, if drop_scratch was not called before."""
    name = scratch_name()
    query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        query = sql.SQL("{} TEMPLATE {}").format(query, sql.Identifier(template))
    with _admin(conninfo) as conn:
        conn.execute(query)
    _pending.add((conninfo, name))
    return name, make_conninfo(conninfo, dbname=name)


def drop_scratch(conninfo: str, name: str) -> None:
    if not name.startswith(PREFIX):
        raise ValueError(f"{name} is not a scratch database")
    with _admin(conninfo) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    _pending.discard((conninfo, name))


@contextmanager
def scratch_database(conninfo: str, *, template: str | None = None) -> Iterator[str]:
    """A fresh database for the duration of the block; yields its conninfo."""
    name, url = create_scratch(conninfo, template=template)
    try:
        yield url
    finally:
        with suppress(psycopg.Error):
            drop_scratch(conninfo, name)


def cleanup_leftovers(conn: psycopg.Connection, *, max_age_s: float = MAX_AGE_S,
                      now: float | None = None) -> list[str]:
    """Drop the scratch databases on conn's server whose creating process is gone (on this host)
    or that are older than max_age_s; return their names. conn must be autocommit."""
    now = time.time() if now is None else now
    names = [r[0] for r in conn.execute(
        "SELECT datname FROM pg_database WHERE starts_with(datname, %s) ORDER BY 1", (PREFIX,)).fetchall()]
    dropped = []
    for name in names:
        m = _NAME.match(name)
        if not m:
            continue
        pid, created = int(m.group(1)), int(m.group(2))
        if process_alive(pid, created) and now - created <= max_age_s:
            continue
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        dropped.append(name)
    return dropped


@contextmanager
def embedded_server(base_dir: str | None = None) -> Iterator[LocalPostgres]:
    """A private throwaway cluster on 127.0.0.1 for the block (initdb + pg_ctl; removed after)."""
    cluster = LocalPostgres(base_dir).start()
    try:
        yield cluster
    finally:
        cluster.stop()
