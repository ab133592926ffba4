"""The corpus: dangerous migrations must raise the rules their `-- Expect:` line names; safe ones,
written the way the runbook and the rules' `instead` advice say, must stay completely quiet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from toolkit.plan.build import build_plan
from toolkit.plan.model import PendingMigration

HERE = Path(__file__).parent
BASELINE = [(str(HERE / "baseline.sql"), (HERE / "baseline.sql").read_text())]
DANGEROUS = sorted((HERE / "dangerous").glob("*.sql"))
SAFE = sorted((HERE / "safe").glob("*.sql"))


def findings(path: Path, history=()):
    m = PendingMigration(path.stem, path.name, path.read_text())
    plan = build_plan([m], environment=None, source="corpus", history=[*BASELINE, *history],
                      check_rollback=False, carry_new_tables=False)
    return plan.findings


def test_corpus_size() -> None:
    assert len(DANGEROUS) >= 30 and len(SAFE) >= 30


@pytest.mark.parametrize("path", DANGEROUS, ids=lambda p: p.stem[16:])
def test_dangerous_migration_is_caught(path: Path) -> None:
    expect = re.search(r"^-- Expect: (.+)$", path.read_text(), re.M)
    assert expect, f"{path.name} has no -- Expect: line"
    wanted = {r.strip() for r in expect.group(1).split(",")}
    got = findings(path)
    assert wanted <= {f.rule for f in got}, f"{path.name}: wanted {wanted}, got {[(f.rule, f.message) for f in got]}"
    assert all(f.line > 1 and f.why and f.instead for f in got if f.rule in wanted)


@pytest.mark.parametrize("path", SAFE, ids=lambda p: p.stem[16:])
def test_safe_migration_is_quiet(path: Path) -> None:
    # The safe files are one series: each runs after the earlier ones were applied.
    got = findings(path, [(str(p), p.read_text()) for p in SAFE if p < path])
    assert got == (), [(f.rule, f.severity, f.line, f.message) for f in got]
