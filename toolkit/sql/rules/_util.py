"""Small parse-tree helpers shared by rules."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType, ConstrType

from toolkit.sql.locks import _rv as table_name  # noqa: F401  (re-exported for rules)


def alter_cmds(node: ast.Node, *subtypes: AlterTableType) -> Iterator[tuple[str, ast.AlterTableCmd]]:
    """(table, cmd) for each ALTER TABLE subcommand of the given kinds."""
    if isinstance(node, ast.AlterTableStmt) and node.relation is not None:
        table = table_name(node.relation)
        for cmd in node.cmds or ():
            if isinstance(cmd, ast.AlterTableCmd) and (not subtypes or cmd.subtype in subtypes):
                yield table, cmd


def new_columns(node: ast.Node) -> Iterator[tuple[str, ast.ColumnDef, bool]]:
    """(table, column, in_create_table) for columns defined by CREATE TABLE or ADD COLUMN."""
    if isinstance(node, ast.CreateStmt):
        table = table_name(node.relation)
        for elt in node.tableElts or ():
            if isinstance(elt, ast.ColumnDef):
                yield table, elt, True
    for table, cmd in alter_cmds(node, AlterTableType.AT_AddColumn):
        if isinstance(cmd.def_, ast.ColumnDef):
            yield table, cmd.def_, False


def constraints(col: ast.ColumnDef) -> list[ast.Constraint]:
    return [c for c in col.constraints or () if isinstance(c, ast.Constraint)]


def has_constraint(col: ast.ColumnDef, *kinds: ConstrType) -> bool:
    return any(c.contype in kinds for c in constraints(col))


def primary_key_columns(node: ast.Node) -> set[tuple[str, str]]:
    """(table, column) pairs that are the primary key, inline or as a table constraint."""
    out = set()
    for table, col, _ in new_columns(node):
        if has_constraint(col, ConstrType.CONSTR_PRIMARY):
            out.add((table, col.colname))
    if isinstance(node, ast.CreateStmt):
        table = table_name(node.relation)
        for elt in node.tableElts or ():
            if isinstance(elt, ast.Constraint) and elt.contype == ConstrType.CONSTR_PRIMARY:
                out.update((table, k.sval) for k in elt.keys or ())
    return out
