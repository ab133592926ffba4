"""The rollback safety class of a migration, and what the deploy does about a failed health check.

Pure: parsed files (and, when a round trip ran, the catalog differences it measured) in, a class out.

- expand-only: the up file only adds things the previous release does not notice (new tables,
  nullable columns, plain indexes, functions, views...) and the rollback only drops them: after a
  failed health check the previous release works on the new schema, so no database rollback is needed.
- reversible: the rollback script undoes the change without dropping data written since the deploy.
- destructive on rollback: the rollback drops a table or column holding data (usually one the
  migration created), so everything written to it since the deploy is lost.
- forward-only: no rollback file, an empty one, or an up file that destroys data no script can bring
  back (DROP COLUMN/TABLE, DELETE, TRUNCATE of existing data): the way back is a restore.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import msgspec

from toolkit.sql.parse import ParsedFile, Statement

EXPAND_ONLY = "expand-only"
REVERSIBLE = "reversible"
DESTRUCTIVE = "destructive-on-rollback"
FORWARD_ONLY = "forward-only"

LABELS = {
    EXPAND_ONLY: "expand-only (previous release still works; no database rollback needed)",
    REVERSIBLE: "reversible by its script",
    DESTRUCTIVE: "destructive on rollback (drops data written since the deploy)",
    FORWARD_ONLY: "forward-only (restore from backup to go back)",
}

# Objects that hold rows: dropping them loses data.
DATA_KINDS = ("table", "column")


class Effects(msgspec.Struct, frozen=True):
    """What a file does, as object keys "<kind> <name>" (names without a `public.` prefix, unquoted)."""

    created: frozenset[str] = frozenset()
    dropped: frozenset[str] = frozenset()
    changed: tuple[str, ...] = ()  # schema changes that are neither a pure add nor a drop
    breaking: tuple[str, ...] = ()  # additions that can break the previous release's writes
    data: tuple[str, ...] = ()  # data changes to tables that existed before the file
    lossy: tuple[str, ...] = ()  # data destroyed: DELETE, TRUNCATE of existing tables
    copied_from: frozenset[str] = frozenset()  # columns/tables the file reads in DML (data moved out)
    statements: int = 0


class SafetyClass(msgspec.Struct, frozen=True):
    name: str  # one of CLASSES
    reason: str
    drops: tuple[str, ...] = msgspec.field(default=())  # "table x" / "column t.c" the rollback drops with data

    @property
    def label(self) -> str:
        return LABELS[self.name]


# -- names ---------------------------------------------------------------------------------------

def norm(name: str) -> str:
    """A name as the classifier compares it: unquoted, lower case, without the default schema."""
    name = name.replace('"', "")
    return name[len("public."):] if name.startswith("public.") else name


def _rangevar(rv: Mapping[str, Any] | None) -> str:
    if not rv:
        return ""
    return norm(".".join(p for p in (rv.get("schemaname"), rv.get("relname")) if p))


def _strings(items: Iterable[Any]) -> str:
    return norm(".".join(i["String"]["sval"] for i in items if isinstance(i, dict) and "String" in i))


def _walk(node: Any, kind: str) -> Iterable[Mapping[str, Any]]:
    """Every `kind` node (libpg_query JSON) under node."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == kind and isinstance(v, dict):
                yield v
            yield from _walk(v, kind)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v, kind)


def _column_refs(node: Any) -> set[str]:
    out = set()
    for ref in _walk(node, "ColumnRef"):
        names = [f["String"]["sval"] for f in ref.get("fields", []) if "String" in f]
        if names:
            out.add(names[-1])
    return out


_DROP_KINDS = {"OBJECT_TABLE": "table", "OBJECT_INDEX": "index", "OBJECT_VIEW": "view", "OBJECT_MATVIEW": "matview",
               "OBJECT_SEQUENCE": "sequence", "OBJECT_FUNCTION": "function", "OBJECT_PROCEDURE": "procedure",
               "OBJECT_TYPE": "type", "OBJECT_DOMAIN": "domain", "OBJECT_EXTENSION": "extension",
               "OBJECT_SCHEMA": "schema", "OBJECT_TRIGGER": "trigger", "OBJECT_POLICY": "policy",
               "OBJECT_FOREIGN_TABLE": "table"}


def _drop_names(raw: Mapping[str, Any]) -> list[str]:
    names = []
    for obj in raw.get("objects", []):
        if "List" in obj:
            names.append(_strings(obj["List"].get("items", [])))
        elif "ObjectWithArgs" in obj:
            names.append(_strings(obj["ObjectWithArgs"].get("objname", [])))
        elif "String" in obj:
            names.append(norm(obj["String"]["sval"]))
        elif "TypeName" in obj:
            names.append(_strings(obj["TypeName"].get("names", [])))
    return names


# -- static effects of one file -------------------------------------------------------------------

class _Acc(msgspec.Struct):
    """What effects_of has found so far (the handlers below add to it)."""

    created: set[str] = msgspec.field(default_factory=set)
    dropped: set[str] = msgspec.field(default_factory=set)
    changed: list[str] = msgspec.field(default_factory=list)
    breaking: list[str] = msgspec.field(default_factory=list)
    data: list[str] = msgspec.field(default_factory=list)
    lossy: list[str] = msgspec.field(default_factory=list)
    copied: set[str] = msgspec.field(default_factory=set)

    def new_table(self, t: str) -> bool:
        return f"table {t}" in self.created


def _on_create_table(raw: Mapping[str, Any], kind: str, acc: _Acc) -> None:
    t = _rangevar(raw.get("relation"))
    acc.created.add(f"table {t}")
    acc.created.update(f"column {t}.{e['ColumnDef']['colname']}" for e in raw.get("tableElts", [])
                       if "ColumnDef" in e)


def _on_add_column(t: str, c: Mapping[str, Any], acc: _Acc) -> None:
    col = c.get("def", {}).get("ColumnDef", {})
    key = f"column {t}.{col.get('colname')}"
    acc.created.add(key)
    cons = {x["Constraint"]["contype"] for x in col.get("constraints", []) if "Constraint" in x}
    # NOT NULL without a default (or identity, or generated) refuses the previous release's inserts.
    not_null_without_value = "CONSTR_NOTNULL" in cons and not cons & {"CONSTR_DEFAULT", "CONSTR_IDENTITY",
                                                                      "CONSTR_GENERATED"}
    if not acc.new_table(t) and (not_null_without_value or cons & {"CONSTR_UNIQUE", "CONSTR_PRIMARY", "CONSTR_CHECK"}):
        acc.breaking.append(f"{key} is added with a constraint the previous release's writes may break")


def _on_add_constraint(t: str, c: Mapping[str, Any], acc: _Acc) -> None:
    con = c.get("def", {}).get("Constraint", {})
    key = f"constraint {t}.{con.get('conname') or '?'}"
    acc.created.add(key)
    if not acc.new_table(t) and con.get("contype") != "CONSTR_FOREIGN":
        acc.breaking.append(f"{key} constrains the existing table {t}")


def _on_alter_table(raw: Mapping[str, Any], kind: str, acc: _Acc) -> None:
    t = _rangevar(raw.get("relation"))
    for cmd in raw.get("cmds", []):
        c = cmd.get("AlterTableCmd", {})
        sub = c.get("subtype", "")
        if sub == "AT_AddColumn":
            _on_add_column(t, c, acc)
        elif sub == "AT_DropColumn":
            acc.dropped.add(f"column {t}.{c.get('name')}")
        elif sub == "AT_AddConstraint":
            _on_add_constraint(t, c, acc)
        elif sub == "AT_DropConstraint":
            acc.dropped.add(f"constraint {t}.{c.get('name')}")
        elif not acc.new_table(t) and f"column {t}.{c.get('name')}" not in acc.created:
            acc.changed.append(f"{sub.removeprefix('AT_')} on {t}" + (f".{c['name']}" if c.get("name") else ""))


def _on_index(raw: Mapping[str, Any], kind: str, acc: _Acc) -> None:
    t = _rangevar(raw.get("relation"))
    key = f"index {norm(raw.get('idxname') or '?')}"
    acc.created.add(key)
    if raw.get("unique") and not acc.new_table(t):
        acc.breaking.append(f"unique {key} on the existing table {t}")


def _on_create_object(raw: Mapping[str, Any], kind: str, acc: _Acc) -> None:
    what, name = _created_name(kind, raw)
    acc.created.add(f"{what} {name}")


def _on_trigger(raw: Mapping[str, Any], kind: str, acc: _Acc) -> None:
    t = _rangevar(raw.get("relation"))
    acc.created.add(f"trigger {t}.{raw.get('trigname')}")
    if not acc.new_table(t):
        acc.breaking.append(f"trigger {raw.get('trigname')} changes writes to the existing table {t}")


def _on_drop(raw: Mapping[str, Any], kind: str, acc: _Acc) -> None:
    what = _DROP_KINDS.get(raw.get("removeType", ""), raw.get("removeType", "object").lower())
    acc.dropped.update(f"{what} {name}" for name in _drop_names(raw))


def _on_rename(raw: Mapping[str, Any], kind: str, acc: _Acc) -> None:
    t = _rangevar(raw.get("relation"))
    if raw.get("renameType") == "OBJECT_COLUMN" and f"column {t}.{raw.get('subname')}" in acc.created:
        acc.created.discard(f"column {t}.{raw.get('subname')}")
        acc.created.add(f"column {t}.{raw.get('newname')}")
    elif raw.get("renameType") == "OBJECT_TABLE" and acc.new_table(t):
        acc.created.discard(f"table {t}")
        acc.created.add(f"table {norm(raw.get('newname', ''))}")
    else:
        acc.changed.append(f"rename on {t or raw.get('renameType', '').lower()}")
        acc.breaking.append(f"a rename ({raw.get('subname') or t} -> {raw.get('newname')}) breaks the previous "
                            "release's queries")


def _on_dml(raw: Mapping[str, Any], kind: str, acc: _Acc) -> None:
    t = _rangevar(raw.get("relation"))
    if kind == "UpdateStmt":
        acc.copied.update(f"column {t}.{c}" for c in _column_refs(raw.get("targetList")))
    for rv in _walk(raw.get("selectStmt") or raw.get("fromClause") or raw.get("sourceRelation"), "RangeVar"):
        acc.copied.add(f"table {_rangevar(rv)}")
    if not acc.new_table(t):
        (acc.lossy if kind == "DeleteStmt" else acc.data).append(f"{kind.removesuffix('Stmt').upper()} on {t}")


def _on_truncate(raw: Mapping[str, Any], kind: str, acc: _Acc) -> None:
    for rv in _walk(raw.get("relations"), "RangeVar"):
        if not acc.new_table(_rangevar(rv)):
            acc.lossy.append(f"TRUNCATE of {_rangevar(rv)}")


def _on_no_schema_change(raw: Mapping[str, Any], kind: str, acc: _Acc) -> None:
    if kind == "DoStmt":
        acc.changed.append("a DO block (not analysable)")


_Handler = Callable[[Mapping[str, Any], str, _Acc], None]
# Statement kind -> what it does; any other kind is a schema change the classifier cannot read.
_HANDLERS: dict[str, _Handler] = {
    "CreateStmt": _on_create_table, "AlterTableStmt": _on_alter_table, "IndexStmt": _on_index,
    **dict.fromkeys(("CreateFunctionStmt", "ViewStmt", "CreateSeqStmt", "CreateEnumStmt", "CompositeTypeStmt",
                     "CreateDomainStmt", "CreateExtensionStmt", "CreateSchemaStmt", "CreateTableAsStmt",
                     "CreateRangeStmt"), _on_create_object),
    "CreateTrigStmt": _on_trigger, "DropStmt": _on_drop, "RenameStmt": _on_rename,
    **dict.fromkeys(("UpdateStmt", "InsertStmt", "DeleteStmt", "MergeStmt"), _on_dml),
    "TruncateStmt": _on_truncate,
    **dict.fromkeys(("CommentStmt", "VacuumStmt", "ReindexStmt", "VariableSetStmt", "SelectStmt", "DoStmt"),
                    _on_no_schema_change),
}


def _on_other(raw: Mapping[str, Any], kind: str, acc: _Acc) -> None:
    acc.changed.append(kind.removesuffix("Stmt"))


def effects_of(parsed: ParsedFile | Sequence[Statement]) -> Effects:
    """What the file's statements do, read from their parse trees (no database)."""
    statements = parsed.body if isinstance(parsed, ParsedFile) else tuple(parsed)
    acc = _Acc()
    for st in statements:
        _HANDLERS.get(st.kind, _on_other)(st.raw, st.kind, acc)
    return Effects(frozenset(acc.created), frozenset(acc.dropped), tuple(acc.changed), tuple(acc.breaking),
                   tuple(acc.data), tuple(acc.lossy), frozenset(acc.copied), len(statements))


def _created_name(kind: str, raw: Mapping[str, Any]) -> tuple[str, str]:
    if kind == "CreateFunctionStmt":
        return ("procedure" if raw.get("is_procedure") else "function"), _strings(raw.get("funcname", []))
    if kind == "ViewStmt":
        return "view", _rangevar(raw.get("view"))
    if kind == "CreateSeqStmt":
        return "sequence", _rangevar(raw.get("sequence"))
    if kind in ("CreateEnumStmt", "CreateRangeStmt"):
        return ("enum" if kind == "CreateEnumStmt" else "type"), _strings(raw.get("typeName", []))
    if kind == "CompositeTypeStmt":
        return "type", _rangevar(raw.get("typevar"))
    if kind == "CreateDomainStmt":
        return "domain", _strings(raw.get("domainname", []))
    if kind == "CreateExtensionStmt":
        return "extension", norm(raw.get("extname", ""))
    if kind == "CreateTableAsStmt":
        into = raw.get("into", {}).get("IntoClause", raw.get("into", {}))
        return ("matview" if raw.get("objtype") == "OBJECT_MATVIEW" else "table"), _rangevar(into.get("rel"))
    return "schema", norm(raw.get("schemaname", ""))


# -- effects measured on a database (catalog differences) ------------------------------------------

def _catalog_name(key: str) -> tuple[str, str]:
    kind, _, name = key.partition(" ")
    if kind == "function" or kind == "procedure":
        name = name.split("(", 1)[0]
    return kind, norm(name)


def effects_from_diff(differences: Sequence[Any], static: Effects) -> Effects:
    """The objects a file really created, dropped and changed (catalog.diff before -> after it), with
    the data facts only the parse tree knows (DML, what it copies before a drop)."""
    created, dropped, changed, breaking = set(), set(), [], []
    for d in differences:
        kind, name = _catalog_name(d.key)
        if d.change == "added":
            created.add(f"{kind} {name}")
        elif d.change == "removed":
            dropped.add(f"{kind} {name}")
        else:
            changed.append(f"{kind} {name}: {', '.join(d.fields)}")
    new_tables = {k.split(" ", 1)[1] for k in created if k.startswith("table ")}

    def on_new_table(name: str) -> bool:
        return name.rsplit(".", 1)[0] in new_tables

    for d in differences:
        if d.change != "added":
            continue
        kind, name = _catalog_name(d.key)
        attrs = d.after.attrs
        if kind == "column" and not on_new_table(name) and attrs.get("not_null") and attrs.get("default") is None \
                and not attrs.get("identity") and not attrs.get("generated"):
            breaking.append(f"column {name} is NOT NULL without a default")
        elif kind == "index" and attrs.get("unique") and norm(str(attrs.get("table", ""))) not in new_tables:
            breaking.append(f"unique index {name} on an existing table")
        elif kind == "constraint" and not on_new_table(name) and attrs.get("type") not in ("f", "p") \
                and not attrs.get("on_domain"):
            breaking.append(f"constraint {name} on an existing table")
        elif kind == "trigger" and not on_new_table(name):
            breaking.append(f"trigger {name} on an existing table")
    # Sequences and indexes a new table brings along are part of it, not separate expansions.
    return Effects(frozenset(created), frozenset(dropped), tuple(changed), tuple(breaking), static.data,
                   static.lossy, static.copied_from, static.statements)


# -- the class -------------------------------------------------------------------------------------

def _data_drops(dropped: Iterable[str], copied: frozenset[str]) -> list[str]:
    """Tables and columns dropped without their data being copied out first (a dropped table's
    columns go with it and are not listed again)."""
    dropped = set(dropped)
    tables = {k.split(" ", 1)[1] for k in dropped if k.startswith("table ")}
    return sorted(k for k in dropped if k.split(" ", 1)[0] in DATA_KINDS and k not in copied
                  and not (k.startswith("column ") and k.split(" ", 1)[1].rsplit(".", 1)[0] in tables))


def classify(up: Effects, down: Effects | None) -> SafetyClass:
    """The migration's class from the effects of its up file and of its rollback file (None: no file)."""
    if down is None:
        return SafetyClass(FORWARD_ONLY, "no rollback file")
    if down.statements == 0:
        return SafetyClass(FORWARD_ONLY, "the rollback file has no statements")
    lost = [k for k in _data_drops(up.dropped, up.copied_from) if k not in up.created]
    if lost or up.lossy:
        what = ", ".join((lost + list(up.lossy))[:3])
        return SafetyClass(FORWARD_ONLY, f"the migration destroys data no script brings back ({what})")
    down_only_drops = not (down.created or down.changed or down.data or down.lossy or down.breaking)
    if (not up.changed and not up.breaking and not up.data and up.dropped <= up.created
            and down_only_drops and down.dropped <= up.created):
        return SafetyClass(EXPAND_ONLY, "only adds objects the previous release does not use; the rollback "
                                        "only drops them", tuple(_data_drops(down.dropped, down.copied_from)))
    drops = _data_drops(down.dropped, down.copied_from)
    if drops or down.lossy:
        return SafetyClass(DESTRUCTIVE, "the rollback drops " + ", ".join((drops + list(down.lossy))[:3]),
                           tuple(drops))
    return SafetyClass(REVERSIBLE, "the rollback undoes it without dropping data")


def classify_files(up: ParsedFile, down: ParsedFile | None, *, up_diff: Sequence[Any] | None = None,
                   down_diff: Sequence[Any] | None = None) -> SafetyClass:
    """classify() from parsed files; with the catalog differences of a round trip when there are."""
    up_fx = effects_of(up)
    down_fx = effects_of(down) if down is not None else None
    if up_diff is not None:
        up_fx = effects_from_diff(up_diff, up_fx)
    if down_fx is not None and down_diff is not None:
        down_fx = effects_from_diff(down_diff, down_fx)
    return classify(up_fx, down_fx)


# -- the way back after a failed health check ---------------------------------------------------------

class RollbackChoice(msgspec.Struct, frozen=True):
    mode: str  # "none" (expand-only: roll back the application only) | "migrations" | "restore" | "manual"
    migrations: tuple[str, ...]  # newest first, for mode "migrations"
    reason: str


def choose_rollback(applied: Sequence[tuple[str, str]], *, has_backup: bool) -> RollbackChoice:
    """What to dispatch for migrations just applied, given (name, safety class) in order applied.

    All expand-only: nothing (the previous release works on the new schema). Any forward-only: the
    backup (its scripts cannot restore the data), or by hand without one. Otherwise the rollback
    scripts, newest first, down to the oldest migration that needs undoing.
    """
    if not applied:
        return RollbackChoice("none", (), "no migration was applied")
    needs = [n for n, c in applied if c != EXPAND_ONLY]
    if not needs:
        return RollbackChoice("none", (), "every applied migration is expand-only: the previous release works on "
                                          "the new schema; roll back the application only")
    forward = [n for n, c in applied if c == FORWARD_ONLY]
    if forward:
        if has_backup:
            return RollbackChoice("restore", (), f"{forward[0]} is forward-only: restore the backup taken before it")
        return RollbackChoice("manual", (), f"{forward[0]} is forward-only and there is no backup: restore by hand")
    names = [n for n, _ in applied]
    oldest = names.index(needs[0])
    chain = tuple(reversed(names[oldest:]))
    destructive = [n for n, c in applied if c == DESTRUCTIVE]
    reason = "rollback scripts, newest first"
    if destructive:
        reason += f"; {', '.join(destructive)} drop data written since the deploy"
    return RollbackChoice("migrations", chain, reason)
