"""ADD UNIQUE / PRIMARY KEY / EXCLUDE that builds its index under ACCESS EXCLUSIVE."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType, ConstrType

from toolkit.sql.parse import Statement
from toolkit.sql.rules._util import alter_cmds
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="disallowed-unique-constraint",
    severity="error",
    summary="unique index built under ACCESS EXCLUSIVE",
    why="Adding a UNIQUE or PRIMARY KEY constraint builds its index while holding ACCESS EXCLUSIVE, "
        "so every read and write of the table waits for the whole build.",
    instead="CREATE UNIQUE INDEX CONCURRENTLY in a migration of its own, then ALTER TABLE ... ADD "
            "CONSTRAINT ... UNIQUE USING INDEX ... (instant).",
    size_sensitive=True,
)

_LABEL = {ConstrType.CONSTR_UNIQUE: "UNIQUE", ConstrType.CONSTR_PRIMARY: "PRIMARY KEY",
          ConstrType.CONSTR_EXCLUSION: "EXCLUDE"}


KINDS = frozenset({"AlterTableStmt"})  # the only statements check() can report on


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    for table, cmd in alter_cmds(stmt.node, AlterTableType.AT_AddConstraint):
        c = cmd.def_
        if isinstance(c, ast.Constraint) and c.contype in _LABEL and not c.indexname \
                and any(lk.table == table and not lk.new for lk in ctx.facts.locks):
            yield ctx.finding(RULE, f"ADD {_LABEL[c.contype]} {c.conname or ''} on {table} builds its index "
                                    "under ACCESS EXCLUSIVE".replace("  ", " "), table=table)
