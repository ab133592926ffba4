"""Migration engine benchmark: 1,000 small migrations (a table, an index, an insert each).

Whole-process wall time, medians of N interleaved runs on one durable (fsync on) throwaway cluster:
- floor:   `psql -1 -f all.sql` (everything concatenated, one transaction)
- dbmate:  `dbmate up` (npm package `dbmate`, installed under benchmarks/node_modules on first run)
- toolkit: `python -m toolkit migrate --env dev`
and `status` on the 1,000 applied migrations.

    .venv/bin/python benchmarks/engine_bench.py [--migrations 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from toolkit.localdev.postgres import LocalPostgres  # noqa: E402


def body(i: int) -> str:
    return (f"CREATE TABLE bench_{i} (id bigint PRIMARY KEY, label text NOT NULL);\n"
            f"CREATE INDEX bench_{i}_label ON bench_{i} (label);\n"
            f"INSERT INTO bench_{i} VALUES ({i}, 'row {i}');\n")


def write_sets(base: Path, n: int) -> tuple[Path, Path, Path]:
    ours, dbm = base / "migrations", base / "dbmate"
    ours.mkdir()
    dbm.mkdir()
    chunks = []
    for i in range(n):
        stamp = f"20240101_{i // 3600:02d}{i // 60 % 60:02d}{i % 60:02d}"
        (ours / f"{stamp}_bench_{i}.sql").write_text(f"-- Migration: bench_{i}\nBEGIN;\n{body(i)}COMMIT;\n")
        (dbm / f"{stamp.replace('_', '')}_bench_{i}.sql").write_text(f"-- migrate:up\n{body(i)}\n-- migrate:down\n")
        chunks.append(body(i))
    concat = base / "all.sql"
    concat.write_text("".join(chunks))
    return ours, dbm, concat


def dbmate_bin() -> str:
    bench = ROOT / "benchmarks"
    exe = bench / "node_modules" / ".bin" / "dbmate"
    if not exe.exists():
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(bench), "dbmate@2"],
                       check=True)
    return str(exe)


def timed(cmd: list[str], env: dict | None = None, cwd: Path | None = None) -> float:
    start = time.perf_counter()
    r = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if r.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed: {r.stderr.strip()[-500:]}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--migrations", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    base = Path(tempfile.mkdtemp(prefix="engine-bench-"))
    ours, dbm, concat = write_sets(base, args.migrations)
    dbmate = dbmate_bin()
    pg = LocalPostgres(durable=True).start()
    psql = str(pg.bindir / "psql") if (pg.bindir / "psql").exists() else "psql"
    times: dict[str, list[float]] = {"psql -1 -f": [], "dbmate up": [], "toolkit migrate": [], "toolkit status": []}
    try:
        for run in range(args.runs):
            for tool in ("psql -1 -f", "dbmate up", "toolkit migrate"):
                db = f"b{run}_{tool.split()[0]}"
                url = pg.create_database(db)
                if tool == "psql -1 -f":
                    t = timed([psql, "-q", "-X", "-v", "ON_ERROR_STOP=1", "-1", "-f", str(concat), url])
                elif tool == "dbmate up":
                    t = timed([dbmate, "--url", url + "?sslmode=disable", "--migrations-dir", str(dbm),
                               "--no-dump-schema", "up"])
                else:
                    env = {**os.environ, "DATABASE_URL": url, "MIGRATIONS_DIR": str(ours)}
                    t = timed([sys.executable, "-m", "toolkit", "migrate", "--env", "dev"], env=env, cwd=ROOT)
                    times["toolkit status"].append(
                        timed([sys.executable, "-m", "toolkit", "status", "--env", "dev"], env=env, cwd=ROOT))
                times[tool].append(t)
                pg.drop_database(db)
            print(f"run {run + 1}/{args.runs}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in times.items()),
                  file=sys.stderr)
    finally:
        pg.stop()
        shutil.rmtree(base, ignore_errors=True)

    med = {k: statistics.median(v) for k, v in times.items()}
    floor = med["psql -1 -f"]
    print(f"\n{args.migrations} migrations (table + index + insert each), median of {args.runs} runs, fsync on")
    print(f"{'tool':<18}{'median s':>10}{'x psql':>10}")
    for k in ("psql -1 -f", "dbmate up", "toolkit migrate"):
        print(f"{k:<18}{med[k]:>10.2f}{med[k] / floor:>10.2f}")
    print(f"toolkit migrate / dbmate up: {med['toolkit migrate'] / med['dbmate up']:.2f}")
    print(f"toolkit status on {args.migrations} applied migrations: {med['toolkit status']:.3f} s (whole process)")


if __name__ == "__main__":
    main()
