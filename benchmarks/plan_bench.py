"""Time to plan 500 pending migrations (goal: under 1 s).

    .venv/bin/python benchmarks/plan_bench.py [--count 500] [--repeat 5]

The 500 migrations are the corpus files (tests/corpus, dangerous and safe, with rollbacks for the
safe ones) renamed into one timestamped series. Measured in the same run:
  parse   pglast parsing alone: the floor (PostgreSQL's own parser)
  plan    build_plan: parse + lock analysis + every rule + rollback coverage + schema model
  render  the markdown comment (with its size limit) from that plan
  cli     `lint DIR --format json` in a fresh process (Python start-up and imports included)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from toolkit.plan.build import build_plan  # noqa: E402
from toolkit.plan.model import PendingMigration  # noqa: E402
from toolkit.report.markdown import render  # noqa: E402
from toolkit.sql.parse import SqlSyntaxError, parse  # noqa: E402

CORPUS = ROOT / "tests" / "corpus"


def make_series(count: int, directory: Path) -> list[PendingMigration]:
    sources = sorted((CORPUS / "dangerous").glob("*.sql")) + sorted((CORPUS / "safe").glob("*.sql"))
    out = []
    for i in range(count):
        src = sources[i % len(sources)]
        name = f"20250201_{i:06d}_{src.stem[16:]}"
        text = src.read_text()
        rb = f"BEGIN;\n-- undo {name}\nSELECT 1;\nCOMMIT;\n" if "safe" in src.parent.name else None
        (directory / f"{name}.sql").write_text(text)
        if rb:
            (directory / f"{name}_rollback.sql").write_text(rb)
        out.append(PendingMigration(name, f"migrations/{name}.sql", text,
                                    f"migrations/{name}_rollback.sql" if rb else None, rb))
    return out


def best(fn, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        mdir = Path(tmp) / "migrations"
        mdir.mkdir()
        pending = make_series(args.count, mdir)

        def parse_all() -> None:
            for m in pending:
                try:
                    parse(m.text, m.path)
                except SqlSyntaxError:
                    pass

        holder = {}

        def plan_all() -> None:
            holder["plan"] = build_plan(pending, environment="production", source="bench")

        def render_all() -> None:
            holder["md"] = render(holder["plan"], marker="<!-- migrate-action:plan:production -->")

        def cli() -> None:
            subprocess.run([sys.executable, "-m", "toolkit", "lint", str(mdir), "--format", "json", "--dir", str(mdir)],
                           cwd=tmp, capture_output=True, check=False)

        p_min, p_med = best(parse_all, args.repeat)
        b_min, b_med = best(plan_all, args.repeat)
        r_min, r_med = best(render_all, args.repeat)
        c_min, c_med = best(cli, max(1, args.repeat // 2))
        plan = holder["plan"]
        print(f"{args.count} migrations, {sum(m.statement_count for m in plan.migrations)} statements, "
              f"{len(plan.findings)} findings, comment {len(holder['md']):,} chars")
        print(f"parse  (floor)  best {p_min * 1000:7.1f} ms  median {p_med * 1000:7.1f} ms")
        print(f"plan            best {b_min * 1000:7.1f} ms  median {b_med * 1000:7.1f} ms  "
              f"({b_min / p_min:.1f}x parse)")
        print(f"render markdown best {r_min * 1000:7.1f} ms  median {r_med * 1000:7.1f} ms")
        print(f"cli lint (json) best {c_min * 1000:7.1f} ms  median {c_med * 1000:7.1f} ms  (new process)")
        goal = "met" if b_min + r_min < 1.0 else "MISSED"
        print(f"goal (plan + render < 1 s): {goal}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
