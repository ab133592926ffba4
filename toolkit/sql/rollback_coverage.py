"""Does the rollback file undo what its migration does? (No peer tool checks this.)

Pure: both files' parse trees in, what would be left behind out. The up file's effects become
keys ("table users_prefs", "column users.nickname", ...) and the rollback's statements cancel keys;
whatever stays is reported at the up file's line, where a reviewer sees it.
"""

from __future__ import annotations

import re

import msgspec
from pglast import ast
from pglast.enums import AlterTableType as AT
from pglast.enums import ConstrType, ObjectType

from toolkit.sql.definitions import Definitions, column_differences
from toolkit.sql.locks import _rv, _walk, normalize_table
from toolkit.sql.parse import ParsedFile, SqlSyntaxError, Statement, parse
from toolkit.sql.rules.model import Finding, Rule

MISSING = Rule(
    id="rollback-missing", severity="warning", summary="no rollback file",
    why="Without a rollback file, undoing this migration during an incident means writing SQL by hand "
        "under pressure, or restoring a backup.",
    instead="Add <name>_rollback.sql that undoes the migration, newest change first (the runbook's rule: "
            "a rollback undoes exactly what the migration did).",
    kind="rollback")
EMPTY = Rule(
    id="rollback-empty", severity="warning", summary="rollback does nothing",
    why="The rollback file has no statements, so `rollback` would record the migration as undone while "
        "every change stays in place.",
    instead="Write the statements that undo the migration, or state in a comment why it cannot be undone "
            "and suppress this rule there.",
    kind="rollback")
INCOMPLETE = Rule(
    id="rollback-incomplete", severity="warning", summary="rollback leaves changes behind",
    why="After `rollback`, objects this migration created or changed would stay, so re-applying the "
        "migration fails (already exists) or the schema silently differs from the previous release.",
    instead="Undo each change in the rollback file, newest first: DROP what was created, rename back "
            "what was renamed, restore the old type or nullability.",
    kind="rollback")
SYNTAX = Rule(
    id="rollback-syntax-error", severity="error", summary="rollback does not parse",
    why="A rollback that does not parse fails exactly when it is needed.",
    instead="Fix the SQL (run the rollback against a scratch database in CI).",
    kind="rollback")
RULES = (MISSING, EMPTY, INCOMPLETE, SYNTAX)


class Coverage(msgspec.Struct, frozen=True):
    status: str  # covered | partial | unknown | missing | empty | broken | nothing-to-undo
    left_behind: tuple[str, ...]  # human descriptions of what would remain
    findings: tuple[Finding, ...]

    @property
    def label(self) -> str:
        if self.status == "partial":
            return f"partial ({len(self.left_behind)} left)"
        if self.status == "unknown":
            return "unknown (the rollback runs dynamic SQL)"
        return {"covered": "yes", "nothing-to-undo": "yes"}.get(self.status, self.status)


# -- effects of the up file -------------------------------------------------------------------

class _Effect(msgspec.Struct, frozen=True):
    keys: frozenset[tuple]  # any one of these in the rollback undoes it
    what: str
    line: int


def _names(obj) -> str:
    if isinstance(obj, tuple | list):
        return normalize_table(".".join(p.sval for p in obj if isinstance(p, ast.String)))
    if isinstance(obj, ast.TypeName):
        return normalize_table(".".join(p.sval for p in obj.names))
    if isinstance(obj, ast.ObjectWithArgs):
        return normalize_table(".".join(p.sval for p in obj.objname))
    if isinstance(obj, ast.String):
        return obj.sval
    return ""


_DROP_KINDS = {ObjectType.OBJECT_TABLE: "table", ObjectType.OBJECT_VIEW: "view", ObjectType.OBJECT_MATVIEW: "view",
               ObjectType.OBJECT_INDEX: "index", ObjectType.OBJECT_SEQUENCE: "sequence",
               ObjectType.OBJECT_TYPE: "type", ObjectType.OBJECT_DOMAIN: "type",
               ObjectType.OBJECT_FUNCTION: "function", ObjectType.OBJECT_PROCEDURE: "function",
               ObjectType.OBJECT_EXTENSION: "extension", ObjectType.OBJECT_SCHEMA: "schema",
               ObjectType.OBJECT_TRIGGER: "trigger", ObjectType.OBJECT_POLICY: "policy"}


def _alias(prior: list[_Effect], old_key: tuple, new_key: tuple) -> bool:
    """Earlier effects undone by `old_key` are now undone by `new_key` too; True if there were any."""
    found = False
    for i, eff in enumerate(prior):
        if old_key in eff.keys:
            prior[i] = _Effect(eff.keys | {new_key}, eff.what, eff.line)
            found = True
    return found


def _schema_of(name: str) -> tuple[tuple, ...]:
    """A schema-qualified object goes with DROP SCHEMA (an empty one: its objects were dropped)."""
    return (("cascade", "schema", name.split(".")[0]),) if "." in name else ()


def _relations_in(node) -> set[str]:
    return {_rv(n) for n in _walk(node) if isinstance(n, ast.RangeVar)}


class _EffectCtx(msgspec.Struct):
    """One up-file statement being turned into effects; handlers per statement type add to `out`."""

    line: int
    index_table: dict[str, str]
    prior: list[_Effect]  # effects of the earlier statements (aliased in place by renames)
    out: list[_Effect] = msgspec.field(default_factory=list)

    def add(self, what: str, *keys: tuple) -> None:
        # Whatever lives in a schema or on a table goes when that is dropped (CASCADE or not).
        extra = [k2 for k in keys if k[0] in ("table", "view", "function", "type", "sequence", "index")
                 and isinstance(k[1], str) for k2 in _schema_of(k[1])]
        self.out.append(_Effect(frozenset(keys) | frozenset(extra), what, self.line))

    def so_far(self) -> list[_Effect]:
        return self.prior + self.out


def _eff_create_table(node: ast.CreateStmt, cx: _EffectCtx) -> None:
    t = _rv(node.relation)
    cx.add(f"table {t} (CREATE TABLE)", ("table", t))


def _eff_create_table_as(node: ast.CreateTableAsStmt, cx: _EffectCtx) -> None:
    t = _rv(node.into.rel)
    kind = "view" if node.objtype == ObjectType.OBJECT_MATVIEW else "table"
    cx.add(f"{kind} {t}", (kind, t))


def _eff_view(node: ast.ViewStmt, cx: _EffectCtx) -> None:
    t = _rv(node.view)
    # A view depends on what it reads: DROP TABLE ... CASCADE drops it.
    deps = [("cascade", "table", r) for r in _relations_in(node.query)]
    if node.replace:
        # Maybe a new view, maybe a new definition of an old one: re-creating it undoes either.
        cx.add(f"view {t} (CREATE OR REPLACE VIEW)", ("view", t), ("view-replaced", t), *deps)
    else:
        cx.add(f"view {t}", ("view", t), *deps)


def _eff_index(node: ast.IndexStmt, cx: _EffectCtx) -> None:
    if not node.idxname:
        return
    t = _rv(node.relation)
    name = normalize_table(node.idxname)
    cx.index_table[name] = t
    # Dropping its table, materialized view or one of its columns drops the index too.
    cols = _column_refs(list(node.indexParams or ()) + [node.whereClause])
    cols |= {p.name for p in node.indexParams or () if isinstance(p, ast.IndexElem) and p.name}
    # An index lives in its table's schema: DROP INDEX s.name drops it too.
    qualified = [("index", f"{t.rsplit('.', 1)[0]}.{name}")] if "." in t and "." not in name else []
    cx.add(f"index {name} on {t}", ("index", name), *qualified, ("table", t), ("view", t),
           *[("column", t, c) for c in cols])


def _eff_create_seq(node: ast.CreateSeqStmt, cx: _EffectCtx) -> None:
    t = _rv(node.sequence)
    cx.add(f"sequence {t}", ("sequence", t), *_owned_by(node.options))


def _eff_alter_seq(node: ast.AlterSeqStmt, cx: _EffectCtx) -> None:
    # OWNED BY t.c: the sequence goes with its table or column.
    owner = _owned_by(node.options)
    if owner:
        _alias_many(cx.prior, ("sequence", _rv(node.sequence)), owner)


def _eff_composite_type(node: ast.CompositeTypeStmt, cx: _EffectCtx) -> None:
    t = _rv(node.typevar)
    cx.add(f"type {t}", ("type", t))


def _eff_enum_or_domain(node: ast.CreateEnumStmt | ast.CreateDomainStmt, cx: _EffectCtx) -> None:
    t = _names(node.typeName)
    cx.add(f"type {t}", ("type", t))


def _eff_function(node: ast.CreateFunctionStmt, cx: _EffectCtx) -> None:
    t = _names(node.funcname)
    if node.replace:
        # A new body for an existing function, or a new function: the rollback undoes it by
        # dropping the function or by re-creating it with the old body.
        cx.add(f"function {t} (CREATE OR REPLACE)", ("function", t), ("function-replaced", t))
    else:
        cx.add(f"function {t}", ("function", t))


def _eff_extension(node: ast.CreateExtensionStmt, cx: _EffectCtx) -> None:
    # IF NOT EXISTS: usually there already (shared by the schema), a rollback leaves it on purpose.
    if not node.if_not_exists:
        cx.add(f"extension {node.extname}", ("extension", node.extname))


def _eff_trigger(node: ast.CreateTrigStmt, cx: _EffectCtx) -> None:
    t = _rv(node.relation)
    cx.add(f"trigger {node.trigname} on {t}", ("trigger", f"{t}.{node.trigname}"), ("table", t),
           ("cascade", "function", _names(node.funcname)))


def _eff_policy(node: ast.CreatePolicyStmt, cx: _EffectCtx) -> None:
    t = _rv(node.table)
    cx.add(f"policy {node.policy_name} on {t}", ("policy", f"{t}.{node.policy_name}"), ("table", t))


def _eff_rename(node: ast.RenameStmt, cx: _EffectCtx) -> None:
    if node.relation is None:
        return
    t = _rv(node.relation)
    if node.renameType == ObjectType.OBJECT_COLUMN:
        old_key, new_key = ("column", t, node.subname), ("column", t, node.newname)
        # A column this migration added, then renamed, is undone by dropping it by its new name.
        added_here = _alias(cx.prior, old_key, new_key)
        cx.add(f"column {t}.{node.subname} renamed to {node.newname}",
               ("rename-column", t, node.newname, node.subname), ("table", t),
               *([new_key] if added_here else []))
    elif node.renameType in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_INDEX, ObjectType.OBJECT_VIEW):
        new = normalize_table(node.newname)
        kind = "index" if node.renameType == ObjectType.OBJECT_INDEX else "table"
        created_here = _alias(cx.prior, (kind, t), (kind, new))
        cx.add(f"{t} renamed to {node.newname}", ("rename", new, t), *([(kind, new)] if created_here else []))


def _eff_add_column(t: str, cmd: ast.AlterTableCmd, cx: _EffectCtx) -> None:
    if not isinstance(cmd.def_, ast.ColumnDef):
        return
    c = cmd.def_.colname
    deps = [("cascade", "type", _names(cmd.def_.typeName))] if cmd.def_.typeName else []
    cx.add(f"column {t}.{c} (ADD COLUMN)", ("column", t, c), ("table", t), *deps)


def _eff_drop_column(t: str, cmd: ast.AlterTableCmd, cx: _EffectCtx) -> None:
    col = cmd.name
    # Of a table this migration created, dropping the table undoes it too.
    created = any(("table", t) in e.keys and e.what.endswith("(CREATE TABLE)") for e in cx.so_far())
    cx.add(f"column {t}.{col} dropped (its data is not restored by a rollback)",
           ("add-column", t, col), ("table-created", t), *([("table", t)] if created else []))


def _eff_drop_constraint(t: str, cmd: ast.AlterTableCmd, cx: _EffectCtx) -> None:
    col = cmd.name
    if cmd.missing_ok or any(("constraint", t, col) in e.keys for e in cx.so_far()):
        return
    # It existed (no IF EXISTS); only a constraint of that name on the table brings it back.
    # An unnamed one may get the same generated name (t_pkey, t_col_key): not a certain miss.
    cx.add(f"constraint {col} on {t} dropped", ("add-constraint", t, col), ("add-constraint-any", t),
           ("table-created", t))


def _eff_alter_column_type(t: str, cmd: ast.AlterTableCmd, cx: _EffectCtx) -> None:
    col = cmd.name
    cx.add(f"type change of {t}.{col}", ("type", t, col), ("column", t, col), ("table", t))


def _eff_set_not_null(t: str, cmd: ast.AlterTableCmd, cx: _EffectCtx) -> None:
    col = cmd.name
    cx.add(f"NOT NULL on {t}.{col}", ("not-null", t, col), ("column", t, col), ("table", t))


_UNNAMED_KINDS = (ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_UNIQUE, ConstrType.CONSTR_FOREIGN,
                  ConstrType.CONSTR_CHECK)


def _eff_add_constraint(t: str, cmd: ast.AlterTableCmd, cx: _EffectCtx) -> None:
    con = cmd.def_
    if not isinstance(con, ast.Constraint):
        return
    # Dropping a column drops the constraints that use it (a CHECK on several columns too).
    cols = [("column", t, k.sval) for k in (con.fk_attrs or con.keys or ())]
    cols += [("column", t, c) for c in _column_refs(con.raw_expr)]
    if not con.conname:
        if con.contype in _UNNAMED_KINDS:
            cx.add(f"unnamed constraint on {t} (name it so the rollback can drop it)",
                   ("constraint-any", t), ("table", t), *cols)
        return
    keys = [("constraint", t, con.conname), ("table", t), *cols]
    if con.pktable is not None:  # DROP TABLE referenced CASCADE drops the key
        keys.append(("cascade", "table", _rv(con.pktable)))
    cx.add(f"constraint {con.conname} on {t}", *keys)


_ALTER_EFFECT_HANDLERS = {
    AT.AT_AddColumn: _eff_add_column,
    AT.AT_DropColumn: _eff_drop_column,
    AT.AT_DropConstraint: _eff_drop_constraint,
    AT.AT_AlterColumnType: _eff_alter_column_type,
    AT.AT_SetNotNull: _eff_set_not_null,
    AT.AT_AddConstraint: _eff_add_constraint,
}


def _eff_alter_table(node: ast.AlterTableStmt, cx: _EffectCtx) -> None:
    if node.relation is None:
        return
    t = _rv(node.relation)
    for cmd in node.cmds or ():
        handler = _ALTER_EFFECT_HANDLERS.get(cmd.subtype) if isinstance(cmd, ast.AlterTableCmd) else None
        if handler is not None:
            handler(t, cmd, cx)


def _eff_alter_enum(node: ast.AlterEnumStmt, cx: _EffectCtx) -> None:
    if node.newVal:
        # PostgreSQL cannot drop an enum value: only dropping (re-creating) the type undoes it.
        t = _names(node.typeName)
        cx.add(f"enum value '{node.newVal}' of type {t} (PostgreSQL cannot drop an enum value)", ("type", t))


def _eff_drop(node: ast.DropStmt, cx: _EffectCtx) -> None:
    # What this file created and then drops itself (a helper function, a scratch table) is gone
    # before the rollback starts: nothing of it is left to undo.
    gone = _Undo()
    _undo_drop(node, gone)
    created = {k for e in cx.prior if e.what.endswith("(CREATE TABLE)") for k in e.keys if k[0] == "table"}
    cx.prior[:] = [e for e in cx.prior if not e.keys & gone.keys]
    if node.removeType != ObjectType.OBJECT_TABLE:
        return
    for obj in node.objects or ():
        t = _names(obj)
        if ("table", t) not in created:
            cx.add(f"table {t} dropped (its rows are not restored by a rollback)", ("table-created", t))


_EFFECT_HANDLERS = {
    ast.CreateStmt: _eff_create_table,
    ast.CreateTableAsStmt: _eff_create_table_as,
    ast.ViewStmt: _eff_view,
    ast.IndexStmt: _eff_index,
    ast.CreateSeqStmt: _eff_create_seq,
    ast.AlterSeqStmt: _eff_alter_seq,
    ast.CompositeTypeStmt: _eff_composite_type,
    ast.CreateEnumStmt: _eff_enum_or_domain,
    ast.CreateDomainStmt: _eff_enum_or_domain,
    ast.CreateFunctionStmt: _eff_function,
    ast.CreateExtensionStmt: _eff_extension,
    ast.CreateSchemaStmt: lambda node, cx: cx.add(f"schema {node.schemaname}", ("schema", node.schemaname)),
    ast.CreateTrigStmt: _eff_trigger,
    ast.CreatePolicyStmt: _eff_policy,
    ast.RenameStmt: _eff_rename,
    ast.AlterTableStmt: _eff_alter_table,
    ast.AlterEnumStmt: _eff_alter_enum,
    ast.DropStmt: _eff_drop,
}
_EFFECT_KINDS = frozenset(cls.__name__ for cls in _EFFECT_HANDLERS)


def _effects(stmt: Statement, index_table: dict[str, str], prior: list[_Effect]) -> list[_Effect]:
    if stmt.kind not in _EFFECT_KINDS:
        return []  # no parse tree built for it (a data migration's INSERTs)
    cx = _EffectCtx(stmt.line, index_table, prior)
    handler = _EFFECT_HANDLERS.get(type(stmt.node))
    if handler is not None:
        handler(stmt.node, cx)
    return cx.out


def _column_refs(expr) -> set[str]:
    return {n.fields[-1].sval for n in _walk(expr)
            if isinstance(n, ast.ColumnRef) and isinstance(n.fields[-1], ast.String)}


def _owned_by(options) -> tuple[tuple, ...]:
    for opt in options or ():
        if isinstance(opt, ast.DefElem) and opt.defname == "owned_by" and isinstance(opt.arg, tuple | list):
            parts = [p.sval for p in opt.arg if isinstance(p, ast.String)]
            if len(parts) >= 2:
                t = normalize_table(".".join(parts[:-1]))
                return (("table", t), ("column", t, parts[-1]))
    return ()


def _alias_many(prior: list[_Effect], key: tuple, extra: tuple[tuple, ...]) -> None:
    for i, eff in enumerate(prior):
        if key in eff.keys:
            prior[i] = _Effect(eff.keys | frozenset(extra), eff.what, eff.line)


class _Undo(msgspec.Struct):
    """What the rollback's statements undo, as keys; handlers per statement type add to it."""

    keys: set[tuple] = msgspec.field(default_factory=set)
    # The rollback may rename before it drops (RENAME pk TO pk_tmp ... DROP pk_tmp): name -> the name
    # the object had when the rollback started.
    col_orig: dict[tuple[str, str], str] = msgspec.field(default_factory=dict)
    table_orig: dict[str, str] = msgspec.field(default_factory=dict)
    type_orig: dict[str, str] = msgspec.field(default_factory=dict)


def _undo_drop(node: ast.DropStmt, u: _Undo) -> None:
    kind = _DROP_KINDS.get(node.removeType)
    for obj in node.objects or ():
        name = _names(obj)
        if kind in ("trigger", "policy") and isinstance(obj, tuple | list):
            parts = [p.sval for p in obj]
            name = normalize_table(".".join(parts[:-1])) + "." + parts[-1]
        if kind == "type":
            name = u.type_orig.get(name, name)
        if kind in ("table", "view"):
            name = u.table_orig.get(name, name)
            # A table, view or materialized view takes its indexes, triggers, ... along.
            u.keys.update({("table", name), ("view", name)})
        if kind:
            u.keys.add((kind, name))
        # CASCADE drops what depends on it; an empty schema's objects were dropped before.
        if kind and (node.behavior == 1 or kind == "schema"):
            u.keys.add(("cascade", kind, name))


def _undo_rename(node: ast.RenameStmt, u: _Undo) -> None:
    if node.renameType in (ObjectType.OBJECT_TYPE, ObjectType.OBJECT_DOMAIN) and node.object is not None:
        # RENAME TO x_old ... DROP TYPE x_old drops the type the rollback started with.
        old = _names(node.object)
        new = normalize_table(f"{old.rsplit('.', 1)[0]}.{node.newname}" if "." in old else node.newname)
        u.type_orig[new] = u.type_orig.pop(old, old)
        return
    if node.relation is None:
        return
    t = _rv(node.relation)
    if node.renameType == ObjectType.OBJECT_COLUMN:
        u.keys.add(("rename-column", t, node.subname, node.newname))
        u.col_orig[(t, node.newname)] = u.col_orig.pop((t, node.subname), node.subname)
        if ("add-column", t, node.subname) in u.keys:  # added under a temporary name, then renamed
            u.keys.add(("add-column", t, node.newname))
        return
    u.keys.add(("rename", t, normalize_table(node.newname)))
    if node.renameType == ObjectType.OBJECT_TABCONSTRAINT:
        u.keys.add(("add-constraint", t, node.newname))
    if node.renameType == ObjectType.OBJECT_TABLE:
        u.table_orig[normalize_table(node.newname)] = u.table_orig.pop(t, t)


def _constraint_key(t: str, con: ast.Constraint) -> tuple:
    return ("add-constraint", t, con.conname) if con.conname else ("add-constraint-any", t)


def _undo_alter_cmd(t: str, cmd: ast.AlterTableCmd, u: _Undo) -> None:
    st, col = cmd.subtype, cmd.name
    if st == AT.AT_DropColumn:
        u.keys.add(("column", t, u.col_orig.get((t, col), col)))
    elif st == AT.AT_AddColumn and isinstance(cmd.def_, ast.ColumnDef):
        u.keys.add(("add-column", t, cmd.def_.colname))
        u.keys.update(_constraint_key(t, c) for c in cmd.def_.constraints or () if isinstance(c, ast.Constraint)
                      and c.contype not in (ConstrType.CONSTR_NOTNULL, ConstrType.CONSTR_NULL,
                                            ConstrType.CONSTR_DEFAULT))
    elif st == AT.AT_AddConstraint and isinstance(cmd.def_, ast.Constraint):
        u.keys.add(_constraint_key(t, cmd.def_))
    elif st == AT.AT_AlterColumnType:
        u.keys.add(("type", t, col))
    elif st == AT.AT_DropNotNull:
        u.keys.add(("not-null", t, col))
    elif st == AT.AT_DropConstraint:
        u.keys.add(("constraint", t, col))
        u.keys.add(("constraint-any", t))


def _undo_alter_table(node: ast.AlterTableStmt, u: _Undo) -> None:
    if node.relation is None:
        return
    t = _rv(node.relation)
    for cmd in node.cmds or ():
        if isinstance(cmd, ast.AlterTableCmd):
            _undo_alter_cmd(t, cmd, u)


_UNDO_HANDLERS = {
    ast.DropStmt: _undo_drop,
    ast.CreateFunctionStmt: lambda node, u: u.keys.add(("function-replaced", _names(node.funcname))),
    ast.ViewStmt: lambda node, u: u.keys.add(("view-replaced", _rv(node.view))),
    ast.CreateStmt: lambda node, u: u.keys.add(("table-created", _rv(node.relation))),
    ast.RenameStmt: _undo_rename,
    ast.AlterTableStmt: _undo_alter_table,
}
_UNDO_KINDS = frozenset(cls.__name__ for cls in _UNDO_HANDLERS)


def _undo_keys(parsed: ParsedFile) -> set[tuple]:
    u = _Undo()
    for stmt in parsed.statements:
        if stmt.tx_control is None and stmt.kind in _UNDO_KINDS:
            _UNDO_HANDLERS[type(stmt.node)](stmt.node, u)
    return u.keys


_DYNAMIC = re.compile(r"\b(execute|drop|alter)\b", re.IGNORECASE)


def _runs_dynamic_sql(parsed: ParsedFile) -> bool:
    """A DO block, or a function the rollback defines and calls, whose body runs DDL or EXECUTE:
    what it drops cannot be read from the file (names from a table, a loop over schemas)."""
    defined: set[str] = set()
    for s in parsed.statements:
        if s.kind == "DoStmt" and _DYNAMIC.search(s.text):
            return True
        if s.kind == "CreateFunctionStmt" and _DYNAMIC.search(s.text):
            defined.add(_names(s.node.funcname).rsplit(".", 1)[-1].lower())
        elif s.kind == "SelectStmt" and defined and any(
                isinstance(n, ast.FuncCall) and _names(n.funcname).rsplit(".", 1)[-1].lower() in defined
                for n in _walk(s.node)):
            return True
    return False


def _is_empty(parsed: ParsedFile) -> bool:
    return not any(s.tx_control is None for s in parsed.statements)


class _Restored(msgspec.Struct):
    """The history's definitions against the state after the migration and its rollback."""

    history: Definitions
    after_up: Definitions  # after the migration: where each object was first touched
    after: Definitions  # after the migration and its rollback
    first: int  # the up file's first statement: where a difference no statement touched is reported
    skip: set[tuple]  # keys the up file's own effects already report
    out: list[_Effect] = msgspec.field(default_factory=list)

    def report(self, keys: set[tuple], what: str, line: int) -> None:
        if not keys & self.skip:
            self.out.append(_Effect(frozenset(), what, line))

    def table_line(self, t: str) -> int:
        return self.after_up.touched.get(("table", t), self.first)


def _changed(r: _Restored, attr: str) -> list:
    """The keys the migration or its rollback wrote (in the order they first did): the only ones that
    can differ between the history and the state after both (the copies share every other value)."""
    return list(dict.fromkeys([*getattr(r.after_up, attr).changed, *getattr(r.after, attr).changed]))


def _restored_columns(r: _Restored) -> None:
    history, after = r.history.columns, r.after.columns
    changed = _changed(r, "columns")
    for (t, c) in changed:
        before = history.get((t, c))
        now = after.get((t, c))
        if before is None or now is before:
            continue
        col_keys = {("column", t, c), ("add-column", t, c), ("table", t), ("table-created", t)}
        if now is None:
            if t in r.after.tables:
                r.report(col_keys, f"column {t}.{c} is missing after the rollback", r.table_line(t))
        elif diffs := column_differences(before, now):
            r.report(col_keys, f"column {t}.{c} differs after the rollback ({'; '.join(diffs)})", r.table_line(t))
    for (t, c) in changed:
        if (t, c) in after and (t, c) not in history and t in r.history.tables and t in r.after.tables:
            r.report({("column", t, c), ("table", t)}, f"column {t}.{c} is added by the rollback, it was not "
                     "there before the migration", r.table_line(t))


def _restored_tables(r: _Restored) -> None:
    """A table that was there before the migration and that the rollback drops (and does not create
    again): rolling back this one migration would destroy it and its rows (Ory's split migrations,
    whose next migration's rollback drops what the previous one created)."""
    for t in r.after.dropped:
        if t in r.history.tables and t not in r.after.tables:
            r.report({("table", t)}, f"table {t} is dropped by the rollback, it was there before the migration",
                     r.first)


def _restored_constraints(r: _Restored) -> None:
    """A named constraint the migration took away (with its column, say) that the rollback does not
    add back under its name: the column may come back, the foreign key or CHECK does not."""
    history, after = r.history.constraints, r.after.constraints
    for key in _changed(r, "constraints"):
        t, name = key
        if key in history and key not in after and t in r.after.tables:
            cols = history[key]
            r.report({("add-constraint", t, name), ("constraint", t, name), *(("column", t, c) for c in cols)},
                     f"constraint {name} on {t} is dropped and not re-created", r.table_line(t))


def _restored_functions(r: _Restored) -> None:
    for key, body in r.history.functions.items():
        name, args = key
        label = f"function {name}({', '.join(args)})"
        line = r.after_up.touched.get(("function", key), r.first)
        now = r.after.functions.get(key)
        if key not in r.after.functions:
            r.report({("function", name)}, f"{label} is dropped and not re-created", line)
        elif body is not None and now is not None and now != body:
            r.report({("function", name), ("function-replaced", name)}, f"{label} gets a different body back "
                     "than it had", line)
    # An overload the migration creates that its rollback never mentions (it drops or re-creates only
    # the old signature): the up file's own check matches functions by name, this one by signature.
    # Only what the up file created: the history does not know every function the database has.
    for key in [k for k in r.after.functions if k not in r.history.functions
                and ("function", k) in r.after_up.touched and ("function", k) not in r.after.touched]:
        name, args = key
        r.report({("function", name)}, f"function {name}({', '.join(args)}) is left by the rollback, it was not "
                 "there before the migration", r.after_up.touched.get(("function", key), r.first))


def _restored_indexes(r: _Restored) -> None:
    changed = _changed(r, "indexes")
    history, after = r.history.indexes, r.after.indexes
    for name in changed:
        if name in history and name not in after and (t := history[name][0]) in r.after.tables:
            r.report({("index", name), ("table", t)}, f"index {name} on {t} is dropped and not re-created",
                     r.table_line(t))
        elif name in history and name in after and (t := after[name][0]) in r.after.tables:
            was, now = r.history.index_shapes.get(name), r.after.index_shapes.get(name)
            if was is not None and now is not None and was != now:
                r.report({("index", name), ("table", t)}, f"index {name} on {t} is re-created differently by "
                         "the rollback", r.table_line(t))
    for name in changed:
        if name in after and name not in history:
            t = after[name][0]
            if t in r.history.tables and t in r.after.tables:
                r.report({("index", name), ("table", t)}, f"index {name} on {t} is created by the rollback, it "
                         "was not there before the migration", r.first)


def _history_effects(history: Definitions, up: ParsedFile, rb: ParsedFile, skip: set[tuple],
                     after_up: Definitions | None = None) -> list[_Effect]:
    """What differs between the history's definitions and the state after the migration and its
    rollback: a default, nullability or type the rollback restores differently, a function body,
    a dropped index or function not re-created, a column or index the rollback adds. `skip`: keys
    the up file's own effects already report. `after_up`: the history with `up` applied, when the
    caller has it (lint's lock analysis applies the same statements to the schema's definitions)."""
    if after_up is None:
        after_up = history.copy()
        for s in up.statements:
            if s.tx_control is None:
                if after_up.follows(s.kind):
                    after_up.apply(s.node, s.line)
    after = after_up.copy()
    for s in rb.statements:
        if s.tx_control is None and after.follows(s.kind):
            after.apply(s.node)
    if after_up.tainted or after.tainted:
        return []
    first = next((s.line for s in up.statements if s.tx_control is None), 1)
    r = _Restored(history, after_up, after, first, skip)
    _restored_tables(r)
    _restored_columns(r)
    _restored_constraints(r)
    _restored_functions(r)
    _restored_indexes(r)
    return r.out


def coverage(up_path: str, up: ParsedFile | None, rollback_path: str | None, rollback_text: str | None,
             *, expected_rollback: str | None = None, history: Definitions | None = None,
             after_up: Definitions | None = None) -> Coverage:
    """What `rollback` would leave behind. `up` is None when the up file itself does not parse.
    `history`: what the earlier migrations defined (Schema.defs before this file), to compare the
    restored defaults, nullability, types and function bodies with; `after_up`, if known: `history`
    with `up` applied (a fresh copy of it given every statement of `up`, as analyze_file does)."""
    if rollback_text is None:
        name = expected_rollback or "<name>_rollback.sql"
        f = Finding(MISSING.id, MISSING.severity, up_path, 1, f"no rollback file ({name})",
                    MISSING.why, MISSING.instead)
        return Coverage("missing", (), (f,))
    rb_path = rollback_path or "<rollback>"
    try:
        rb = parse(rollback_text, rb_path)
    except SqlSyntaxError as exc:
        f = Finding(SYNTAX.id, SYNTAX.severity, rb_path, exc.line, f"syntax error: {exc.pg_message}",
                    SYNTAX.why, SYNTAX.instead)
        return Coverage("broken", (), (f,))
    if up is None:
        return Coverage("covered", (), ())
    changes = any(s.tx_control is None for s in up.statements)
    if _is_empty(rb):
        if not changes:
            return Coverage("nothing-to-undo", (), ())
        f = Finding(EMPTY.id, EMPTY.severity, rb_path, 1, f"{rb_path.rsplit('/', 1)[-1]} has no statements",
                    EMPTY.why, EMPTY.instead)
        return Coverage("empty", (), (f,))
    undo = _undo_keys(rb)
    index_table: dict[str, str] = {}
    effects: list[_Effect] = []
    for stmt in up.statements:
        effects.extend(_effects(stmt, index_table, effects))
    left = [eff for eff in effects if not eff.keys & undo]
    if history is not None:
        left += _history_effects(history, up, rb, set().union(*(e.keys for e in left)), after_up)
    if left and _runs_dynamic_sql(rb):
        # Not "incomplete" and not "covered": the files cannot tell.
        return Coverage("unknown", tuple(e.what for e in left), ())
    rb_name = rb_path.rsplit("/", 1)[-1]
    findings = tuple(
        Finding(INCOMPLETE.id, INCOMPLETE.severity, up_path, e.line, f"{e.what} is not undone by {rb_name}",
                INCOMPLETE.why, INCOMPLETE.instead)
        for e in left
    )
    return Coverage("partial" if left else "covered", tuple(e.what for e in left), findings)
