"""int/serial primary keys run out at 2^31."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.sql.locks import column_type
from toolkit.sql.parse import Statement
from toolkit.sql.rules._util import new_columns, primary_key_columns
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="prefer-bigint-primary-key",
    severity="warning",
    summary="32-bit primary key",
    why="An integer/serial key runs out after 2.1 billion ids, and widening it later is a table "
        "rewrite under ACCESS EXCLUSIVE for the table and every referencing one.",
    instead="id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY (or bigserial).",
)

_SMALL = {"int4", "int2", "serial", "serial4", "smallserial", "serial2"}


KINDS = frozenset({"CreateStmt", "AlterTableStmt"})  # the only statements check() can report on


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    pk = primary_key_columns(stmt.node)
    for table, col, _ in new_columns(stmt.node):
        if (table, col.colname) in pk and col.typeName and column_type(col.typeName).name in _SMALL:
            yield ctx.finding(RULE, f"{table}.{col.colname} is a {column_type(col.typeName)} primary key",
                              table=table)
