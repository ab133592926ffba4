"""ADD COLUMN whose default must be computed per row: the whole table is rewritten."""

from __future__ import annotations

from collections.abc import Iterator

from pglast.enums import ConstrType

from toolkit.sql.locks import add_column_facts, expression_volatility
from toolkit.sql.parse import Statement
from toolkit.sql.rules._util import constraints, new_columns
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="volatile-default",
    severity="error",
    summary="column default rewrites the table",
    why="A volatile default (random(), gen_random_uuid(), clock_timestamp(), a sequence) is computed "
        "for every existing row, so PostgreSQL rewrites the table under ACCESS EXCLUSIVE, blocking "
        "reads and writes; constant and STABLE defaults such as now() are stored once and are instant.",
    instead="Add the column without a default (or with a constant one), SET DEFAULT for new rows in "
            "a second statement, then backfill existing rows in batches.",
    size_sensitive=True,
)


KINDS = frozenset({"CreateStmt", "AlterTableStmt"})  # the only statements check() can report on


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    for table, col, in_create in new_columns(stmt.node):
        if in_create or not any(lk.table == table and not lk.new for lk in ctx.facts.locks):
            continue
        rewrite, _scan, _extra, reason = add_column_facts(table, col)
        if rewrite:
            yield ctx.finding(RULE, f"ADD COLUMN {col.colname} on {table} rewrites the table: {reason}",
                              table=table)
            continue
        for c in constraints(col):
            if c.contype == ConstrType.CONSTR_DEFAULT:
                v, fn = expression_volatility(c.raw_expr)
                if v == "unknown":
                    yield ctx.finding(
                        RULE, f"ADD COLUMN {col.colname} on {table}: default calls {fn}, whose volatility "
                              "is unknown here; if it is VOLATILE the table is rewritten",
                        table=table, severity="warning")
