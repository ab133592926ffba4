"""DROP SCHEMA on a schema this migration did not create."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import ObjectType

from toolkit.sql.parse import Statement
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="ban-drop-schema",
    severity="error",
    summary="schema dropped",
    why="DROP SCHEMA ... CASCADE drops every table, view, function and type in the schema, with their "
        "data, and no rollback brings the rows back; code that still uses the schema fails.",
    instead="Drop the schema's objects one by one in migrations of their own after the code stopped "
            "using them (with a verified backup), then drop the empty schema without CASCADE.",
)


def _created_here(name: str, ctx: Context) -> bool:
    return any(isinstance(sf.statement.node, ast.CreateSchemaStmt) and sf.statement.node.schemaname == name
               for sf in ctx.file_facts if sf.statement.tx_control is None
               and sf.statement.index < ctx.facts.statement.index)


KINDS = frozenset({"DropStmt"})  # the only statements check() can report on


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    node = stmt.node
    if not (isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_SCHEMA):
        return
    cascade = node.behavior == 1
    for obj in node.objects or ():
        name = obj.sval if isinstance(obj, ast.String) else ".".join(p.sval for p in obj)
        if _created_here(name, ctx):
            continue
        if cascade:
            yield ctx.finding(RULE, f"DROP SCHEMA {name} CASCADE drops every object in it, data included")
        else:
            # Without CASCADE it fails unless the schema is already empty: nothing is lost.
            yield ctx.finding(RULE, f"DROP SCHEMA {name}: code that still uses the schema fails", severity="warning")
