"""RENAME COLUMN breaks the application version that is still running."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import ObjectType

from toolkit.sql.parse import Statement
from toolkit.sql.rules._util import table_name
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="renaming-column",
    severity="warning",
    summary="column renamed under running code",
    why="The application version still running during and after the deploy queries the old name and "
        "fails until every instance is replaced.",
    instead="Add the new column, write both, backfill, move reads to the new column, then drop the old "
            "one in a later release (or expose the old name through a view).",
)


KINDS = frozenset({"RenameStmt"})  # the only statements check() can report on


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    node = stmt.node
    if isinstance(node, ast.RenameStmt) and node.renameType == ObjectType.OBJECT_COLUMN and node.relation:
        table = table_name(node.relation)
        if any(lk.table == table and not lk.new for lk in ctx.facts.locks):
            yield ctx.finding(RULE, f"RENAME COLUMN {table}.{node.subname} TO {node.newname}", table=table)
