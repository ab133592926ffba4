"""Our lint/plan beside Squawk (PyPI `squawk-cli`) on the same corpus: what each catches that the other
misses, and how often each cries wolf on safe migrations.

    .venv/bin/pip install squawk-cli        # benchmark-only; the test suite does not need it
    .venv/bin/python benchmarks/squawk_compare.py [--squawk PATH] [--json]

Corpus: tests/corpus/dangerous (each file names the rules it should raise in `-- Expect:`) and
tests/corpus/safe (written the way the runbook and the rules' advice say; one series, applied in
order). Both tools see the same files; ours also replays tests/corpus/baseline.sql as applied
history, as `plan` does with the applied migrations (Squawk has no such input).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from toolkit.plan.build import build_plan  # noqa: E402
from toolkit.plan.model import PendingMigration  # noqa: E402

CORPUS = ROOT / "tests" / "corpus"
# Squawk rule -> the concept's id here (None: a concept we deliberately do not report).
SQUAWK_TO_OURS = {
    "adding-required-field": "adding-required-field",
    "adding-field-with-default": "volatile-default",
    "adding-foreign-key-constraint": "constraint-missing-not-valid",
    "constraint-missing-not-valid": "constraint-missing-not-valid",
    "adding-not-nullable-field": "set-not-null",
    "adding-serial-primary-key-field": "disallowed-unique-constraint",
    "ban-char-field": "prefer-text-field",
    "prefer-text-field": "prefer-text-field",
    "prefer-bigint-over-int": "prefer-bigint-primary-key",
    "prefer-bigint-over-smallint": "prefer-bigint-primary-key",
    "prefer-identity": "prefer-identity",
    "prefer-timestamptz": "prefer-timestamptz",
    "prefer-timestamp-tz": "prefer-timestamptz",
    "changing-column-type": "changing-column-type",
    "renaming-column": "renaming-column",
    "renaming-table": "renaming-table",
    "ban-drop-column": "ban-drop-column",
    "ban-drop-table": "ban-drop-table",
    "ban-drop-database": "ban-drop-database",
    "disallowed-unique-constraint": "disallowed-unique-constraint",
    "require-concurrent-index-creation": "require-concurrent-index-creation",
    "require-concurrent-index-deletion": "require-concurrent-index-deletion",
    "ban-truncate-cascade": "truncate-cascade",
    "ban-concurrent-index-creation-in-transaction": "concurrently-in-transaction",
    "transaction-nesting": "transaction-nesting",
    "syntax-error": "syntax-error",
    "require-lock-timeout": None,  # the engine sets lock_timeout itself
    "require-statement-timeout": None,  # and statement_timeout
}


def run_squawk(squawk: str, files: list[Path]) -> dict[str, list[dict]]:
    out = subprocess.run([squawk, "--reporter", "json", "--pg-version", "15.0", *map(str, files)],
                         capture_output=True, text=True, cwd=CORPUS)
    try:
        items = json.loads(out.stdout or "[]")
    except json.JSONDecodeError:
        sys.exit(f"squawk gave no JSON (exit {out.returncode}): {out.stderr.strip()[:500]}")
    by_file: dict[str, list[dict]] = {f.name: [] for f in files}
    for it in items:
        by_file.setdefault(Path(it["file"]).name, []).append(it)
    return by_file


def ours(files: list[Path], *, series: bool) -> dict[str, list]:
    baseline = [(str(CORPUS / "baseline.sql"), (CORPUS / "baseline.sql").read_text())]
    result = {}
    for f in files:
        history = [(str(p), p.read_text()) for p in files if p < f] if series else []
        m = PendingMigration(f.stem, f.name, f.read_text())
        plan = build_plan([m], environment=None, source="corpus", history=baseline + history,
                          check_rollback=False, carry_new_tables=False)
        result[f.name] = list(plan.findings)
    return result


def concepts_squawk(items: list[dict]) -> set[str]:
    out = set()
    for it in items:
        name = it.get("rule_name") or "syntax-error"
        mapped = SQUAWK_TO_OURS.get(name, f"squawk:{name}")
        if mapped:
            out.add(mapped)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--squawk", default=shutil.which("squawk") or str(ROOT / ".venv/bin/squawk"))
    ap.add_argument("--json", action="store_true", help="print the raw comparison as JSON")
    args = ap.parse_args()
    if not Path(args.squawk).exists() and not shutil.which(args.squawk):
        sys.exit("squawk not found: .venv/bin/pip install squawk-cli (or pass --squawk PATH)")
    version = subprocess.run([args.squawk, "--version"], capture_output=True, text=True).stdout.strip()

    dangerous = sorted((CORPUS / "dangerous").glob("*.sql"))
    safe = sorted((CORPUS / "safe").glob("*.sql"))
    sq = {**run_squawk(args.squawk, dangerous), **run_squawk(args.squawk, safe)}
    us = {**ours(dangerous, series=False), **ours(safe, series=True)}

    rows, only_us, only_sq, missed_by_both = [], Counter(), Counter(), []
    caught = Counter()
    for f in dangerous:
        expect = set(re.search(r"^-- Expect: (.+)$", f.read_text(), re.M).group(1).replace(" ", "").split(","))
        mine = {x.rule for x in us[f.name]}
        theirs = concepts_squawk(sq[f.name])
        # Squawk caught it if it names the same concept, or flags (not just for a missing timeout)
        # every statement where an expected finding is: its names differ for some ideas. (Its JSON
        # lines count from 0.)
        lines = {x.line for x in us[f.name] if x.rule in expect}
        sq_lines = {it.get("line", -1) + 1 for it in sq[f.name] if SQUAWK_TO_OURS.get(it.get("rule_name"), "x")}
        hit_us, hit_sq = expect <= mine, expect <= theirs or (bool(lines) and lines <= sq_lines)
        caught["us"] += hit_us
        caught["squawk"] += hit_sq
        for r in (expect - theirs) if not hit_sq else ():
            only_us[r] += r in mine
        for r in theirs - mine:
            only_sq[r] += 1
        if not (expect & (mine | theirs)):
            missed_by_both.append(f.name)
        rows.append((f.name[16:-4], sorted(expect), hit_us, hit_sq, sorted(theirs - mine)))

    raw_sq = {f.name: [it.get("rule_name") for it in sq[f.name]] for f in safe}
    noisy_sq = [n for n, rs in raw_sq.items() if rs]
    noisy_sq_no_timeouts = [n for n, rs in raw_sq.items() if any(SQUAWK_TO_OURS.get(r, r) for r in rs)]
    noisy_us = [f.name for f in safe if us[f.name]]
    timeout_only = Counter(r for rs in raw_sq.values() for r in rs)

    if args.json:
        print(json.dumps({"squawk": version, "rows": rows, "safe_squawk": raw_sq,
                          "safe_ours": {f.name: [x.rule for x in us[f.name]] for f in safe}}, indent=2))
        return 0

    print(f"Corpus: {len(dangerous)} dangerous, {len(safe)} safe migrations. {version} vs migrate-action lint\n")
    print(f"{'dangerous migration':<36} {'expected':<52} {'ours':<5} {'squawk':<6} squawk-only concepts")
    for name, expect, hu, hs, extra in rows:
        print(f"{name:<36} {', '.join(expect)[:51]:<52} {'yes' if hu else 'NO':<5} {'yes' if hs else 'NO':<6} "
              f"{', '.join(extra)}")
    print(f"\nDangerous files fully caught (every expected rule): ours {caught['us']}/{len(dangerous)}, "
          f"squawk {caught['squawk']}/{len(dangerous)}")
    print("Expected findings squawk misses and we catch: "
          + ", ".join(f"{r} x{n}" for r, n in only_us.most_common() if n))
    print("Concepts squawk reports that we do not (on dangerous files): "
          + (", ".join(f"{r} x{n}" for r, n in only_sq.most_common()) or "none"))
    if missed_by_both:
        print("Missed by both: " + ", ".join(missed_by_both))
    print(f"\nSafe files with at least one finding: ours {len(noisy_us)}/{len(safe)}, squawk {len(noisy_sq)}/{len(safe)} "
          f"(squawk without its timeout rules: {len(noisy_sq_no_timeouts)}/{len(safe)})")
    print("Squawk findings on safe files by rule: " + ", ".join(f"{r} x{n}" for r, n in timeout_only.most_common()))
    for n in noisy_sq_no_timeouts:
        print(f"  squawk on {n}: {', '.join(r for r in raw_sq[n] if SQUAWK_TO_OURS.get(r, r))}")
    for n in noisy_us:
        print(f"  ours on {n}: {', '.join(x.rule for x in us[n])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
