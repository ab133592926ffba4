"""DROP TABLE on a table this migration did not create."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import ObjectType

from toolkit.sql.parse import Statement
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="ban-drop-table",
    severity="warning",
    summary="table dropped",
    why="The table's data is gone for good (a rollback script can recreate the table, not its rows) "
        "and code that still uses it fails.",
    instead="Stop using the table in a release first, keep a verified backup, then drop it in a later "
            "migration (or rename it aside and drop it after a grace period).",
)


KINDS = frozenset({"DropStmt"})  # the only statements check() can report on


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    node = stmt.node
    if isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_TABLE:
        new = {lk.table for lk in ctx.facts.locks if lk.new}
        for obj in node.objects or ():
            name = ".".join(p.sval for p in obj)
            name = name.removeprefix("public.")
            if name not in new:
                yield ctx.finding(RULE, f"DROP TABLE {name}{' CASCADE' if node.behavior == 1 else ''}", table=name)
