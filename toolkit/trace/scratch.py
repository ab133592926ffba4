"""Throwaway places to trace on: a scratch database on a given server, or a whole embedded
cluster (toolkit.localdev.postgres).

Scratch databases are toolkit/localdev/scratchdb.py's, purpose `scratch`
(migrate_action_scratch_<host>_<pid>_<unix time>_<random>): a later run of any part that makes
them drops what a killed one left.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

import psycopg

from toolkit.localdev import scratchcluster, scratchdb
from toolkit.localdev.postgres import LocalPostgres

PREFIX = "migrate_action_scratch_"


def create_scratch(conninfo: str, *, template: str | None = None) -> tuple[str, str]:
    """Create a scratch database on conninfo's server; return (its name, its conninfo). It is
    dropped when this process exits normally, if drop_scratch was not called before."""
    return scratchdb.create(conninfo, "scratch", template=template)


def drop_scratch(conninfo: str, name: str) -> None:
    scratchdb.drop(conninfo, name)


@contextmanager
def scratch_database(conninfo: str, *, template: str | None = None) -> Iterator[str]:
    """A fresh database for the duration of the block; yields its conninfo."""
    name, url = create_scratch(conninfo, template=template)
    try:
        yield url
    finally:
        with suppress(psycopg.Error):
            drop_scratch(conninfo, name)


def cleanup_leftovers(conn: psycopg.Connection) -> list[str]:
    """Drop the scratch databases (of any purpose) on conn's server that dead runs left; return
    their names. conn must be autocommit."""
    return list(scratchdb.sweep(conn))


@contextmanager
def embedded_server() -> Iterator[LocalPostgres]:
    """A private throwaway cluster on 127.0.0.1 for the block (initdb + pg_ctl; removed after, also
    after a SIGTERM; one a kill -9 left is removed by a later run: toolkit/localdev/scratchcluster.py)."""
    with scratchcluster.embedded_cluster("trace") as cluster:
        yield cluster
