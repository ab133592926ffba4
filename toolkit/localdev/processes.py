"""Is a process still there? For the leftover sweeps of throwaway databases and clusters: a scratch
name records its creator's pid (and when it was made), and a later run drops what a dead creator
left behind."""

from __future__ import annotations

import os


def process_alive(pid: int, started_before: float | None = None) -> bool:
    """True when process `pid` exists on this machine and is not a zombie (an orphaned postmaster may
    linger as one until init reaps it). With `started_before` (a unix time, e.g. when a scratch
    database was created), a process started later has only reused the pid: not alive. When /proc
    cannot tell, an existing pid counts as alive (never drop what may be in use)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        if fields[0] in ("Z", "X"):
            return False
        if started_before is None:
            return True
        with open("/proc/stat", encoding="ascii") as fh:
            boot = next(int(line.split()[1]) for line in fh if line.startswith("btime"))
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK") <= started_before + 1
    except (OSError, ValueError, IndexError, StopIteration):
        return True
