"""Lock-derived: a statement rewrites a table while a lock blocks its traffic."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.sql.parse import Statement
from toolkit.sql.rules._blocking import slow_under_blocking_lock
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="blocking-rewrite",
    severity="error",
    summary="rewrite under a blocking lock",
    why="The statement rewrites every row while a lock blocks reads or writes of the table, so the "
        "outage lasts as long as the rewrite, which grows with the table.",
    instead="Split the change so the slow part runs without the blocking lock (expand, backfill in "
            "batches, contract); run it alone in its own transaction, never after other DDL on the table.",
    size_sensitive=True,
    kind="lock",
)


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    yield from slow_under_blocking_lock(ctx, RULE, rewrite=True)
