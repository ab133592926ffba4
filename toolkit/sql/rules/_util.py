"""Small parse-tree helpers shared by rules."""

from __future__ import annotations

from pglast import ast
from pglast.enums import AlterTableType, ConstrType

from toolkit.sql.locks import _rv as table_name  # noqa: F401  (re-exported for rules)

# Most rules read the same statement's subcommands and new columns, one rule after another: the last
# statement's are kept (by identity: the cache holds the node, so its id cannot be reused).
_last_cmds: tuple[object, str, tuple[ast.AlterTableCmd, ...]] = (None, "", ())
_last_columns: tuple[object, tuple[tuple[str, ast.ColumnDef, bool], ...]] = (None, ())


def alter_cmds(node: ast.Node, *subtypes: AlterTableType) -> list[tuple[str, ast.AlterTableCmd]]:
    """(table, cmd) for each ALTER TABLE subcommand of the given kinds (all kinds when none given)."""
    global _last_cmds
    if not isinstance(node, ast.AlterTableStmt) or node.relation is None:
        return []
    if _last_cmds[0] is not node:
        _last_cmds = (node, table_name(node.relation),
                      tuple(c for c in node.cmds or () if isinstance(c, ast.AlterTableCmd)))
    _, table, cmds = _last_cmds
    return [(table, cmd) for cmd in cmds if not subtypes or cmd.subtype in subtypes]


def new_columns(node: ast.Node) -> tuple[tuple[str, ast.ColumnDef, bool], ...]:
    """(table, column, in_create_table) for columns defined by CREATE TABLE or ADD COLUMN."""
    global _last_columns
    if _last_columns[0] is node:
        return _last_columns[1]
    out: list[tuple[str, ast.ColumnDef, bool]] = []
    if isinstance(node, ast.CreateStmt):
        table = table_name(node.relation)
        out += [(table, elt, True) for elt in node.tableElts or () if isinstance(elt, ast.ColumnDef)]
    for table, cmd in alter_cmds(node, AlterTableType.AT_AddColumn):
        if isinstance(cmd.def_, ast.ColumnDef):
            out.append((table, cmd.def_, False))
    _last_columns = (node, tuple(out))
    return _last_columns[1]


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
