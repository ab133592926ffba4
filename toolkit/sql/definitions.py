"""What earlier migrations defined, in enough detail to tell whether a rollback restores it.

Pure: parse trees in, values out. `Definitions` follows columns (type, NOT NULL, default), explicit
indexes and function bodies through a sequence of statements. rollback_coverage compares the state
before a migration (the history) with the state after the migration and its rollback; only
differences PostgreSQL's catalog would certainly show are reported, so anything this module cannot
follow (a DO block, a CASCADE drop of a type, LIKE/INHERITS tables, identity columns) makes it
forget what it knew instead of guessing.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import msgspec
from msgspec.structs import replace
from pglast import ast
from pglast.enums import AlterTableType as AT
from pglast.enums import ConstrType, ObjectType

from toolkit.sql.locks import ColumnType, _rv, _walk, column_type, normalize_table

# Types whose pg_catalog spelling column_type() gives reliably: a difference is a real one.
_PLAIN_TYPES = {"int2", "int4", "int8", "text", "varchar", "bpchar", "bool", "timestamp", "timestamptz",
                "date", "time", "timetz", "interval", "numeric", "float4", "float8", "uuid", "json", "jsonb",
                "bytea", "inet", "cidr"}
_SERIAL = {"serial": "int4", "serial4": "int4", "bigserial": "int8", "serial8": "int8",
           "smallserial": "int2", "serial2": "int2"}
_TRUE = {"t", "true", "y", "yes", "on", "1"}
_FALSE = {"f", "false", "n", "no", "off", "0"}


class Column(msgspec.Struct, frozen=True):
    type: ColumnType
    not_null: bool = False
    default: str | None = None  # normalised expression; None: no default
    default_exact: bool = True  # False: a default whose text is not comparable (serial's nextval)


def _strip_casts(node):
    """`node` without `::type` casts (a copy when a cast is inside it): PostgreSQL stores '0'::text and
    '0' alike."""
    while isinstance(node, ast.TypeCast):
        node = node.arg
    if not any(isinstance(n, ast.TypeCast) for n in _walk(node)):
        return node  # most defaults: a constant, now(), nextval(...): nothing to copy
    node = copy.deepcopy(node)

    def strip(n):
        while isinstance(n, ast.TypeCast):
            n = n.arg
        if isinstance(n, ast.Node):
            for name in n:
                v = getattr(n, name)
                if isinstance(v, ast.Node):
                    setattr(n, name, strip(v))
                elif isinstance(v, tuple):
                    setattr(n, name, tuple(strip(x) if isinstance(x, ast.Node) else x for x in v))
        return n

    return strip(node)


def default_text(expr: ast.Node | None, ctype: ColumnType | None = None) -> str | None:
    """A comparable spelling of a DEFAULT expression; None for no default (DEFAULT NULL is none)."""
    if expr is None:
        return None
    e = expr
    while isinstance(e, ast.TypeCast):  # the outer casts; inner ones only if the printer is needed
        e = e.arg
    if isinstance(e, ast.A_Const):
        if e.isnull:
            return None
        v = e.val
        text = (str(v.ival) if isinstance(v, ast.Integer) else v.fval if isinstance(v, ast.Float)
                else ("true" if v.boolval else "false") if isinstance(v, ast.Boolean)
                else v.sval if isinstance(v, ast.String) else v.bsval if isinstance(v, ast.BitString) else "?")
        if ctype is not None and ctype.name == "bool" and text.lower() in _TRUE | _FALSE:
            text = "true" if text.lower() in _TRUE else "false"
        return f"const {text}"
    simple = _simple_call(e)
    if simple is not None:
        return simple
    from pglast.stream import RawStream  # the printers cost ~12 ms to import: only when a default needs them

    return RawStream()(_strip_casts(e)).replace("pg_catalog.", "").lower()


_PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_$]*")


def _simple_call(e: ast.Node) -> str | None:
    """`now()`, `gen_random_uuid()`, `pg_catalog.now()`, `nextval('t_id_seq')`: the common defaults,
    spelled as the printer spells them (tests/sql compares the two), without importing it."""
    if not isinstance(e, ast.FuncCall) or e.agg_order or e.agg_filter or e.over or e.agg_star \
            or e.agg_distinct or e.func_variadic or e.funcformat != 0:
        return None
    parts = [getattr(p, "sval", None) for p in e.funcname or ()]
    if not parts or not all(isinstance(x, str) and _PLAIN_NAME.fullmatch(x) for x in parts):
        return None
    args = []
    for a in e.args or ():
        while isinstance(a, ast.TypeCast):  # nextval('s'::regclass): stored as nextval('s')
            a = a.arg
        v = a.val if isinstance(a, ast.A_Const) and not a.isnull else None
        if isinstance(v, ast.Integer) and v.ival >= 0:
            args.append(str(v.ival))
        elif isinstance(v, ast.String) and "'" not in v.sval and "\\" not in v.sval:
            args.append(f"'{v.sval.lower()}'")  # quotes and backslashes: the printer's escaping decides
        else:
            return None
    return ".".join(parts).replace("pg_catalog.", "") + f"({', '.join(args)})"


def _column(col: ast.ColumnDef, not_null: bool = False) -> Column | None:
    """The column a ColumnDef declares; None when this module does not follow it (no type: a typed table's)."""
    if col.typeName is None:
        return None
    ctype = column_type(col.typeName)
    default, exact = None, True
    for c in col.constraints or ():
        if not isinstance(c, ast.Constraint):
            continue
        if c.contype in (ConstrType.CONSTR_NOTNULL, ConstrType.CONSTR_PRIMARY):
            not_null = True
        elif c.contype == ConstrType.CONSTR_NULL:
            not_null = False
        elif c.contype == ConstrType.CONSTR_DEFAULT:
            default = default_text(c.raw_expr, ctype)
        elif c.contype == ConstrType.CONSTR_IDENTITY:
            not_null = True  # an identity column has no default in pg_attrdef, and is NOT NULL
        elif c.contype == ConstrType.CONSTR_GENERATED:
            # Its expression is in pg_attrdef like a default: whether there is one is compared, not its text.
            default, exact = "generated", False
    if ctype.name in _SERIAL and not ctype.array:
        ctype, not_null, default, exact = ColumnType(_SERIAL[ctype.name]), True, "nextval", False
    return Column(ctype, not_null, default, exact)


def _func_key(name_parts, params) -> tuple[str, tuple[str, ...]]:
    name = normalize_table(".".join(p.sval for p in name_parts if isinstance(p, ast.String))).lower()
    args = tuple(str(column_type(p.argType)) for p in params or ()
                 if isinstance(p, ast.FunctionParameter) and p.argType is not None
                 and getattr(p.mode, "value", p.mode) in ("i", "b", "v", "d"))
    return name, args


def _body(node: ast.CreateFunctionStmt) -> str | None:
    for opt in node.options or ():
        if isinstance(opt, ast.DefElem) and opt.defname == "as":
            parts = opt.arg if isinstance(opt.arg, tuple | list) else (opt.arg,)
            return "\x00".join(p.sval for p in parts if isinstance(p, ast.String))
    return None  # BEGIN ATOMIC body: not compared


class Changes(dict):
    """A dict that remembers which keys were written or removed since it was made, in that order.

    Rollback coverage compares the definitions before a migration with those after it and its
    rollback: only the keys either of them wrote can differ, so it reads those instead of the whole
    history (which grows with every migration of a long set)."""

    __slots__ = ("changed",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.changed: dict[Any, None] = {}

    def __setitem__(self, key: Any, value: Any) -> None:
        self.changed[key] = None
        super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        self.changed[key] = None
        super().__delitem__(key)

    def pop(self, key: Any, *default: Any) -> Any:
        self.changed[key] = None
        return super().pop(key, *default)

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("Changes: use item assignment, del or pop, which are tracked")

    update = setdefault = popitem = clear = __ior__ = _refuse  # type: ignore[assignment]


class Definitions(msgspec.Struct):
    columns: Changes = msgspec.field(default_factory=Changes)  # (table, column) -> Column
    tables: set[str] = msgspec.field(default_factory=set)  # tables whose every column is known
    indexes: Changes = msgspec.field(default_factory=Changes)  # name -> (table, frozenset of columns)
    functions: dict[tuple[str, tuple[str, ...]], str | None] = msgspec.field(default_factory=dict)  # -> body
    tainted: bool = False  # a statement this module cannot follow ran since copy()
    touched: dict[tuple, int] = msgspec.field(default_factory=dict)  # ("table", t) | ("function", f) -> first line
    dropped: dict[str, int] = msgspec.field(default_factory=dict)  # tables dropped since copy() -> line
    # Named CHECK, FOREIGN KEY, UNIQUE, PRIMARY KEY and EXCLUDE constraints: (table, name) -> the
    # columns they use (a dropped column takes them with it). Unnamed ones get a generated name this
    # module does not reproduce: not followed.
    constraints: Changes = msgspec.field(default_factory=Changes)
    # Index name -> what it indexes, in order (unique, method, each key's column or expression
    # fingerprint): an index re-created under its name with other keys is not the one it replaced.
    # None: not known (an index renamed, or on a table whose column was renamed since).
    index_shapes: dict[str, tuple | None] = msgspec.field(default_factory=dict)

    def copy(self) -> Definitions:
        """The same definitions, sharing the values; what the copy changes is tracked from here."""
        return Definitions(Changes(self.columns), set(self.tables), Changes(self.indexes), dict(self.functions),
                           constraints=Changes(self.constraints), index_shapes=dict(self.index_shapes))

    def forget_all(self) -> None:
        """Nothing is known any more (a CASCADE dropped what this module cannot see); marked tainted."""
        self.columns, self.tables, self.indexes, self.functions = Changes(), set(), Changes(), {}
        self.constraints, self.index_shapes = Changes(), {}
        self.touched, self.dropped, self.tainted = {}, {}, True

    def forget_table(self, t: str) -> None:
        self.tables.discard(t)
        for k in [k for k in self.columns if k[0] == t]:
            del self.columns[k]
        for k in [k for k, (tb, _) in self.indexes.items() if tb == t]:
            del self.indexes[k]
        for k in [k for k in self.constraints if k[0] == t]:
            del self.constraints[k]

    def _touch(self, key: tuple, line: int) -> None:
        self.touched.setdefault(key, line)

    @staticmethod
    def follows(kind: str) -> bool:
        """Whether apply() does anything with a statement of this kind (its node type's name): the
        others' parse trees need not be built."""
        return kind in _HANDLED_KINDS

    def apply(self, node: ast.Node, line: int = 0) -> None:
        handler = _HANDLERS.get(type(node))
        if handler is not None:
            handler(self, node, line)


def _create_table(d: Definitions, node: ast.CreateStmt, line: int) -> None:
    t = _rv(node.relation)
    d._touch(("table", t), line)
    d.dropped.pop(t, None)
    if node.if_not_exists and t in d.tables:
        return
    d.forget_table(t)
    if node.inhRelations or node.partbound is not None or node.ofTypename is not None:
        return
    pk = {k.sval for elt in node.tableElts or () if isinstance(elt, ast.Constraint)
          and elt.contype == ConstrType.CONSTR_PRIMARY for k in elt.keys or ()}
    for elt in node.tableElts or ():
        if isinstance(elt, ast.ColumnDef):
            col = _column(elt, elt.colname in pk)
            if col is None:
                return  # an identity or generated column: the table is not followed
            d.columns[(t, elt.colname)] = col
            _add_constraints(d, t, elt.constraints, elt.colname)
        elif isinstance(elt, ast.Constraint):
            _add_constraints(d, t, (elt,))
        else:
            return  # LIKE: columns not known
    d.tables.add(t)


_NAMED_KINDS = frozenset({ConstrType.CONSTR_CHECK, ConstrType.CONSTR_FOREIGN, ConstrType.CONSTR_UNIQUE,
                          ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_EXCLUSION})


_DEFAULT_SUFFIX = {ConstrType.CONSTR_FOREIGN: "fkey", ConstrType.CONSTR_UNIQUE: "key", ConstrType.CONSTR_CHECK: "check"}


def _default_name(t: str, con: ast.Constraint, column: str | None, refs: list[str]) -> str | None:
    """The name PostgreSQL gives an unnamed constraint, in the cases it is certain: <table>_pkey,
    <table>_<columns>_fkey / _key, <table>_<first column>_check; None when it would be cut to 63
    bytes or the kind is not one of these (EXCLUDE)."""
    table = t.rsplit(".", 1)[-1]
    if con.contype == ConstrType.CONSTR_PRIMARY:
        name = f"{table}_pkey"
    elif con.contype in _DEFAULT_SUFFIX:
        keys = [column] if column else [k.sval for k in (con.fk_attrs if con.contype == ConstrType.CONSTR_FOREIGN
                                                         else con.keys) or () if isinstance(k, ast.String)]
        if con.contype == ConstrType.CONSTR_CHECK:
            keys = [column] if column else refs[:1]
        name = "_".join([table, *keys, _DEFAULT_SUFFIX[con.contype]])
    else:
        return None
    return name if len(name.encode()) <= 63 else None


def _add_constraints(d: Definitions, t: str, constraints, column: str | None = None) -> None:
    """Record the named ones, and the unnamed ones under the name PostgreSQL gives them when that
    name is certain (a column's own constraints use that column)."""
    for con in constraints or ():
        if not isinstance(con, ast.Constraint) or con.contype not in _NAMED_KINDS:
            continue
        refs = [n.fields[-1].sval for n in _walk(con.raw_expr)
                if isinstance(n, ast.ColumnRef) and isinstance(n.fields[-1], ast.String)]
        name = con.conname or _default_name(t, con, column, refs)
        if name is None or (not con.conname and (t, name) in d.constraints):
            continue  # PostgreSQL would add a number to a name already taken: not guessed
        cols = {column} if column else set()
        cols.update(k.sval for k in (con.keys or ()) + (con.fk_attrs or ()) if isinstance(k, ast.String))
        cols.update(refs)
        cols.update(n.fields[-1].sval for ex in con.exclusions or () for n in _walk(ex)
                    if isinstance(n, ast.ColumnRef) and isinstance(n.fields[-1], ast.String))
        d.constraints[(t, name)] = frozenset(cols)


def _set_col(d: Definitions, t: str, c: str, **changes) -> None:
    if (t, c) in d.columns:
        d.columns[(t, c)] = replace(d.columns[(t, c)], **changes)


def _at_add_column(d: Definitions, t: str, cmd: ast.AlterTableCmd) -> None:
    if not isinstance(cmd.def_, ast.ColumnDef):
        return
    if cmd.missing_ok and (t, cmd.def_.colname) in d.columns:
        return
    col = _column(cmd.def_)
    if col is None:
        d.forget_table(t)
    else:
        d.columns[(t, cmd.def_.colname)] = col
        _add_constraints(d, t, cmd.def_.constraints, cmd.def_.colname)


def _at_drop_column(d: Definitions, t: str, cmd: ast.AlterTableCmd) -> None:
    c = cmd.name
    d.columns.pop((t, c), None)
    for k in [k for k, (tb, cols) in d.indexes.items() if tb == t and c in cols]:
        del d.indexes[k]
    for k in [k for k, cols in d.constraints.items() if k[0] == t and c in cols]:
        del d.constraints[k]


def _at_drop_constraint(d: Definitions, t: str, cmd: ast.AlterTableCmd) -> None:
    d.constraints.pop((t, cmd.name), None)


def _at_alter_column_type(d: Definitions, t: str, cmd: ast.AlterTableCmd) -> None:
    if isinstance(cmd.def_, ast.ColumnDef):
        _set_col(d, t, cmd.name, type=column_type(cmd.def_.typeName))


def _at_column_default(d: Definitions, t: str, cmd: ast.AlterTableCmd) -> None:
    col = d.columns.get((t, cmd.name))
    _set_col(d, t, cmd.name, default=default_text(cmd.def_, col.type if col else None), default_exact=True)


def _at_add_constraint(d: Definitions, t: str, cmd: ast.AlterTableCmd) -> None:
    con = cmd.def_
    if not isinstance(con, ast.Constraint):
        return
    if con.contype == ConstrType.CONSTR_PRIMARY:
        for k in con.keys or ():
            _set_col(d, t, k.sval, not_null=True)
    if con.indexname:  # ADD CONSTRAINT ... USING INDEX renames the index
        d.indexes.pop(normalize_table(con.indexname), None)
    _add_constraints(d, t, (con,))


def _at_unfollowed(d: Definitions, t: str, cmd: ast.AlterTableCmd) -> None:
    # Identity, generated, inherited or typed columns: this module does not follow them.
    d.forget_table(t)
    d.tainted = True


_ALTER_TABLE_HANDLERS = {
    AT.AT_AddColumn: _at_add_column,
    AT.AT_DropColumn: _at_drop_column,
    AT.AT_AlterColumnType: _at_alter_column_type,
    AT.AT_ColumnDefault: _at_column_default,
    AT.AT_SetNotNull: lambda d, t, cmd: _set_col(d, t, cmd.name, not_null=True),
    AT.AT_DropNotNull: lambda d, t, cmd: _set_col(d, t, cmd.name, not_null=False),
    AT.AT_AddConstraint: _at_add_constraint,
    AT.AT_DropConstraint: _at_drop_constraint,
    **dict.fromkeys((AT.AT_AddIdentity, AT.AT_SetIdentity, AT.AT_DropIdentity, AT.AT_DropExpression,
                     AT.AT_AddInherit, AT.AT_DropInherit, AT.AT_AddOf, AT.AT_DropOf, AT.AT_AttachPartition),
                    _at_unfollowed),
}


def _alter_table(d: Definitions, node: ast.AlterTableStmt, line: int) -> None:
    if node.objtype != ObjectType.OBJECT_TABLE or node.relation is None:
        return
    t = _rv(node.relation)
    d._touch(("table", t), line)
    for cmd in node.cmds or ():
        handler = _ALTER_TABLE_HANDLERS.get(cmd.subtype) if isinstance(cmd, ast.AlterTableCmd) else None
        if handler is not None:
            handler(d, t, cmd)


def _rename_column(d: Definitions, t: str, old: str, new: str) -> None:
    if (t, old) in d.columns:
        d.columns[(t, new)] = d.columns.pop((t, old))
    for k, (tb, cols) in list(d.indexes.items()):
        if tb == t and old in cols:
            d.indexes[k] = (tb, (cols - {old}) | {new})
    for k, cols in list(d.constraints.items()):
        if k[0] == t and old in cols:
            d.constraints[k] = (cols - {old}) | {new}
    for k, (tb, _) in d.indexes.items():
        if tb == t:
            d.index_shapes[k] = None  # its keys name the old column: not compared any more


def _rename_relation(d: Definitions, t: str, new: str) -> None:
    d.dropped.pop(new, None)
    d.forget_table(new)
    for (tb, c) in [k for k in d.columns if k[0] == t]:
        d.columns[(new, c)] = d.columns.pop((tb, c))
    for k, (tb, cols) in list(d.indexes.items()):
        if tb == t:
            d.indexes[k] = (new, cols)
    for k in [k for k in d.constraints if k[0] == t]:
        d.constraints[(new, k[1])] = d.constraints.pop(k)
    if t in d.tables:
        d.tables.discard(t)
        d.tables.add(new)


def _rename(d: Definitions, node: ast.RenameStmt, line: int) -> None:
    if node.relation is None:
        if node.renameType in (ObjectType.OBJECT_FUNCTION, ObjectType.OBJECT_PROCEDURE):
            d.tainted = True
        return
    t = _rv(node.relation)
    d._touch(("table", t), line)
    rt = node.renameType
    if rt == ObjectType.OBJECT_COLUMN:
        _rename_column(d, t, node.subname, node.newname)
    elif rt == ObjectType.OBJECT_TABCONSTRAINT:
        if (t, node.subname) in d.constraints:
            d.constraints[(t, node.newname)] = d.constraints.pop((t, node.subname))
    elif rt in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW, ObjectType.OBJECT_MATVIEW):
        _rename_relation(d, t, normalize_table(node.newname))
    elif rt == ObjectType.OBJECT_INDEX:
        if t in d.indexes:
            d.indexes[normalize_table(node.newname)] = d.indexes.pop(t)


def _drop(d: Definitions, node: ast.DropStmt, line: int) -> None:
    rt = node.removeType
    if rt in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW, ObjectType.OBJECT_MATVIEW,
              ObjectType.OBJECT_FOREIGN_TABLE):
        for obj in node.objects or ():
            t = normalize_table(".".join(p.sval for p in obj))
            d._touch(("table", t), line)
            if rt == ObjectType.OBJECT_TABLE and t in d.tables:
                d.dropped[t] = line
            d.forget_table(t)
    elif rt == ObjectType.OBJECT_INDEX:
        for obj in node.objects or ():
            d.indexes.pop(normalize_table(".".join(p.sval for p in obj)), None)
    elif rt in (ObjectType.OBJECT_FUNCTION, ObjectType.OBJECT_PROCEDURE):
        for obj in node.objects or ():
            if not isinstance(obj, ast.ObjectWithArgs):
                continue
            if obj.args_unspecified:
                name = _func_key(obj.objname, ())[0]
                keys = [k for k in d.functions if k[0] == name]
            else:
                keys = [_func_key(obj.objname, obj.objfuncargs)]
            for k in keys:
                d._touch(("function", k), line)
                d.functions.pop(k, None)
    elif node.behavior == 1 or rt in (ObjectType.OBJECT_SCHEMA, ObjectType.OBJECT_EXTENSION):
        # CASCADE through a type, sequence, ... drops columns and defaults this module cannot see.
        d.forget_all()


def _create_index(d: Definitions, node: ast.IndexStmt, line: int) -> None:
    if not node.idxname:
        return
    name = normalize_table(f"{node.relation.schemaname}.{node.idxname}" if node.relation.schemaname
                           else node.idxname)
    if node.if_not_exists and name in d.indexes:
        return
    cols = {n.fields[-1].sval for n in _walk(list(node.indexParams or ()) + [node.whereClause])
            if isinstance(n, ast.ColumnRef) and isinstance(n.fields[-1], ast.String)}
    cols |= {p.name for p in node.indexParams or () if isinstance(p, ast.IndexElem) and p.name}
    d.indexes[name] = (_rv(node.relation), frozenset(cols))
    d.index_shapes[name] = _index_shape(node)


def _fingerprint(expr: ast.Node) -> tuple:
    """An expression as the sequence of its nodes' kinds and names/values: the same for the same
    expression however it is spaced or parenthesised (the parser already folded case and casts)."""
    return tuple((type(n).__name__, getattr(n, "sval", None) or getattr(n, "ival", None) or getattr(n, "fval", None))
                 for n in _walk(expr))


def _index_shape(node: ast.IndexStmt) -> tuple:
    keys = []
    for p in node.indexParams or ():
        if not isinstance(p, ast.IndexElem):
            continue
        desc = int(p.ordering or 0) >= 2  # DEFAULT and ASC are one order; DESC or USING another
        nulls_first = int(p.nulls_ordering or 0) == 1 if p.nulls_ordering else desc  # NULLS LAST is ASC's default
        key = p.name
        if key is None and isinstance(p.expr, ast.ColumnRef) and isinstance(p.expr.fields[-1], ast.String):
            key = p.expr.fields[-1].sval  # ((a)) is the column a, as PostgreSQL stores it
        keys.append((key if key is not None else _fingerprint(p.expr),
                     tuple(x.sval for x in p.opclass or () if isinstance(x, ast.String)), desc, nulls_first))
    keys = tuple(keys)
    return (bool(node.unique), (node.accessMethod or "btree").lower(), keys,
            _fingerprint(node.whereClause) if node.whereClause is not None else None)


def _create_function(d: Definitions, node: ast.CreateFunctionStmt, line: int) -> None:
    key = _func_key(node.funcname, node.parameters)
    d._touch(("function", key), line)
    d.functions[key] = _body(node)


def _unknown_relation(d: Definitions, node, line: int) -> None:
    into = node.into.rel if isinstance(node, ast.CreateTableAsStmt) else node.intoClause.rel if (
        isinstance(node, ast.SelectStmt) and node.intoClause is not None) else None
    if into is not None:
        d.dropped.pop(_rv(into), None)
        d.forget_table(_rv(into))


def _do(d: Definitions, node: ast.DoStmt, line: int) -> None:
    """A DO block may change anything it names: forget the tables and functions it mentions."""
    body = " ".join(a.arg.sval for a in node.args or () if isinstance(a, ast.DefElem)
                    and a.defname == "as" and isinstance(a.arg, ast.String)).lower()
    d.tainted = True
    for t in list(d.tables | {k[0] for k in d.columns}):
        if t.split(".")[-1].lower() in body:
            d.forget_table(t)
    for k in [k for k in d.functions if k[0].split(".")[-1] in body]:
        del d.functions[k]


_HANDLERS = {
    ast.CreateStmt: _create_table, ast.AlterTableStmt: _alter_table, ast.RenameStmt: _rename,
    ast.DropStmt: _drop, ast.IndexStmt: _create_index, ast.CreateFunctionStmt: _create_function,
    ast.CreateTableAsStmt: _unknown_relation, ast.SelectStmt: _unknown_relation, ast.DoStmt: _do,
}
_HANDLED_KINDS = frozenset(cls.__name__ for cls in _HANDLERS)


# -- comparison -------------------------------------------------------------------------------

def column_differences(before: Column, after: Column) -> list[str]:
    """What certainly differs between two states of one column (as pg_attribute/pg_attrdef show it)."""
    out = []
    if (before.type != after.type and before.type.name in _PLAIN_TYPES and after.type.name in _PLAIN_TYPES):
        out.append(f"type {before.type} -> {after.type}")
    if before.not_null != after.not_null:
        out.append("NOT NULL -> nullable" if before.not_null else "nullable -> NOT NULL")
    if (before.default is None) != (after.default is None):
        out.append(f"default {before.default or 'none'} -> {after.default or 'none'}".replace("const ", ""))
    elif (before.default is not None and before.default_exact and after.default_exact
          and before.default != after.default):
        out.append(f"default {before.default} -> {after.default}".replace("const ", ""))
    return out
