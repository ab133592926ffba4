"""Drift: how a live database differs from what its applied migrations build, each difference with
the SQL that would make the database match the migrations again, where that SQL is clear.

Pure: two catalogs in (expected = the migrations rebuilt on a throwaway database, live = the
environment), a list out. The SQL is printed for a person to review, never run: dropping what was
added by hand loses its data, and often the better fix is a migration that adopts it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import msgspec

from toolkit.trace.catalog import Catalog, CatalogObject, Difference, diff

_NAME_PART = re.compile(r'"(?:[^"]|"")*"|[^."]+')


def split_name(name: str) -> list[str]:
    """'public."my.table".col' -> ['public', '"my.table"', 'col'] (parts stay quoted as in the key)."""
    return _NAME_PART.findall(name)


def _key_name(key: str) -> str:
    return key.partition(" ")[2]


def _owner_and_last(key: str) -> tuple[str, str]:
    """'column public.users.email' -> ('public.users', 'email')."""
    parts = split_name(_key_name(key).split("(", 1)[0])
    return ".".join(parts[:-1]), parts[-1]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class DriftItem(msgspec.Struct, frozen=True):
    difference: Difference
    sql: str | None  # reconciles the database to the migrations; None when no statement is clearly right

    @property
    def key(self) -> str:
        return self.difference.key

    @property
    def change(self) -> str:
        return self.difference.change

    def describe(self) -> str:
        d = self.difference
        if d.change == "added":
            return f"{d.key}: in the database but not in the migrations"
        if d.change == "removed":
            return f"{d.key}: created by the migrations but missing from the database"
        return d.describe().replace(": ", ": (migrations -> database) ", 1)

    def to_dict(self) -> dict:
        d = self.difference
        return {"key": d.key, "kind": d.kind, "change": d.change, "fields": list(d.fields),
                "description": self.describe(), "sql": self.sql}


def compare(expected: Catalog, live: Catalog) -> list[DriftItem]:
    """Every difference between the rebuilt catalog and the live one, in key order."""
    return [DriftItem(d, reconcile_sql(d)) for d in diff(expected, live)]


# -- reconcile SQL ---------------------------------------------------------------------------------

def _column_add(table: str, column: str, exp: CatalogObject) -> str | None:
    a = exp.attrs
    if a.get("identity") or a.get("generated"):
        return None  # identity and generated columns need their full definition from the migration
    sql = f"ALTER TABLE {table} ADD COLUMN {column} {a.get('type')}"
    if a.get("default") is not None:
        sql += f" DEFAULT {a['default']}"
    if a.get("not_null"):
        sql += " NOT NULL"
    return sql + ";"


def _column_changes(table: str, column: str, exp: CatalogObject, fields: tuple[str, ...]) -> str | None:
    a = exp.attrs
    out = []
    for f in fields:
        if f == "type":
            out.append(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {a.get('type')};")
        elif f == "default":
            out.append(f"ALTER TABLE {table} ALTER COLUMN {column} "
                       + (f"SET DEFAULT {a['default']};" if a.get("default") is not None else "DROP DEFAULT;"))
        elif f == "not_null":
            out.append(f"ALTER TABLE {table} ALTER COLUMN {column} {'SET' if a.get('not_null') else 'DROP'} NOT NULL;")
        else:
            return None  # collation, identity, storage...: written by hand from the migration
    return "\n".join(out) or None


def _index_create(exp: CatalogObject) -> str | None:
    definition = str(exp.attrs.get("definition") or "")
    if not definition or exp.attrs.get("primary"):
        return None
    return re.sub(r"^CREATE (UNIQUE )?INDEX ", lambda m: f"CREATE {m.group(1) or ''}INDEX CONCURRENTLY ",
                  definition) + ";"


def _reconcile_column(d: Difference, name: str) -> str | None:
    table, column = _owner_and_last(d.key)
    if d.change == "added":
        return f"ALTER TABLE {table} DROP COLUMN {column};"
    if d.change == "removed":
        return _column_add(table, column, d.before)
    return _column_changes(table, column, d.before, d.fields)


def _reconcile_index(d: Difference, name: str) -> str | None:
    if d.change == "added":
        return f"DROP INDEX CONCURRENTLY {name};"
    if d.change == "removed":
        return _index_create(d.before)
    if set(d.fields) <= {"valid", "ready"}:  # a failed CREATE INDEX CONCURRENTLY left it INVALID
        return f"REINDEX INDEX CONCURRENTLY {name};"
    create = _index_create(d.before)
    return f"DROP INDEX CONCURRENTLY {name};\n{create}" if create else None


def _reconcile_constraint(d: Difference, name: str) -> str | None:
    exp = d.before
    owner, con = _owner_and_last(d.key)
    alter = "ALTER DOMAIN" if (exp or d.after).attrs.get("on_domain") else "ALTER TABLE"
    drop = f"{alter} {owner} DROP CONSTRAINT {con};"
    add = f"{alter} {owner} ADD CONSTRAINT {con} {exp.attrs.get('definition')};" if exp else None
    if d.change == "added":
        return drop
    if d.change == "removed":
        return add
    if set(d.fields) == {"validated"} and exp.attrs.get("validated"):
        return f"{alter} {owner} VALIDATE CONSTRAINT {con};"
    return f"{drop}\n{add}"


def _reconcile_routine(d: Difference, name: str) -> str | None:
    if d.change == "added":
        return f"DROP {d.kind.upper()} {name};"
    definition = d.before.attrs.get("definition")
    return f"{str(definition).rstrip()};" if definition else None


def _reconcile_view(d: Difference, name: str) -> str | None:
    if d.change == "added":
        return f"DROP VIEW {name};"
    return f"CREATE OR REPLACE VIEW {name} AS {d.before.attrs.get('definition')}"


def _reconcile_trigger(d: Difference, name: str) -> str | None:
    table, trig = _owner_and_last(d.key)
    drop = f"DROP TRIGGER {trig} ON {table};"
    if d.change == "added":
        return drop
    create = f"{d.before.attrs.get('definition')};"
    return create if d.change == "removed" else f"{drop}\n{create}"


def _reconcile_extension(d: Difference, name: str) -> str | None:
    if d.change == "added":
        return f"DROP EXTENSION {name};"
    if d.change == "removed":
        return f"CREATE EXTENSION IF NOT EXISTS {name} SCHEMA {d.before.attrs.get('schema')};"
    if d.fields == ("version",):
        return f"ALTER EXTENSION {name} UPDATE TO {_literal(str(d.before.attrs.get('version')))};"
    return None


def _reconcile_enum(d: Difference, name: str) -> str | None:
    if d.change != "changed":
        return _reconcile_other(d, name)
    expected, actual = d.before.attrs.get("labels") or (), d.after.attrs.get("labels") or ()
    missing = [lb for lb in expected if lb not in actual]
    extra = [lb for lb in actual if lb not in expected]
    if missing and not extra:
        return "\n".join(f"ALTER TYPE {name} ADD VALUE IF NOT EXISTS {_literal(lb)};" for lb in missing)
    return None  # a label cannot be removed or reordered in place


def _reconcile_other(d: Difference, name: str) -> str | None:
    if d.change == "added" and d.kind in ("table", "sequence", "matview", "schema", "type", "domain", "enum"):
        word = {"matview": "MATERIALIZED VIEW", "enum": "TYPE"}.get(d.kind, d.kind.upper())
        return f"DROP {word} {name};"
    return None  # a missing table or sequence is rebuilt from its migration, not from a summary


# Object kind -> the SQL that reconciles one difference of it. In a Difference, `before` is what
# the migrations define and `after` what the database has.
_RECONCILERS: dict[str, Callable[[Difference, str], str | None]] = {
    "column": _reconcile_column, "index": _reconcile_index, "constraint": _reconcile_constraint,
    "function": _reconcile_routine, "procedure": _reconcile_routine, "view": _reconcile_view,
    "trigger": _reconcile_trigger, "extension": _reconcile_extension, "enum": _reconcile_enum,
}


def reconcile_sql(d: Difference) -> str | None:
    """The statement(s) that bring the live object back to what the migrations define."""
    return _RECONCILERS.get(d.kind, _reconcile_other)(d, _key_name(d.key))
