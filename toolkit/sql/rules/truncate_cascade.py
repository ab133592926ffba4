"""TRUNCATE ... CASCADE."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import DropBehavior

from toolkit.sql.parse import Statement
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="truncate-cascade",
    severity="error",
    summary="TRUNCATE CASCADE",
    why="CASCADE also empties every table that references this one, including tables added later "
        "that nobody had in mind when writing the migration.",
    instead="Name each table to truncate, without CASCADE.",
)


KINDS = frozenset({"TruncateStmt"})  # the only statements check() can report on


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    node = stmt.node
    if isinstance(node, ast.TruncateStmt) and node.behavior == DropBehavior.DROP_CASCADE:
        names = ", ".join(lk.table for lk in ctx.facts.locks)
        yield ctx.finding(RULE, f"TRUNCATE {names} CASCADE")
