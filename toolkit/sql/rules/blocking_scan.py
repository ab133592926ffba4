"""Lock-derived: a statement reads every row while a lock blocks the table's traffic."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.sql.parse import Statement
from toolkit.sql.rules._blocking import slow_under_blocking_lock
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="blocking-scan",
    severity="error",
    summary="full scan under a blocking lock",
    why="The statement reads or writes every row while a lock blocks reads or writes of the table, "
        "so the blocking lasts as long as the scan, which grows with the table.",
    instead="Run the slow statement in its own migration (no earlier DDL on the table in the same "
            "transaction), use its non-blocking form (CONCURRENTLY, NOT VALID + VALIDATE), or batch it.",
    size_sensitive=True,
    kind="lock",
)


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    yield from slow_under_blocking_lock(ctx, RULE, rewrite=False)
