"""Where a rehearsal restores to: a throwaway database on a given server (--scratch-url), or an
embedded throwaway cluster (toolkit.localdev.postgres). Both are named recognisably with the
creating process's pid, so a later run removes what a killed one (kill -9) left behind.

(Helper H5's toolkit/trace/scratch.py does the same for the tracer; fold this in once it lands.)
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from toolkit.db import connect, describe
from toolkit.errors import ToolkitError
from toolkit.localdev.processes import process_alive as pid_alive

DB_PREFIX = "migrate_action_rehearse_"
DIR_PREFIX = "migrate-action-rehearse-"
_NAME = re.compile(r"^" + DB_PREFIX + r"(\d+)_([0-9a-f]+)$")
_DIR = re.compile(r"^" + re.escape(DIR_PREFIX) + r"(\d+)-(\w+)$")
MAX_AGE_S = 6 * 3600


@dataclass
class Scratch:
    url: str  # the scratch database
    where: str  # for messages: "embedded cluster" or host:port
    workdir: Path  # temporary files (the decompressed dump) live here; removed with the scratch


def scratch_db_name() -> str:
    return f"{DB_PREFIX}{os.getpid()}_{secrets.token_hex(4)}"


def cleanup_databases(conn: psycopg.Connection) -> list[str]:
    """Drop rehearsal databases whose creating process is gone (or that are older than 6 h)."""
    dropped = []
    rows = conn.execute(
        "SELECT d.datname, coalesce(extract(epoch FROM now() - "
        "(pg_stat_file('base/' || d.oid || '/PG_VERSION', true)).modification), 0) "
        "FROM pg_database d WHERE d.datname LIKE %s", (DB_PREFIX.replace("_", r"\_") + "%",)).fetchall() \
        if _superuser(conn) else conn.execute(
            "SELECT datname, 0 FROM pg_database WHERE datname LIKE %s", (DB_PREFIX.replace("_", r"\_") + "%",)
        ).fetchall()
    for name, age in rows:
        m = _NAME.match(name)
        if not m:
            continue
        pid = int(m.group(1))
        if pid != os.getpid() and (not pid_alive(pid) or float(age or 0) > MAX_AGE_S):
            try:
                # Without FORCE: a rehearsal alive on another machine (same pid by chance) is
                # connected, so its database is refused here; a killed one's sessions are gone.
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
                dropped.append(name)
            except psycopg.Error:
                pass
    return dropped


def _superuser(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]


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
        name = scratch_db_name()
        try:
            admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
        except psycopg.Error as exc:
            raise ToolkitError(f"cannot create a scratch database on {describe(server_url)}: "
                               f"{exc.diag.message_primary or exc}",
                               hint="the --scratch-url role needs CREATEDB") from None
    url = psycopg.conninfo.make_conninfo(server_url, dbname=name)
    workdir = Path(tempfile.mkdtemp(prefix=f"{DIR_PREFIX}{os.getpid()}-"))
    try:
        yield Scratch(url, describe(server_url).rsplit("/", 1)[0], workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        with connect(server_url, application_name="migrate-action rehearse") as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


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
