"""Throwaway embedded PostgreSQL clusters that a killed run cannot leave running.

A cluster lives in `<tmp>/migrate-action-<purpose>-<pid>-<random>/`; the pid is its creator's. A
later run (of any purpose) stops and removes the clusters and work directories of creators that
are gone: after a `kill -9` of a CI step the postmaster would otherwise keep running, holding a
port, memory and a copy of the data. A SIGTERM (a cancelled job) is turned into an exception so the
normal removal runs.
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
from pathlib import Path

from toolkit.localdev.postgres import LocalPostgres
from toolkit.localdev.processes import process_alive

PURPOSES = ("rehearse", "trace")
_DIR = re.compile(r"^migrate-action-(" + "|".join(PURPOSES) + r")-(\d+)-\w+$")


def workdir(purpose: str, parent: Path | None = None) -> Path:
    """A new directory for this run's cluster or temporary files, swept once this process is gone."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown scratch purpose {purpose!r}")
    return Path(tempfile.mkdtemp(prefix=f"migrate-action-{purpose}-{os.getpid()}-", dir=parent))


def sweep(base: Path | None = None) -> list[str]:
    """Stop and remove the clusters and work directories whose creating process is gone."""
    removed = []
    for d in sorted(Path(base or tempfile.gettempdir()).glob("migrate-action-*-*-*")):
        m = _DIR.match(d.name)
        if not m or int(m.group(2)) == os.getpid() or process_alive(int(m.group(2))):
            continue
        _stop_postmaster(d / "data" / "postmaster.pid")
        shutil.rmtree(d, ignore_errors=True)
        removed.append(str(d))
    return removed


def _stop_postmaster(pidfile: Path) -> None:
    try:
        postmaster = int(pidfile.read_text().split("\n", 1)[0])
        os.kill(postmaster, signal.SIGQUIT)  # immediate shutdown: the data is thrown away anyway
    except (OSError, ValueError):
        return  # no pid file, or the postmaster is gone already
    for _ in range(200):
        if not process_alive(postmaster):
            return
        time.sleep(0.05)


@contextmanager
def embedded_cluster(purpose: str) -> Iterator[LocalPostgres]:
    """A started throwaway cluster on 127.0.0.1, stopped and removed on the way out."""
    sweep()
    cluster = LocalPostgres(workdir(purpose))
    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    except ValueError:
        pass  # not the main thread: the caller's own handling applies
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop(remove=True)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")
