"""DROP COLUMN: data loss, and breaks code that still reads the column."""

from __future__ import annotations

from collections.abc import Iterator

from pglast.enums import AlterTableType

from toolkit.sql.parse import Statement
from toolkit.sql.rules._util import alter_cmds
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="ban-drop-column",
    severity="warning",
    summary="column dropped",
    why="The column's data is gone (a rollback script cannot bring it back) and the application "
        "version still running fails on queries that name it.",
    instead="Contract last: stop reading and writing the column in a release first, then drop it in a "
            "later migration, after a verified backup.",
)


KINDS = frozenset({"AlterTableStmt"})  # the only statements check() can report on


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    for table, cmd in alter_cmds(stmt.node, AlterTableType.AT_DropColumn):
        if any(lk.table == table and not lk.new for lk in ctx.facts.locks):
            yield ctx.finding(RULE, f"DROP COLUMN {table}.{cmd.name}", table=table)
