"""Where a rehearsal restores to: a throwaway database on a given server (--scratch-url), or an
embedded throwaway cluster (toolkit.localdev.postgres). Both are named recognisably with the
creating process's pid, so a later run removes what a killed one (kill -9) left behind: the
databases are toolkit/localdev/scratchdb.py's (purpose `rehearse`), the clusters are swept here.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from toolkit.db import connect, describe
from toolkit.localdev import scratchdb
from toolkit.localdev.processes import process_alive as pid_alive

DB_PREFIX = "migrate_action_rehearse_"  # scratchdb.scratch_name("rehearse") starts so
DIR_PREFIX = "migrate-action-rehearse-"
_DIR = re.compile(r"^" + re.escape(DIR_PREFIX) + r"(\d+)-(\w+)$")


@dataclass
class Scratch:
    url: str  # the scratch database
    where: str  # for messages: "embedded cluster" or host:port
    workdir: Path  # temporary files (the decompressed dump) live here; removed with the scratch


def cleanup_databases(conn: psycopg.Connection) -> list[str]:
    """Drop scratch databases (of any purpose) whose creating run is gone; return their names."""
    return list(scratchdb.sweep(conn))


def cleanup_clusters(base: Path | None = None) -> list[str]:
    """Stop and remove embedded rehearsal clusters whose creating process is gone."""
    base = Path(base or tempfile.gettempdir())
    removed = []
    for d in sorted(base.glob(DIR_PREFIX + "*")):
        m = _DIR.match(d.name)
        if not m or int(m.group(1)) == os.getpid() or pid_alive(int(m.group(1))):
            continue
        pidfile = d / "data" / "postmaster.pid"
        if pidfile.exists():
            try:
                postmaster = int(pidfile.read_text().split("\n", 1)[0])
                os.kill(postmaster, signal.SIGQUIT)  # immediate shutdown
                for _ in range(200):
                    if not pid_alive(postmaster):
                        break
                    time.sleep(0.05)
            except (ValueError, ProcessLookupError, PermissionError):
                pass
        shutil.rmtree(d, ignore_errors=True)
        removed.append(str(d))
    return removed


def _workdir(parent: Path | None = None) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"{DIR_PREFIX}{os.getpid()}-", dir=parent))


@contextmanager
def scratch_database(server_url: str) -> Iterator[Scratch]:
    """A new empty database on the server of `server_url`, dropped on the way out."""
    cleanup_clusters()  # also the work directories (with a dump copy) of killed runs
    with connect(server_url, application_name="migrate-action rehearse") as admin:
        cleanup_databases(admin)
    name, url = scratchdb.create(server_url, "rehearse", hint="the --scratch-url role needs CREATEDB")
    workdir = Path(tempfile.mkdtemp(prefix=f"{DIR_PREFIX}{os.getpid()}-"))
    try:
        yield Scratch(url, describe(server_url).rsplit("/", 1)[0], workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        scratchdb.drop(server_url, name)


@contextmanager
def embedded_cluster() -> Iterator[Scratch]:
    """A throwaway cluster in a temporary directory named after this process, removed on the way
    out (a SIGTERM from a cancelled job is turned into an exception so this still runs)."""
    from toolkit.localdev.postgres import LocalPostgres

    cleanup_clusters()
    base = _workdir()
    cluster = LocalPostgres(base)
    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    except ValueError:
        pass  # not the main thread
    try:
        cluster.start()
        work = base / "work"
        work.mkdir()
        yield Scratch(cluster.url("postgres"), "embedded cluster", work)
    finally:
        cluster.stop(remove=True)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")
