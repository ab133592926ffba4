"""Peak memory of `lint` and of migrate's parse + check path on a 50 MB migration file.

    python benchmarks/memory_bench.py [--mb 50] [--only migrate_parse|lint] [--timeout 900]

Goal: peak RSS under 5x the file size, time linear in the file size. Two files: 500k one-line
INSERTs (the common case: a data migration), and one INSERT of 500k rows (a single statement as
big as the file: parsing it takes PostgreSQL's parser about 5x its size in C memory by itself).
A command still running after --timeout seconds is reported as such and stopped.

Each measurement runs in a fresh subprocess; its peak RSS comes from
resource.getrusage(RUSAGE_CHILDREN).ru_maxrss, and is printed with its ratio to the file size.
`migrate` against a database is not needed: the engine's memory is the parse (Statement values with
text, line, kind, tx_control, non_transactional, relations), which `migrate_parse` runs exactly as
the runner's load_step does.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = {
    "migrate_parse": (
        "import sys; from pathlib import Path\n"
        "from toolkit.migrations.files import discover\n"
        "from toolkit.migrations.runner import load_up\n"
        "for f in discover(Path(sys.argv[1])):\n"
        "    step = load_up(f)\n"
        "    n = sum(1 for s in step.statements if s.non_transactional or s.tx_control)\n"
        "    rel = sum(len(s.relations) for s in step.statements[:1000])\n"
        "    body = sum(1 for s in step.statements if s.text)\n"  # the engine sends each statement's text
    ),
    "lint": "import sys; from toolkit.cli import main; sys.argv = ['migrate-action', 'lint', '--no-rollback-check', '--dir', sys.argv[1]];"
            " main()",
    # the JSON report carries every statement's lock facts: ~5x the SQL's size as text. json_report.chunks
    # makes it a piece at a time (no dict per statement); the command still joins it into one string
    "lint_json": "import sys; from toolkit.cli import main; sys.argv = ['migrate-action', 'lint', '--no-rollback-check', '--dir',"
                 " sys.argv[1], '--format', 'json']; main()",
}


def many_inserts(size: int) -> str:
    line = "INSERT INTO events (id, kind, payload) VALUES ({i}, 'signup', 'some text payload for row {i}');\n"
    out, total, i = [], 0, 0
    while total < size:
        s = line.format(i=i)
        out.append(s)
        total += len(s)
        i += 1
    return "CREATE TABLE events (id bigint, kind text, payload text);\n" + "".join(out)


def one_big_insert(size: int) -> str:
    rows, total, i = [], 0, 0
    while total < size:
        s = f"({i}, 'signup', 'some text payload for row {i}'),\n"
        rows.append(s)
        total += len(s)
        i += 1
    return ("CREATE TABLE events (id bigint, kind text, payload text);\n"
            "INSERT INTO events (id, kind, payload) VALUES\n" + "".join(rows).rstrip(",\n") + ";\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=50)
    ap.add_argument("--only", choices=sorted(CHILD))
    ap.add_argument("--timeout", type=float, default=900, help="seconds per command")
    args = ap.parse_args()
    size = int(args.mb * 1_000_000)
    print(f"{'case':<16} {'command':<14} {'file':>8} {'peak RSS':>10} {'ratio':>6} {'time':>7}")
    for case, make in (("many-inserts", many_inserts), ("one-big-insert", one_big_insert)):
        with tempfile.TemporaryDirectory() as tmp:
            mdir = Path(tmp) / "migrations"
            mdir.mkdir()
            path = mdir / "20240101_000000_big.sql"
            path.write_text(make(size))
            file_mb = path.stat().st_size / 1e6
            for name, code in CHILD.items():
                if args.only and name != args.only:
                    continue
                # RUSAGE_CHILDREN is a maximum over all children: measure each in its own grandchild.
                wrapper = (f"import resource, subprocess, sys\n"
                           f"r = subprocess.run([sys.executable, '-c', {code!r}, sys.argv[1]], stdout=subprocess.DEVNULL)\n"
                           f"assert r.returncode in (0, 1), r.returncode\n"
                           f"print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
                start = time.monotonic()
                # its own process group: on timeout the measured grandchild is stopped too
                proc = subprocess.Popen([sys.executable, "-c", wrapper, str(mdir)], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, start_new_session=True)
                try:
                    stdout, stderr = proc.communicate(timeout=args.timeout)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.communicate()
                    print(f"{case:<16} {name:<14} {file_mb:>6.1f}MB  still running after {args.timeout:.0f} s",
                          flush=True)
                    continue
                out = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
                # the child's own failure (not a lint exit 1) would make the figure meaningless
                elapsed = time.monotonic() - start
                if out.returncode != 0 or not out.stdout.strip():
                    raise SystemExit(f"{name} failed: {out.stderr.strip()[-500:]}")
                peak_mb = int(out.stdout.split()[-1]) * 1024 / 1e6
                ratio = peak_mb / file_mb
                print(f"{case:<16} {name:<14} {file_mb:>6.1f}MB {peak_mb:>8.0f}MB {ratio:>5.1f}x "
                      f"{elapsed:>6.1f}s  {'under 5x' if ratio < 5 else 'OVER 5x'}", flush=True)


if __name__ == "__main__":
    main()
