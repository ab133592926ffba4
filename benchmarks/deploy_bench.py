"""Deploy benchmark: the wall time of a whole local deploy of the example migrations, and the share
of it spent starting Python and importing.

    .venv/bin/python benchmarks/deploy_bench.py            # 3 runs, medians
    .venv/bin/python benchmarks/deploy_bench.py --runs 5

Each run is `python -X importtime -m toolkit local-deploy --format json` in a fresh process (as the
action runs it: one interpreter per job step), so it pays what a user pays. From each run:

  wall          the whole command, start of the process to its exit
  servers       starting the throwaway PostgreSQL, SeaweedFS and the health app (a local-only cost:
                in CI the database, the bucket and the service already exist)
  deploy        backup -> verify -> migrate -> health checks (the job the action runs)
  imports       sum of the top-level imports `-X importtime` reports (everything the run imported)
  startup       a bare `python -c pass`, measured separately (median of 10)

and prints the overhead (startup + imports, goal < 1 s) and its share of the wall time and of the
deploy job without the local servers.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_IMPORT = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def python_startup_s(n: int = 10) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def top_level_imports_s(stderr: str) -> float:
    """Sum of the cumulative time of imports at the top level (indent 1 in -X importtime's tree)."""
    total_us = 0
    for line in stderr.splitlines():
        m = _IMPORT.match(line)
        if m and len(m.group(3)) == 1:
            total_us += int(m.group(2))
    return total_us / 1e6


def one_run() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "GITHUB_", "AWS_", "BACKUP_S3"))}
    env["NO_COLOR"] = "1"
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "toolkit", "local-deploy", "--format", "json"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"local-deploy failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    out = json.loads(proc.stdout)
    steps = {s["step"]: s["ms"] / 1000 for s in out["steps"]}
    servers = steps.pop("start", 0.0)
    return {"wall": wall, "servers": servers, "deploy": sum(steps.values()),
            "imports": top_level_imports_s(proc.stderr), "applied": len(out["applied"]), "result": out["result"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    startup = python_startup_s()
    runs = [one_run() for _ in range(args.runs)]
    med = {k: statistics.median(r[k] for r in runs) for k in ("wall", "servers", "deploy", "imports")}
    overhead = startup + med["imports"]
    job = med["wall"] - med["servers"]  # the process without the local-only server start
    print(f"local deploy of {runs[0]['applied']} example migrations ({runs[0]['result']}), "
          f"median of {args.runs} runs:")
    print(f"  wall time                      {med['wall']:6.2f} s")
    print(f"    servers start (local only)   {med['servers']:6.2f} s")
    print(f"    backup/verify/migrate/health {med['deploy']:6.2f} s")
    print(f"  python startup                 {startup:6.3f} s")
    print(f"  imports                        {med['imports']:6.3f} s")
    print(f"  overhead (startup + imports)   {overhead:6.3f} s   goal < 1 s: {'met' if overhead < 1 else 'NOT met'}")
    print(f"  overhead share of wall time    {overhead / med['wall']:6.1%}")
    print(f"  overhead share without servers {overhead / job:6.1%}   (of {job:.2f} s)")


if __name__ == "__main__":
    main()
