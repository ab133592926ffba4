"""How right the plan's static claims are on real migrations: precision/recall per set.

    .venv/bin/python benchmarks/claims_report.py                 # every set under tests/realsets
    .venv/bin/python benchmarks/claims_report.py hydra -v        # one set, with every mismatch

Starts a throwaway PostgreSQL 15, applies each set (tests/realsets/<set>/migrations) in order on a
fresh database with the tracer, and compares: "rewrites the table" claims with the existing tables
that got a new relfilenode (TRUNCATE excluded); the strongest lock claimed per existing table with
the strongest lock pg_locks showed; rollback-incomplete with the proof up -> rollback -> catalog
diff. See docs/plan-accuracy.md for the method and the figures.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402

from tests.realsets.claims import SETS, LockScore, Score, measure_set  # noqa: E402
from toolkit.localdev.postgres import LocalPostgres  # noqa: E402


def _pr(s: Score) -> str:
    return f"{s.precision:5.2f} {s.recall:5.2f} ({s.tp}/{s.fp}/{s.fn})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", nargs="*", default=list(SETS), help=f"sets to measure (default: {' '.join(SETS)})")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every mismatch")
    args = ap.parse_args(argv)
    unknown = [s for s in args.sets if s not in SETS]
    if unknown:
        print(f"error: unknown set {unknown[0]} (known: {', '.join(SETS)})", file=sys.stderr)
        return 2
    print(f"{'set':<10} {'migr':>4} {'rewrite P     R (tp/fp/fn)':<28} {'rollback-incomplete P  R':<28} "
          f"{'locks agree (over/under)':<26} {'errors':>6} {'rb-fails':>8} {'rb-unknown':>10} {'s':>5}")
    tot_rw, tot_rb, tot_lk = Score(), Score(), LockScore()
    with LocalPostgres() as pg:
        for name in args.sets:
            db = f"claims_{name}"
            pg.create_database(db)
            t0 = time.perf_counter()
            r = measure_set(name, lambda db=db: psycopg.connect(pg.url(db)))
            dt = time.perf_counter() - t0
            tot_rw += r.rewrite
            tot_rb += r.rollback
            tot_lk += r.locks
            print(f"{name:<10} {r.migrations:>4} {_pr(r.rewrite):<28} {_pr(r.rollback):<28} "
                  f"{r.locks.agreement:5.2f} ({r.locks.over}/{r.locks.under}){'':<12} {len(r.errors):>6} "
                  f"{len(r.rollback_failures):>8} {len(r.rollback_unknown):>10} {dt:5.1f}")
            if args.verbose:
                for line in r.errors + r.rollback_failures + r.rollback_unknown + r.mismatches:
                    print(f"    {line}")
    print(f"{'all':<10} {'':>4} {_pr(tot_rw):<28} {_pr(tot_rb):<28} "
          f"{tot_lk.agreement:5.2f} ({tot_lk.over}/{tot_lk.under})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
