"""timestamp without time zone."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType

from toolkit.sql.locks import column_type
from toolkit.sql.parse import Statement
from toolkit.sql.rules._util import alter_cmds, new_columns
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="prefer-timestamptz",
    severity="warning",
    summary="timestamp without time zone",
    why="timestamp without time zone stores wall-clock values whose meaning depends on each client's "
        "TimeZone; converting the column later rewrites the table.",
    instead="timestamptz (TIMESTAMP WITH TIME ZONE), as the runbook's created_at columns do.",
)


KINDS = frozenset({"CreateStmt", "AlterTableStmt"})  # the only statements check() can report on


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    for table, col, _ in new_columns(stmt.node):
        if col.typeName and column_type(col.typeName).name == "timestamp":
            yield ctx.finding(RULE, f"{table}.{col.colname} is timestamp without time zone", table=table)
    for table, cmd in alter_cmds(stmt.node, AlterTableType.AT_AlterColumnType):
        if isinstance(cmd.def_, ast.ColumnDef) and column_type(cmd.def_.typeName).name == "timestamp":
            yield ctx.finding(RULE, f"{table}.{cmd.name} becomes timestamp without time zone", table=table)
