"""FOREIGN KEY or CHECK added and validated in one step on an existing table."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType, ConstrType

from toolkit.sql.parse import Statement
from toolkit.sql.rules._util import alter_cmds, constraints, new_columns, table_name
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="constraint-missing-not-valid",
    severity="error",
    summary="constraint validated while locked",
    why="Adding a FOREIGN KEY or CHECK without NOT VALID scans the whole table while holding a lock "
        "that blocks writes (ACCESS EXCLUSIVE for CHECK; SHARE ROW EXCLUSIVE on both tables for a "
        "foreign key).",
    instead="ADD CONSTRAINT ... NOT VALID (instant), then ALTER TABLE ... VALIDATE CONSTRAINT ... in a "
            "separate transaction: validation takes only SHARE UPDATE EXCLUSIVE, so traffic continues.",
    size_sensitive=True,
)


def _existing(ctx: Context, table: str) -> bool:
    return any(lk.table == table and not lk.new for lk in ctx.facts.locks)


KINDS = frozenset({"CreateStmt", "AlterTableStmt"})  # the only statements check() can report on


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    for table, cmd in alter_cmds(stmt.node, AlterTableType.AT_AddConstraint):
        c = cmd.def_
        if not isinstance(c, ast.Constraint) or c.skip_validation or not _existing(ctx, table):
            continue
        if c.contype == ConstrType.CONSTR_FOREIGN:
            yield ctx.finding(RULE, f"FOREIGN KEY {c.conname or ''} on {table} -> {table_name(c.pktable)} "
                                    "is validated immediately".replace("  ", " "), table=table)
        elif c.contype == ConstrType.CONSTR_CHECK:
            yield ctx.finding(RULE, f"CHECK {c.conname or ''} on {table} is validated immediately"
                              .replace("  ", " "), table=table)
    for table, col, in_create in new_columns(stmt.node):
        if in_create or not _existing(ctx, table):
            continue
        # A new column without a default is NULL everywhere: its foreign key is valid without a scan.
        filled = any(c.contype in (ConstrType.CONSTR_DEFAULT, ConstrType.CONSTR_IDENTITY, ConstrType.CONSTR_GENERATED)
                     for c in constraints(col))
        for c in constraints(col):
            if c.contype == ConstrType.CONSTR_FOREIGN and not c.skip_validation and filled:
                yield ctx.finding(RULE, f"ADD COLUMN {col.colname} REFERENCES {table_name(c.pktable)}: the "
                                        f"foreign key is validated by scanning {table}", table=table)
            elif c.contype == ConstrType.CONSTR_CHECK and not c.skip_validation:
                yield ctx.finding(RULE, f"ADD COLUMN {col.colname} with a CHECK scans {table}", table=table)
