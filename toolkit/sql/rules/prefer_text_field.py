"""varchar(n)/char(n) where text (with a CHECK if needed) is wanted."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from toolkit.sql.locks import column_type
from toolkit.sql.parse import Statement
from toolkit.sql.rules._util import new_columns
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="prefer-text-field",
    severity="notice",
    summary="length-limited text type",
    why="A varchar(n)/char(n) limit is a business rule baked into the type: shrinking it rewrites the "
        "table, and char(n) pads with spaces; text costs the same.",
    instead="Use text, with CHECK (char_length(col) <= n) if a limit is really wanted (a CHECK can be "
            "changed with NOT VALID + VALIDATE, without a rewrite).",
)


def _limited(tn: ast.TypeName | None) -> str | None:
    if tn is None:
        return None
    t = column_type(tn)
    if (t.name == "varchar" and t.mods) or t.name == "bpchar":
        return str(t)
    return None


KINDS = frozenset({"CreateStmt", "AlterTableStmt"})  # the only statements check() can report on


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    for table, col, _ in new_columns(stmt.node):
        t = _limited(col.typeName)
        if t:
            yield ctx.finding(RULE, f"{table}.{col.colname} is {t}", table=table)
    # ALTER ... TYPE varchar(m) is left alone: widening a limit is the cheap fix, not the problem.
