"""The plan's static claims hold on real migrations (tests/realsets): docs.rs, Ory Hydra, Ory Keto,
Concourse (used to tune the analysis), Svix, Harness and graph-node (imported after it, measured before
any fix: docs/plan-accuracy.md), applied in order on PostgreSQL 15 with the tracer watching (claims.py).

Bars: "rewrites the table" precision and recall >= 0.95; rollback-incomplete precision >= 0.9 and
recall per set (ROLLBACK_RECALL_BAR);
lock modes agree with pg_locks on >= 0.95 of (migration, existing table) pairs. The figures per set
are in docs/plan-accuracy.md (`.venv/bin/python benchmarks/claims_report.py` prints them).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from tests.realsets.claims import SETS, SetResult, measure_set

REWRITE_BAR = 0.95
ROLLBACK_PRECISION_BAR = 0.9
LOCK_AGREEMENT_BAR = 0.95
# rollback-incomplete recall per set: not lower than measured with the history's definitions
# (docs/plan-accuracy.md; before them: docs_rs 0.33, hydra 0.14, keto 0.00, concourse 0.25).
ROLLBACK_RECALL_BAR = {"docs_rs": 0.8, "hydra": 0.55, "keto": 0.3, "concourse": 0.7,
                       # never seen by the analysis: measured 1.00, 0.88, 0.60 before and after the fixes
                       "svix": 1.0, "harness": 0.85, "graph_node": 0.6}
# Per-set exceptions to the lock bar: none since DO blocks and called functions are analysed
# (graph-node was 0.94 before: 11 of its 12 under-claims were `SELECT f()` of its own functions).
LOCK_AGREEMENT_BAR_PER_SET: dict[str, float] = {}


_SLOWEST = ("harness", "concourse", "hydra")  # started first, so the two workers finish together


@pytest.fixture(scope="module")
def results(pg) -> dict[str, SetResult]:
    names = {s: f"claims_{s}" for s in SETS}
    for db in names.values():
        pg.create_database(db)
    try:
        # Two sets at a time: most of the time is PostgreSQL round trips, which release the GIL.
        with ThreadPoolExecutor(2) as pool:
            futures = {s: pool.submit(measure_set, s, lambda db=db: psycopg.connect(pg.url(db)))
                       for s, db in sorted(names.items(), key=lambda kv: _SLOWEST.index(kv[0])
                                                   if kv[0] in _SLOWEST else len(_SLOWEST))}
            return {s: f.result() for s, f in futures.items()}
    finally:
        for db in names.values():
            pg.drop_database(db)


def _why(r: SetResult, prefix: str) -> str:
    return "\n".join(m for m in r.mismatches if m.startswith(prefix))


@pytest.mark.parametrize("name", SETS)
def test_every_migration_of_the_set_ran(results, name: str) -> None:
    r = results[name]
    assert r.migrations >= 10
    # Every up file runs; rollbacks that fail in the project itself are listed apart (rollback_failures).
    assert r.errors == [], r.errors


@pytest.mark.parametrize("name", SETS)
def test_rewrite_claims_match_new_relfilenodes(results, name: str) -> None:
    s = results[name].rewrite
    assert s.precision >= REWRITE_BAR and s.recall >= REWRITE_BAR, _why(results[name], "rewrite")


@pytest.mark.parametrize("name", SETS)
def test_rollback_incomplete_is_right_when_it_says_so(results, name: str) -> None:
    s = results[name].rollback
    assert s.precision >= ROLLBACK_PRECISION_BAR, _why(results[name], "rollback FP")


@pytest.mark.parametrize("name", SETS)
def test_rollback_incomplete_finds_most_incomplete_rollbacks(results, name: str) -> None:
    s = results[name].rollback
    assert s.recall >= ROLLBACK_RECALL_BAR[name], _why(results[name], "rollback FN")


@pytest.mark.parametrize("name", SETS)
def test_lock_modes_agree_with_pg_locks(results, name: str) -> None:
    locks = results[name].locks
    assert locks.total > 0 or name == "keto"
    assert locks.agreement >= LOCK_AGREEMENT_BAR_PER_SET.get(name, LOCK_AGREEMENT_BAR), _why(results[name], "lock")


def test_the_corpus_is_several_hundred_migrations(results) -> None:
    assert sum(r.migrations for r in results.values()) >= 350
    assert sum(r.rewrite.tp for r in results.values()) >= 10  # the rewrite claims are exercised
