"""DROP DATABASE in a migration."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from toolkit.sql.parse import Statement
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="ban-drop-database",
    severity="error",
    summary="database dropped",
    why="Dropping a database from a migration destroys every table in it, with no rollback.",
    instead="Drop databases by hand, after a verified backup, outside the migration flow.",
)


KINDS = frozenset({"DropdbStmt"})  # the only statements check() can report on


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    if isinstance(stmt.node, ast.DropdbStmt):
        yield ctx.finding(RULE, f"DROP DATABASE {stmt.node.dbname}")
