"""RENAME TABLE breaks the application version that is still running."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import ObjectType

from toolkit.sql.parse import Statement
from toolkit.sql.rules._util import table_name
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="renaming-table",
    severity="warning",
    summary="table renamed under running code",
    why="Every query of the application version still running names the old table and fails until "
        "every instance is replaced.",
    instead="Create the new table (or rename and leave an updatable view with the old name), move the "
            "code over, and drop the old name in a later release.",
)


KINDS = frozenset({"RenameStmt"})  # the only statements check() can report on


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    node = stmt.node
    if isinstance(node, ast.RenameStmt) and node.renameType == ObjectType.OBJECT_TABLE and node.relation:
        table = table_name(node.relation)
        if any(lk.table == table and not lk.new for lk in ctx.facts.locks):
            yield ctx.finding(RULE, f"RENAME TABLE {table} TO {node.newname}", table=table)
