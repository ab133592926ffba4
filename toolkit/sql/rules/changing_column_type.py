"""ALTER COLUMN ... TYPE that rewrites the table."""

from __future__ import annotations

from collections.abc import Iterator

from pglast.enums import AlterTableType

from toolkit.sql.parse import Statement
from toolkit.sql.rules._util import alter_cmds
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="changing-column-type",
    severity="error",
    summary="type change rewrites the table",
    why="Changing a column's type rewrites the table and rebuilds its indexes under ACCESS EXCLUSIVE, "
        "blocking reads and writes; only binary-coercible changes (varchar to text, a longer "
        "varchar(n), a wider numeric) are instant.",
    instead="Expand and contract: add a new column of the new type, write both from the application, "
            "backfill in batches, switch reads, then drop the old column in a later migration.",
    size_sensitive=True,
)


KINDS = frozenset({"AlterTableStmt"})  # the only statements check() can report on


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    rewriting = {(lk.table, lk.action) for lk in ctx.locks_on_existing() if lk.rewrite}
    for table, cmd in alter_cmds(stmt.node, AlterTableType.AT_AlterColumnType):
        lock = next((lk for lk in ctx.locks_on_existing()
                     if lk.table == table and lk.action.startswith(f"ALTER COLUMN {cmd.name} TYPE")), None)
        if lock is None or (table, lock.action) not in rewriting:
            continue
        if lock.uncertain and "TimeZone" in lock.action:
            # timestamp <-> timestamptz: a rewrite unless the session's TimeZone is UTC, which the
            # file does not say (the plan passes the server's when it reads the database).
            yield ctx.finding(RULE, f"{lock.action} on {table} rewrites the table", table=table)
        elif lock.uncertain:
            yield ctx.finding(RULE, f"{lock.action} on {table}: the column's current type is not known "
                                    "here; unless the change is binary-coercible the table is rewritten",
                              table=table, severity="warning")
        else:
            yield ctx.finding(RULE, f"{lock.action} on {table} rewrites the table", table=table)
