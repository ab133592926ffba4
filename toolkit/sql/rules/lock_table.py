"""Explicit LOCK TABLE in a migration."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from toolkit.sql.parse import Statement
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="lock-table",
    severity="warning",
    summary="explicit LOCK TABLE",
    why="An explicit LOCK TABLE holds its lock until the migration's transaction ends, so everything "
        "the migration does afterwards runs while that traffic waits.",
    instead="Let each statement take the lock it needs; if a lock really must be held, take the weakest "
            "mode that works, as late as possible, and keep the rest of the transaction short.",
)


KINDS = frozenset({"LockStmt"})  # the only statements check() can report on


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    if isinstance(stmt.node, ast.LockStmt):
        for lk in ctx.facts.locks:
            if lk.blocks != "nothing":
                yield ctx.finding(RULE, f"LOCK TABLE {lk.table} IN {lk.mode} MODE blocks {lk.blocks} "
                                        "until the transaction ends", table=lk.table)
