"""process_alive: the one answer the leftover sweeps (trace, verify --restore-test, rehearse) rely on."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from toolkit.localdev.processes import process_alive


def test_this_process_is_alive_and_a_finished_one_is_not() -> None:
    assert process_alive(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not process_alive(child.pid)


def test_a_zombie_is_not_alive() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # exited but not yet reaped: a zombie
        with open(f"/proc/{child.pid}/stat") as fh:
            if fh.read().rsplit(")", 1)[1].split()[0] == "Z":
                break
        time.sleep(0.01)
    try:
        assert not process_alive(child.pid)
    finally:
        child.wait()


def test_a_pid_started_after_the_database_was_created_is_not_its_creator() -> None:
    assert process_alive(os.getpid(), started_before=time.time())
    assert not process_alive(os.getpid(), started_before=time.time() - 10 * 24 * 3600)
