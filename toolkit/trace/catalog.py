"""What a database's schema IS, read from PostgreSQL's catalog: a snapshot of user objects, and
the difference between two snapshots.

Ground truth for the static claims of toolkit/sql (locks, rewrites, rollback coverage): the
tracer snapshots before and after each statement; rollback proofs compare before-up with
after-down; drift detection compares an environment with a rehearsal.

Names in keys are quoted like regclass text (`public.users`, `public."Users"`), so a key's table
part matches the relation names of tracer.LockHeld and relfilenodes(). Definitions are read with
search_path='' so they are fully qualified and do not depend on the reading session.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

import msgspec
import psycopg
from psycopg import sql

AttrValue = str | int | bool | None | tuple


class CatalogObject(msgspec.Struct, frozen=True):
    kind: str  # schema, table, column, index, constraint, view, matview, sequence, function, trigger, ...
    key: str  # "<kind> <qualified name>", e.g. "column public.users.email"
    attrs: Mapping[str, AttrValue] = msgspec.field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.kind, self.key, tuple(sorted(self.attrs.items()))))


class Catalog(msgspec.Struct, frozen=True):
    objects: Mapping[str, CatalogObject]  # by key

    def __contains__(self, key: str) -> bool:
        return key in self.objects

    def __getitem__(self, key: str) -> CatalogObject:
        return self.objects[key]

    def __len__(self) -> int:
        return len(self.objects)

    def get(self, key: str) -> CatalogObject | None:
        return self.objects.get(key)


def _short(value: AttrValue, limit: int = 60) -> str:
    if value is None:
        return "none"
    if isinstance(value, tuple):
        text = "(" + ", ".join(str(v) for v in value) + ")"
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _changed_text(name: str, a: AttrValue, b: AttrValue) -> str:
    sa, sb = " ".join(str(a).split()), " ".join(str(b).split())
    if len(sa) <= 60 and len(sb) <= 60:
        return f"{name} {_short(a)} -> {_short(b)}"
    # Long values (function bodies, view definitions): show where they start to differ.
    i = next((n for n, (x, y) in enumerate(zip(sa, sb, strict=False)) if x != y), min(len(sa), len(sb)))
    lo = max(i - 20, 0)
    return f"{name} changed: …{sa[lo:i + 25]}… -> …{sb[lo:i + 25]}…"


class Difference(msgspec.Struct, frozen=True):
    change: str  # added | removed | changed
    key: str
    kind: str
    before: CatalogObject | None
    after: CatalogObject | None
    fields: tuple[str, ...] = ()  # for "changed": which attrs differ

    def describe(self) -> str:
        if self.change == "changed":
            b, a = self.before.attrs, self.after.attrs  # type: ignore[union-attr]
            return f"{self.key}: " + "; ".join(_changed_text(f, b.get(f), a.get(f)) for f in self.fields)
        obj = self.after if self.change == "added" else self.before
        shown = [f"{k} {_short(v, 40)}" for k, v in obj.attrs.items()  # type: ignore[union-attr]
                 if k in _SUMMARY and v not in (None, False, ())][:3]
        return f"{self.key}: {self.change}" + (f" ({', '.join(shown)})" if shown else "")


_SUMMARY = {"type", "not_null", "default", "definition", "labels", "returns", "version"}


def diff(before: Catalog, after: Catalog) -> list[Difference]:
    """Every object added, removed or changed, sorted by key (then change)."""
    out: list[Difference] = []
    for key in sorted(set(before.objects) | set(after.objects)):
        b, a = before.objects.get(key), after.objects.get(key)
        if b is None:
            out.append(Difference("added", key, a.kind, None, a))
        elif a is None:
            out.append(Difference("removed", key, b.kind, b, None))
        else:
            fields = tuple(sorted(f for f in set(b.attrs) | set(a.attrs) if b.attrs.get(f) != a.attrs.get(f)))
            if fields:
                out.append(Difference("changed", key, a.kind, b, a, fields))
    return out


# -- reading the catalog ------------------------------------------------------------------------

_QN = "quote_ident({ns}.nspname) || '.' || quote_ident({rel}.relname)"

# User schemas: not the system's, not another session's temporary schemas.
_SCHEMA_FILTER = """
    {n}.nspname NOT IN ('pg_catalog', 'information_schema')
    AND {n}.nspname NOT LIKE 'pg\\_toast%%' AND {n}.nspname NOT LIKE 'pg\\_temp\\_%%'
    AND (%(schemas)s::text[] IS NULL OR {n}.nspname = ANY(%(schemas)s::text[]))"""

# Objects installed by an extension belong to it (the extension is compared by version instead).
_NOT_EXT = """NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '{cls}'::regclass
                                   AND e.objid = {oid} AND e.deptype = 'e')"""

_EXCLUDED = "NOT ({c}.relname = ANY(%(exclude)s::text[]) OR {n}.nspname || '.' || {c}.relname = ANY(%(exclude)s::text[]))"


def _fragment(name: str) -> sql.SQL:
    """A placeholder of the query templates below: qn__<nsp alias>__<rel alias> (a qualified name),
    sf__<nsp alias> (user schemas), ex__<rel alias>__<nsp alias> (not an excluded table),
    ne__<catalog>__<alias> (not owned by an extension)."""
    kind, *a = name.split("__")
    if kind == "qn":
        return sql.SQL(_QN.format(ns=a[0], rel=a[1]))
    if kind == "sf":
        return sql.SQL(_SCHEMA_FILTER.format(n=a[0]))
    if kind == "ex":
        return sql.SQL(_EXCLUDED.format(c=a[0], n=a[1]))
    if kind == "ne":
        return sql.SQL(_NOT_EXT.format(cls=a[0], oid=f"{a[1]}.oid"))
    raise ValueError(name)


def _compose(template: str) -> sql.Composed:
    names = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    return sql.SQL(template).format(**{n: _fragment(n) for n in names})


_Q_SCHEMAS = _compose("""
SELECT quote_ident(n.nspname), pg_get_userbyid(n.nspowner), n.nspacl::text[]
  FROM pg_namespace n
 WHERE {sf__n} AND {ne__pg_namespace__n}""")

_Q_RELATIONS = _compose("""
SELECT {qn__n__c}, c.relkind::text, c.relpersistence::text, c.reloptions,
       pg_get_userbyid(c.relowner), c.relacl::text[],
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END,
       ARRAY(SELECT quote_ident(pn.nspname) || '.' || quote_ident(pc.relname)
               FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent
               JOIN pg_namespace pn ON pn.oid = pc.relnamespace
              WHERE i.inhrelid = c.oid ORDER BY i.inhseqno),
       c.relrowsecurity, c.relforcerowsecurity, c.relreplident::text, am.amname::text,
       format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
       (SELECT quote_ident(on_.nspname) || '.' || quote_ident(oc.relname) || '.' || quote_ident(oa.attname)
          FROM pg_depend d JOIN pg_class oc ON oc.oid = d.refobjid
          JOIN pg_namespace on_ ON on_.oid = oc.relnamespace
          JOIN pg_attribute oa ON oa.attrelid = d.refobjid AND oa.attnum = d.refobjsubid
         WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
           AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0 LIMIT 1),
       obj_description(c.oid, 'pg_class')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_am am ON am.oid = c.relam
  LEFT JOIN pg_sequence s ON s.seqrelid = c.oid
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND {sf__n}
   AND {ex__c__n} AND {ne__pg_class__c}""")

_Q_COLUMNS = _compose("""
SELECT {qn__n__c} || '.' || quote_ident(a.attname), format_type(a.atttypid, a.atttypmod),
       a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text,
       CASE WHEN a.attcollation <> t.typcollation THEN quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
       END, a.attacl::text[], a.attstorage::text <> t.typstorage::text AND a.attstorage::text <> '' , a.attstattarget,
       col_description(c.oid, a.attnum)
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  LEFT JOIN pg_collation co ON co.oid = a.attcollation LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
 WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'm', 'f')
   AND {sf__n} AND {ex__c__n}
   AND {ne__pg_class__c}""")

_Q_INDEXES = _compose("""
SELECT quote_ident(n.nspname) || '.' || quote_ident(ic.relname), {qn__tn__tc},
       pg_get_indexdef(i.indexrelid), i.indisvalid, i.indisready, i.indisprimary, i.indisunique,
       i.indisclustered, i.indisreplident, ic.reloptions, pg_get_userbyid(ic.relowner)
  FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
  JOIN pg_class tc ON tc.oid = i.indrelid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
 WHERE {sf__n} AND {ex__tc__tn}
   AND {ne__pg_class__tc}""")

_Q_CONSTRAINTS = _compose("""
SELECT quote_ident(n.nspname) || '.' || quote_ident(coalesce(c.relname, t.typname)) || '.' || quote_ident(k.conname),
       k.contype::text, pg_get_constraintdef(k.oid), k.convalidated, k.condeferrable, k.condeferred,
       k.conrelid = 0
  FROM pg_constraint k
  LEFT JOIN pg_class c ON c.oid = k.conrelid
  LEFT JOIN pg_type t ON t.oid = k.contypid
  JOIN pg_namespace n ON n.oid = coalesce(c.relnamespace, t.typnamespace)
 WHERE (k.conrelid <> 0 OR k.contypid <> 0) AND {sf__n}
   AND (c.oid IS NULL OR {ex__c__n})
   AND (c.oid IS NULL OR {ne__pg_class__c})
   AND (t.oid IS NULL OR {ne__pg_type__t})""")

_Q_FUNCTIONS = _compose("""
SELECT quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || oidvectortypes(p.proargtypes)
       || ')', p.prokind::text,
       CASE WHEN p.prokind IN ('f', 'p', 'w') THEN pg_get_functiondef(p.oid) END,
       p.provolatile::text, pg_get_function_result(p.oid), l.lanname::text, p.prosecdef, p.proisstrict,
       p.proparallel::text, p.proconfig, pg_get_userbyid(p.proowner), p.proacl::text[],
       obj_description(p.oid, 'pg_proc')
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
 WHERE {sf__n} AND {ne__pg_proc__p}""")

_Q_TRIGGERS = _compose("""
SELECT {qn__n__c} || '.' || quote_ident(g.tgname), pg_get_triggerdef(g.oid), g.tgenabled::text
  FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE NOT g.tgisinternal AND {sf__n} AND {ex__c__n}
   AND {ne__pg_class__c}""")

_Q_RULES = _compose("""
SELECT {qn__n__c} || '.' || quote_ident(r.rulename), pg_get_ruledef(r.oid), r.ev_enabled::text
  FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE r.rulename <> '_RETURN' AND {sf__n} AND {ex__c__n}""")

_Q_TYPES = _compose("""
SELECT quote_ident(n.nspname) || '.' || quote_ident(t.typname), t.typtype::text,
       ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder),
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END, t.typnotnull, t.typdefault,
       ARRAY(SELECT quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
               FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
              ORDER BY a.attnum),
       (SELECT format_type(r.rngsubtype, NULL) FROM pg_range r WHERE r.rngtypid = t.oid),
       pg_get_userbyid(t.typowner), t.typacl::text[]
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE t.typtype IN ('e', 'd', 'c', 'r')
   AND (t.typtype <> 'c' OR (SELECT cc.relkind FROM pg_class cc WHERE cc.oid = t.typrelid) = 'c')
   AND {sf__n} AND {ne__pg_type__t}""")

_Q_EXTENSIONS = """
SELECT quote_ident(e.extname), e.extversion, quote_ident(n.nspname)
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE %(schemas)s::text[] IS NULL OR n.nspname = ANY(%(schemas)s::text[])"""

_Q_POLICIES = _compose("""
SELECT {qn__n__c} || '.' || quote_ident(p.polname), p.polcmd::text, p.polpermissive,
       ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r) END FROM unnest(p.polroles) r ORDER BY 1),
       pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
  FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE {sf__n} AND {ex__c__n}""")

_REL_KINDS = {"r": "table", "p": "table", "v": "view", "m": "matview", "S": "sequence", "f": "foreign table"}
_TYPE_KINDS = {"e": "enum", "d": "domain", "c": "type", "r": "type"}
_PERSISTENCE = {"p": "logged", "u": "unlogged", "t": "temporary"}
_VOLATILITY = {"i": "immutable", "s": "stable", "v": "volatile"}
_FN_KINDS = {"f": "function", "p": "procedure", "a": "aggregate", "w": "window function"}


def _t(value: Any) -> AttrValue:
    """Catalog values as hashable attrs: arrays become tuples (ACLs sorted: their order is not meaning)."""
    if isinstance(value, list):
        return tuple(_t(v) for v in value)
    return value


def _acl(value: list | None) -> AttrValue:
    return tuple(sorted(value)) if value else None


# One reader per catalog query: a row in, (kind, name, attrs, owner, acl) out. owner and acl are
# None for objects that have none of their own (columns' ACLs are theirs; their owner is the table's).
_Entry = tuple[str, str, dict[str, AttrValue], str | None, Any]


def _schema(row: tuple) -> _Entry:
    name, owner, acl = row
    return "schema", name, {}, owner, acl


def _relation(row: tuple) -> _Entry:
    (name, relkind, persistence, options, owner, acl, viewdef, partkey, bound, inherits, rls, force_rls,
     replident, am, seqtype, start, incr, smin, smax, cache, cycle, owned_by, comment) = row
    kind = _REL_KINDS[relkind]
    attrs: dict[str, AttrValue]
    if kind == "sequence":
        attrs = {"type": seqtype, "start": start, "increment": incr, "min": smin, "max": smax,
                 "cache": cache, "cycle": cycle, "owned_by": owned_by, "persistence": _PERSISTENCE[persistence]}
    elif kind in ("view", "matview"):
        attrs = {"definition": " ".join(viewdef.split()) if viewdef else viewdef, "options": _t(options)}
        if kind == "matview":
            attrs["persistence"] = _PERSISTENCE[persistence]
    else:
        attrs = {"partitioned": relkind == "p", "persistence": _PERSISTENCE[persistence],
                 "options": _t(options), "partition_key": partkey, "partition_bound": bound,
                 "inherits": _t(inherits), "row_security": rls, "force_row_security": force_rls,
                 "replica_identity": replident, "access_method": am}
    attrs["comment"] = comment
    return kind, name, attrs, owner, acl


def _column(row: tuple) -> _Entry:
    name, typ, notnull, default, identity, generated, collation, acl, storage, stattarget, comment = row
    return "column", name, {"type": typ, "not_null": notnull, "default": default,
                            "identity": identity or None, "generated": generated or None,
                            "collation": collation, "storage_changed": bool(storage),
                            "statistics": stattarget if stattarget not in (-1, None) else None,
                            "comment": comment}, None, acl


def _index(row: tuple) -> _Entry:
    name, table, indexdef, valid, ready, primary, unique, clustered, replident, options, owner = row
    return "index", name, {"table": table, "definition": indexdef, "valid": valid, "ready": ready,
                           "primary": primary, "unique": unique, "clustered": clustered,
                           "replica_identity": replident, "options": _t(options)}, owner, None


def _constraint(row: tuple) -> _Entry:
    name, contype, condef, validated, deferrable, deferred, on_domain = row
    return "constraint", name, {"type": contype, "definition": condef, "validated": validated,
                                "deferrable": deferrable, "deferred": deferred, "on_domain": on_domain}, None, None


def _function(row: tuple) -> _Entry:
    (name, prokind, fndef, volatility, result, language, secdef, strict, parallel, config, owner, acl,
     comment) = row
    kind = "procedure" if prokind == "p" else "function"
    return kind, name, {"function_kind": _FN_KINDS.get(prokind, prokind), "definition": fndef,
                        "volatility": _VOLATILITY.get(volatility, volatility), "returns": result,
                        "language": language, "security_definer": secdef, "strict": strict,
                        "parallel": parallel, "config": _t(config), "comment": comment}, owner, acl


def _trigger(row: tuple) -> _Entry:
    name, trigdef, enabled = row
    return "trigger", name, {"definition": trigdef, "enabled": enabled}, None, None


def _rule(row: tuple) -> _Entry:
    name, ruledef, enabled = row
    return "rule", name, {"definition": ruledef, "enabled": enabled}, None, None


def _type(row: tuple) -> _Entry:
    name, typtype, labels, base, notnull, default, fields, subtype, owner, acl = row
    kind = _TYPE_KINDS[typtype]
    attrs: dict[str, AttrValue]
    if kind == "enum":
        attrs = {"labels": _t(labels)}
    elif kind == "domain":
        attrs = {"type": base, "not_null": notnull, "default": default}
    elif typtype == "r":
        attrs = {"range_of": subtype}
    else:
        attrs = {"fields": _t(fields)}
    return kind, name, attrs, owner, acl


def _extension(row: tuple) -> _Entry:
    name, version, schema = row
    return "extension", name, {"version": version, "schema": schema}, None, None


def _policy(row: tuple) -> _Entry:
    name, cmd, permissive, roles, qual, check = row
    return "policy", name, {"command": cmd, "permissive": permissive, "roles": _t(roles), "using": qual,
                            "with_check": check}, None, None


_READERS: tuple[tuple[str | sql.Composed, Callable[[tuple], _Entry]], ...] = (
    (_Q_SCHEMAS, _schema), (_Q_RELATIONS, _relation), (_Q_COLUMNS, _column), (_Q_INDEXES, _index),
    (_Q_CONSTRAINTS, _constraint), (_Q_FUNCTIONS, _function), (_Q_TRIGGERS, _trigger), (_Q_RULES, _rule),
    (_Q_TYPES, _type), (_Q_EXTENSIONS, _extension), (_Q_POLICIES, _policy),
)


def snapshot(conn: psycopg.Connection, *, schemas: Iterable[str] | None = None,
             exclude_tables: Iterable[str] = ("schema_migrations",), ownership: bool = False,
             privileges: bool = False) -> Catalog:
    """The user objects of conn's database, as this session sees them (its own uncommitted changes
    included). Runs in a transaction (a savepoint when one is open) that is rolled back, so it
    leaves no locks and no settings behind; about a dozen queries whatever the schema's size."""
    params = {"schemas": list(schemas) if schemas is not None else None, "exclude": list(exclude_tables)}
    objs: dict[str, CatalogObject] = {}
    with conn.transaction(force_rollback=True), conn.cursor() as cur:
        # Fully qualified definitions, whatever the session's search_path (reverted with the rollback).
        cur.execute("SELECT set_config('search_path', '', true)")
        for query, read in _READERS:
            cur.execute(query, params)
            for row in cur.fetchall():
                kind, name, attrs, owner, acl = read(row)
                if ownership and owner is not None:
                    attrs["owner"] = owner
                if privileges:
                    attrs["privileges"] = _acl(acl)
                key = f"{kind} {name}"
                objs[key] = CatalogObject(kind, key, MappingProxyType(attrs))
    return Catalog(MappingProxyType(dict(sorted(objs.items()))))


# Toast tables and their indexes are named after the table they belong to (joins, not per-row
# subqueries: reltoastrelid has no index).
_Q_RELFILENODES = """
WITH toast_owner AS MATERIALIZED (
    SELECT o.reltoastrelid AS toast, quote_ident(n.nspname) || '.' || quote_ident(o.relname) AS name
      FROM pg_class o JOIN pg_namespace n ON n.oid = o.relnamespace WHERE o.reltoastrelid <> 0)
SELECT CASE WHEN c.relkind = 't' THEN t1.name || ' (toast)'
            WHEN t2.name IS NOT NULL THEN t2.name || ' (toast index)'
            ELSE quote_ident(n.nspname) || '.' || quote_ident(c.relname) END,
       c.relfilenode::bigint, c.relkind::text, c.oid::bigint
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN toast_owner t1 ON t1.toast = c.oid
  LEFT JOIN pg_index x ON x.indexrelid = c.oid
  LEFT JOIN toast_owner t2 ON t2.toast = x.indrelid
 WHERE c.relkind IN ('r', 'i', 'm', 't', 'p', 'I', 'v', 'S', 'f')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_temp\\_%'
   AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%' AND c.oid >= 16384"""


class Relation(msgspec.Struct, frozen=True):
    """One user relation as the tracer tracks it (internal detail of relfilenodes)."""

    name: str
    relfilenode: int
    relkind: str
    oid: int


def relations(conn: psycopg.Connection) -> list[Relation]:
    """Every user relation with its oid and relfilenode (0 for views, partitioned parents, ...)."""
    with conn.transaction(force_rollback=True), conn.cursor() as cur:
        cur.execute(_Q_RELFILENODES)
        return [Relation(*r) for r in cur.fetchall() if r[0] is not None]


def relfilenodes(conn: psycopg.Connection) -> dict[str, tuple[int, str]]:
    """"public.users" -> (relfilenode, relkind) for every user table, index, matview and toast table
    (a toast table is keyed by its owner: "public.users (toast)"). A new relfilenode means the
    relation's data was written anew: a rewrite, or TRUNCATE."""
    return {r.name: (r.relfilenode, r.relkind) for r in relations(conn)
            if r.relkind in ("r", "i", "m", "t") and r.relfilenode != 0}
