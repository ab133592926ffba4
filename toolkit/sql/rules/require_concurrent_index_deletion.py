"""DROP INDEX without CONCURRENTLY."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import ObjectType

from toolkit.sql.parse import Statement
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="require-concurrent-index-deletion",
    severity="warning",
    summary="index dropped under ACCESS EXCLUSIVE",
    why="DROP INDEX takes ACCESS EXCLUSIVE on the index's table: it waits behind every running query "
        "on that table, and all reads and writes queue behind it meanwhile.",
    instead="DROP INDEX CONCURRENTLY IF EXISTS ... in a migration of its own, without BEGIN/COMMIT.",
    size_sensitive=True,
)


KINDS = frozenset({"DropStmt"})  # the only statements check() can report on


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    node = stmt.node
    if isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_INDEX and not node.concurrent:
        if ctx.facts.locks and all(lk.new for lk in ctx.facts.locks):
            return  # the index belongs to a table created in this migration
        names = ", ".join(".".join(p.sval for p in obj) for obj in node.objects or ())
        owners = [lk.table for lk in ctx.facts.locks if lk.table not in names.split(", ")]
        yield ctx.finding(RULE, f"DROP INDEX {names} without CONCURRENTLY", table=owners[0] if owners else None)
