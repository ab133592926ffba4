"""UPDATE or DELETE of every row in one statement."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from toolkit.sql.parse import Statement
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="whole-table-dml",
    severity="warning",
    summary="unbatched backfill",
    why="One UPDATE/DELETE over the whole table locks every row it touches until the migration commits "
        "(concurrent writes to those rows wait), bloats the table and can hit statement_timeout.",
    instead="Backfill in batches of a few thousand rows (UPDATE ... WHERE id BETWEEN x AND y), each in "
            "its own transaction, outside the schema migration or after it.",
    size_sensitive=True,
)


KINDS = frozenset({"UpdateStmt", "DeleteStmt"})  # the only statements check() can report on


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    if isinstance(stmt.node, ast.UpdateStmt | ast.DeleteStmt):
        verb = "UPDATE" if isinstance(stmt.node, ast.UpdateStmt) else "DELETE"
        for lk in ctx.locks_on_existing():
            if lk.mode == "ROW EXCLUSIVE" and lk.full_scan:
                how = "has no WHERE clause" if stmt.node.whereClause is None else \
                    "only skips rows of a column added in this migration (so it matches every row)"
                yield ctx.finding(RULE, f"{verb} of every row of {lk.table}: it {how}", table=lk.table)
