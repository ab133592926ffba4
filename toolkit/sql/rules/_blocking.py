"""The shared logic of the lock-derived rules (blocking-rewrite, blocking-scan)."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.sql.locks import blocks
from toolkit.sql.rules.model import Context, Finding, Rule


def slow_under_blocking_lock(ctx: Context, rule: Rule, *, rewrite: bool) -> Iterator[Finding]:
    """A finding per existing table the statement rewrites (or scans) under a lock that blocks traffic.

    The lock may be the statement's own or one this transaction took earlier (an UPDATE after
    ALTER TABLE in the same transaction runs under the ALTER's ACCESS EXCLUSIVE). The linter drops
    a finding of the statement's own lock when a dedicated rule already reported that statement.
    """
    facts = ctx.facts
    seen = set()
    for lk in ctx.locks_on_existing():
        if (lk.rewrite if rewrite else (lk.full_scan and not lk.rewrite)) is False or lk.table in seen:
            continue
        held = facts.held.get(lk.table)
        own_blocks = blocks(lk.mode)
        eff = facts.effective_mode(lk.table)
        eff_blocks = blocks(eff)
        if eff_blocks == "nothing":
            continue
        seen.add(lk.table)
        what = "rewrites" if rewrite else ("writes every row of" if lk.mode == "ROW EXCLUSIVE" else "scans")
        if held is not None and blocks(held.mode) != "nothing" and (own_blocks == "nothing" or eff != lk.mode):
            msg = (f"{lk.action} {what} {lk.table} while this transaction holds {held.mode} on it "
                   f"(taken at line {held.line} by {held.action}), so {eff_blocks} wait throughout")
            yield ctx.finding(rule, msg, table=lk.table, line=lk.line or None).with_(held=True)
        else:
            msg = f"{lk.action} {what} {lk.table} under {lk.mode}, which blocks {own_blocks}"
            yield ctx.finding(rule, msg, table=lk.table, line=lk.line or None)
