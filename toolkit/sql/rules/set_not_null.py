"""SET NOT NULL that scans the table under ACCESS EXCLUSIVE."""

from __future__ import annotations

from collections.abc import Iterator

from pglast.enums import AlterTableType

from toolkit.sql.parse import Statement
from toolkit.sql.rules._util import alter_cmds
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="set-not-null",
    severity="warning",
    summary="NOT NULL checked by a full scan",
    why="SET NOT NULL scans every row under ACCESS EXCLUSIVE (reads and writes wait) unless a "
        "validated CHECK (col IS NOT NULL) already proves it.",
    instead="ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c (no blocking "
            "lock); then SET NOT NULL (PostgreSQL 12+ skips the scan) and DROP CONSTRAINT c.",
    size_sensitive=True,
)


KINDS = frozenset({"AlterTableStmt"})  # the only statements check() can report on


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    for table, cmd in alter_cmds(stmt.node, AlterTableType.AT_SetNotNull):
        lock = next((lk for lk in ctx.locks_on_existing()
                     if lk.table == table and lk.action == f"ALTER COLUMN {cmd.name} SET NOT NULL"), None)
        if lock is not None and lock.full_scan:
            yield ctx.finding(RULE, f"SET NOT NULL on {table}.{cmd.name} scans the table under ACCESS EXCLUSIVE",
                              table=table)
