"""serial/bigserial instead of identity columns."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.sql.locks import column_type
from toolkit.sql.parse import Statement
from toolkit.sql.rules._util import new_columns
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="prefer-identity",
    severity="notice",
    summary="serial instead of identity",
    why="serial creates a separately owned sequence with loose permissions and dump/restore quirks; "
        "identity columns are the SQL-standard replacement.",
    instead="bigint GENERATED ALWAYS AS IDENTITY (or BY DEFAULT if code inserts ids itself).",
)


KINDS = frozenset({"CreateStmt", "AlterTableStmt"})  # the only statements check() can report on


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    for table, col, _ in new_columns(stmt.node):
        if col.typeName and column_type(col.typeName).name in ("serial", "bigserial", "smallserial",
                                                               "serial4", "serial8", "serial2"):
            yield ctx.finding(RULE, f"{table}.{col.colname} is {column_type(col.typeName)}", table=table)
