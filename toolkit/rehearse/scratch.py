"""Where a rehearsal restores to: a throwaway database on a given server (--scratch-url), or an
embedded throwaway cluster (toolkit.localdev.postgres). Both are named recognisably with the
creating process's pid, so a later run removes what a killed one (kill -9) left behind: the
databases are toolkit/localdev/scratchdb.py's (purpose `rehearse`), the clusters and work
directories toolkit/localdev/scratchcluster.py's.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import msgspec
import psycopg

from toolkit.db import connect, describe
from toolkit.localdev import scratchcluster, scratchdb

DB_PREFIX = "migrate_action_rehearse_"  # scratchdb.scratch_name("rehearse") starts so
DIR_PREFIX = "migrate-action-rehearse-"  # scratchcluster.workdir("rehearse") starts so


class Scratch(msgspec.Struct):
    url: str  # the scratch database
    where: str  # for messages: "embedded cluster" or host:port
    workdir: Path  # temporary files (the decompressed dump) live here; removed with the scratch


def cleanup_databases(conn: psycopg.Connection) -> list[str]:
    """Drop scratch databases (of any purpose) whose creating run is gone; return their names."""
    return list(scratchdb.sweep(conn))


@contextmanager
def scratch_database(server_url: str) -> Iterator[Scratch]:
    """A new empty database on the server of `server_url`, dropped on the way out."""
    scratchcluster.sweep()  # also the work directories (with a dump copy) of killed runs
    with connect(server_url, application_name="migrate-action rehearse") as admin:
        cleanup_databases(admin)
    name, url = scratchdb.create(server_url, "rehearse", hint="the --scratch-url role needs CREATEDB")
    workdir = scratchcluster.workdir("rehearse")
    try:
        yield Scratch(url, describe(server_url).rsplit("/", 1)[0], workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        scratchdb.drop(server_url, name)


@contextmanager
def embedded_cluster() -> Iterator[Scratch]:
    """A throwaway cluster (toolkit/localdev/scratchcluster.py), removed on the way out, also after
    a SIGTERM; one a kill -9 left is removed by a later run."""
    with scratchcluster.embedded_cluster("rehearse") as cluster:
        work = cluster.base / "work"
        work.mkdir()
        yield Scratch(cluster.url("postgres"), "embedded cluster", work)
