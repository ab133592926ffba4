"""Whole-process `lint` time on a 342-migration set of real migrations, beside Squawk.

    .venv/bin/pip install squawk-cli        # benchmark-only; the test suite does not need it
    .venv/bin/python benchmarks/lint_speed.py [--repeat 7] [--squawk PATH]

The set: the first 342 up-migrations of tests/realsets/hydra and tests/realsets/concourse (real
projects' migrations, 224 + 118), each with its rollback file, copied into one temporary folder.
Measured in the same run, each a fresh process, best and median of --repeat runs:
  startup   python -c "import toolkit.cli"  (interpreter + our imports: the floor of any command)
  lint      python -m toolkit lint --dir D --fail-on never  (rollback coverage included)
  squawk    squawk --pg-version 15.0 <the 342 up-migrations>
Wall time and user+sys CPU time are both printed: on a busy machine the CPU time is the steadier figure.
The package's bytecode is compiled first (as pip does on install): with PYTHONDONTWRITEBYTECODE set, an
edited checkout would otherwise compile every changed module again in each measured run.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETS = ("hydra", "concourse")
COUNT = 342
SQUAWK_AT_GOAL_S = 0.08  # squawk on the 342-file set where the goal was set
GOAL_S = 0.4


def build_set(directory: Path, count: int) -> list[Path]:
    ups: list[Path] = []
    for name in SETS:
        src = ROOT / "tests" / "realsets" / name / "migrations"
        ups += sorted(p for p in src.glob("*.sql") if not p.stem.endswith("_rollback"))
    ups = ups[:count]
    out = []
    for p in ups:
        shutil.copy(p, directory / p.name)
        rb = p.with_name(f"{p.stem}_rollback.sql")
        if rb.exists():
            shutil.copy(rb, directory / rb.name)
        out.append(directory / p.name)
    return out


def timed(cmd: list[str], cwd: str) -> tuple[float, float]:
    """(wall, user+sys CPU) seconds of one child process."""
    before = os.times()
    t = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = os.times()
    # lint with --fail-on never exits 0: anything else is a failure, not a fast run
    ok = (0, 1, 2) if "squawk" in cmd[0] else (0,)
    if r.returncode not in ok:
        sys.exit(f"{' '.join(cmd[:4])} failed ({r.returncode}): {r.stderr.strip()[-400:]}")
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def measure(cmd: list[str], cwd: str, repeat: int) -> dict[str, float]:
    runs = [timed(cmd, cwd) for _ in range(repeat)]
    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
    return {"wall": min(walls), "wall_med": statistics.median(walls), "cpu": min(cpus),
            "cpu_med": statistics.median(cpus)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--count", type=int, default=COUNT)
    ap.add_argument("--squawk", default=shutil.which("squawk") or str(ROOT / ".venv/bin/squawk"))
    args = ap.parse_args()
    compileall.compile_dir(ROOT / "toolkit", quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        mdir = Path(tmp) / "migrations"
        mdir.mkdir()
        ups = build_set(mdir, args.count)
        rows = {
            "startup": measure([sys.executable, "-c", "import toolkit.cli"], tmp, args.repeat),
            "lint": measure([sys.executable, "-m", "toolkit", "lint", "--dir", str(mdir), "--fail-on", "never"],
                            tmp, args.repeat),
        }
        if Path(args.squawk).exists() or shutil.which(args.squawk):
            rows["squawk"] = measure([args.squawk, "--pg-version", "15.0", *map(str, ups)], tmp, args.repeat)
        else:
            print("squawk not found: .venv/bin/pip install squawk-cli (or pass --squawk PATH)")
        files = len(list(mdir.glob("*.sql")))
        print(f"{len(ups)} migrations ({files} files with rollbacks) from tests/realsets/{{{','.join(SETS)}}}")
        print(f"{'':<9} {'wall best':>10} {'median':>9} {'cpu best':>10} {'median':>9}")
        for name, r in rows.items():
            print(f"{name:<9} {r['wall'] * 1000:>8.0f}ms {r['wall_med'] * 1000:>7.0f}ms "
                  f"{r['cpu'] * 1000:>8.0f}ms {r['cpu_med'] * 1000:>7.0f}ms")
        lint, start = rows["lint"], rows["startup"]
        print(f"lint / startup: wall {lint['wall'] / start['wall']:.1f}x, cpu {lint['cpu'] / start['cpu']:.1f}x;"
              f" lint beyond startup: {(lint['cpu'] - start['cpu']) * 1000:.0f} ms cpu")
        print(f"goal (lint whole process <= {GOAL_S} s): {'met' if lint['wall'] <= GOAL_S else 'MISSED'} "
              f"(wall best {lint['wall']:.2f} s, cpu best {lint['cpu']:.2f} s)")
        if "squawk" in rows:
            # The goal was set where squawk took 0.08 s: 0.4 s is 5x squawk. Machines differ; the ratio
            # measured in the same run does not depend on which one this is.
            ratio = lint["wall"] / rows["squawk"]["wall"]
            print(f"lint / squawk (same run): {ratio:.1f}x; the goal's ratio is {GOAL_S / SQUAWK_AT_GOAL_S:.1f}x "
                  f"({GOAL_S} s against squawk's {SQUAWK_AT_GOAL_S} s): {'met' if ratio <= GOAL_S / SQUAWK_AT_GOAL_S else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
