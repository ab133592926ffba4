"""Embedded throwaway clusters (tracer, proofs, rehearsal): a kill -9 leaves one running; the next
run of any of them stops and removes it, never a live run's."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from toolkit.localdev import scratchcluster
from toolkit.localdev.processes import process_alive

_HOLD = textwrap.dedent("""
    import sys, time
    from toolkit.trace.scratch import embedded_server
    with embedded_server() as cluster:
        print(cluster.base, flush=True)
        time.sleep(120)
""")


def _postmaster(d: Path) -> int | None:
    pidfile = d / "data" / "postmaster.pid"
    return int(pidfile.read_text().split("\n", 1)[0]) if pidfile.exists() else None


def _hold_cluster(base: Path) -> tuple[subprocess.Popen, Path]:
    p = subprocess.Popen([sys.executable, "-c", _HOLD], env={**os.environ, "TMPDIR": str(base)},
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None
    line = p.stdout.readline().strip()
    assert line, f"the cluster did not start ({p.wait()})"
    return p, Path(line)


def test_a_killed_runs_cluster_is_stopped_and_removed_and_a_live_ones_kept():
    base = Path(tempfile.mkdtemp(prefix="scratchcluster-test-"))
    base.chmod(0o755)  # the cluster runs as the postgres user when root
    live = None
    try:
        killed, killed_dir = _hold_cluster(base)
        live, live_dir = _hold_cluster(base)
        assert killed_dir.name.startswith(f"migrate-action-trace-{killed.pid}-")
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        postmaster = _postmaster(killed_dir)
        assert postmaster and process_alive(postmaster)  # nothing could clean up after kill -9

        removed = scratchcluster.sweep(base)

        assert removed == [str(killed_dir)]
        assert not process_alive(postmaster) and not killed_dir.exists()
        live_pm = _postmaster(live_dir)
        assert live_dir.exists() and live_pm and process_alive(live_pm)  # a running creator's is kept
    finally:
        if live is not None:
            live.send_signal(signal.SIGTERM)  # turned into an exception: the normal removal runs
            live.wait(timeout=60)
        for d in base.glob("migrate-action-*"):
            pm = _postmaster(d)
            if pm and process_alive(pm):
                os.kill(pm, signal.SIGQUIT)
        time.sleep(0.2)
        left = list(base.iterdir())
        shutil.rmtree(base, ignore_errors=True)
    assert left == []  # the SIGTERMed run removed its own cluster


def test_workdir_names_carry_the_purpose_and_the_creator():
    base = Path(tempfile.mkdtemp(prefix="scratchcluster-test-"))
    try:
        d = scratchcluster.workdir("rehearse", base)
        assert d.name.startswith(f"migrate-action-rehearse-{os.getpid()}-")
        assert scratchcluster.sweep(base) == [] and d.exists()  # this process is alive
        stranger = base / "migrate-action-rehearse-notapid-x"
        stranger.mkdir()
        assert scratchcluster.sweep(base) == [] and stranger.exists()  # not ours: left alone
    finally:
        shutil.rmtree(base, ignore_errors=True)
