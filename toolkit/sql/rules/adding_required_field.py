"""ADD COLUMN ... NOT NULL without a DEFAULT on a table that already has rows."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import ConstrType

from toolkit.sql.parse import Statement
from toolkit.sql.rules._util import has_constraint, new_columns, table_name
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="adding-required-field",
    severity="error",
    summary="NOT NULL column without a default",
    why="Adding a NOT NULL column without a default fails on any table that has rows, and the code "
        "deployed before it cannot insert rows without the new column.",
    instead="Add the column as NULL (or with a constant DEFAULT), backfill it in batches, add "
            "CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL in a later migration.",
)

_FILLED = (ConstrType.CONSTR_DEFAULT, ConstrType.CONSTR_IDENTITY, ConstrType.CONSTR_GENERATED)


def _emptied_before(table: str, ctx: Context) -> bool:
    """An earlier statement of this transaction deleted every row (DELETE without WHERE, TRUNCATE)."""
    for sf in ctx.file_facts:
        if sf is ctx.facts or sf.statement.index >= ctx.facts.statement.index:
            break
        node = sf.statement.node if sf.statement.tx_control is None else None
        if isinstance(node, ast.DeleteStmt) and node.whereClause is None and table_name(node.relation) == table:
            return sf.in_transaction and ctx.facts.in_transaction
        if isinstance(node, ast.TruncateStmt) and any(table_name(rv) == table for rv in node.relations or ()):
            return sf.in_transaction and ctx.facts.in_transaction
    return False


KINDS = frozenset({"CreateStmt", "AlterTableStmt"})  # the only statements check() can report on


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    for table, col, in_create in new_columns(stmt.node):
        if in_create or not any(lk.table == table and not lk.new for lk in ctx.facts.locks):
            continue
        if _emptied_before(table, ctx):
            continue  # the table has no rows in this transaction: the column cannot fail
        serial = col.typeName and col.typeName.names[-1].sval in ("serial", "bigserial", "smallserial")
        if has_constraint(col, ConstrType.CONSTR_NOTNULL, ConstrType.CONSTR_PRIMARY) \
                and not has_constraint(col, *_FILLED) and not serial:
            yield ctx.finding(RULE, f"ADD COLUMN {col.colname} NOT NULL on {table} has no default", table=table)
