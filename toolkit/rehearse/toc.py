"""Partial restore planning from a custom-format dump's table of contents (pure).

`pg_restore --list` prints one entry per line: `<dump id>; <catalog oid> <oid> <DESC> <rest>`, DESC
being one of a known set (some with spaces: "TABLE DATA", "FK CONSTRAINT", ...). The plan keeps the
schema of everything and the data only of the tables the migrations touch, the migrations table,
and (transitively) the tables their foreign keys reference; it comments out every other data entry
in the use-list handed to `pg_restore -L`.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable

import msgspec

# Longest first so "TABLE DATA" wins over "TABLE".
_DESCS = sorted((
    "TABLE", "TABLE DATA", "TABLE ATTACH", "SEQUENCE", "SEQUENCE SET", "SEQUENCE OWNED BY", "INDEX",
    "INDEX ATTACH", "CONSTRAINT", "FK CONSTRAINT", "CHECK CONSTRAINT", "DEFAULT", "VIEW",
    "MATERIALIZED VIEW", "MATERIALIZED VIEW DATA", "BLOB", "BLOBS", "BLOB METADATA", "LARGE OBJECT",
    "SCHEMA", "EXTENSION", "COMMENT", "ACL", "DEFAULT ACL", "FUNCTION", "PROCEDURE", "AGGREGATE",
    "TYPE", "DOMAIN", "TRIGGER", "RULE", "POLICY", "ROW SECURITY", "PUBLICATION", "PUBLICATION TABLE",
    "SUBSCRIPTION", "ENCODING", "STDSTRINGS", "SEARCHPATH", "DATABASE", "DATABASE PROPERTIES",
    "EVENT TRIGGER", "FOREIGN TABLE", "SERVER", "USER MAPPING", "COLLATION", "CONVERSION", "CAST",
    "OPERATOR", "OPERATOR CLASS", "OPERATOR FAMILY", "TEXT SEARCH CONFIGURATION",
    "TEXT SEARCH DICTIONARY", "TEXT SEARCH PARSER", "TEXT SEARCH TEMPLATE", "TRANSFORM",
    "PROCEDURAL LANGUAGE", "ACCESS METHOD", "STATISTICS", "SHELL TYPE", "FOREIGN DATA WRAPPER",
), key=len, reverse=True)
_LINE = re.compile(r"^(\d+);\s+(\d+)\s+(\d+)\s+(.*)$")
# Data entries other than tables' that a partial copy leaves out: large objects, and materialized
# view contents (computed from tables whose data may be absent).
_SKIPPED_DATA = ("BLOB", "BLOBS", "LARGE OBJECT", "MATERIALIZED VIEW DATA")


class TocEntry(msgspec.Struct, frozen=True):
    dump_id: int
    catalog_oid: int
    oid: int
    desc: str
    schema: str
    name: str
    line: str  # the original line, for the use-list

    @property
    def table(self) -> str:
        """schema.name (meaningful for TABLE / TABLE DATA entries)."""
        return f"{self.schema}.{self.name}"


def parse_list(text: str) -> list[TocEntry]:
    """The entries of `pg_restore --list` output (comments and blank lines skipped)."""
    out = []
    for raw in text.splitlines():
        m = _LINE.match(raw.strip())
        if not m:
            continue
        rest = m.group(4)
        desc = next((d for d in _DESCS if rest == d or rest.startswith(d + " ")), rest.split(" ", 1)[0])
        words = rest[len(desc):].strip().split(" ")
        # `schema name owner`: the owner is the last word, the schema the first ("-" when none).
        schema = words[0] if words else "-"
        name = " ".join(words[1:-1]) if len(words) > 2 else (words[1] if len(words) == 2 else "")
        out.append(TocEntry(int(m.group(1)), int(m.group(2)), int(m.group(3)), desc, schema, name, raw.strip()))
    return out


def qualify(name: str) -> str:
    """`users` -> `public.users` (the default schema); quoted parts lose their quotes."""
    parts = [p.strip('"') for p in name.split(".")]
    return ".".join(parts) if len(parts) > 1 else f"public.{parts[0]}"


class ForeignKey(msgspec.Struct, frozen=True):
    table: str  # the referencing table, schema.name
    name: str  # constraint name
    references: str  # the referenced table, schema.name


def foreign_keys(sql_text: str) -> list[ForeignKey]:
    """The FOREIGN KEY constraints in pg_restore's SQL for FK CONSTRAINT entries."""
    from pglast import ast, parse_sql
    from pglast.enums import ConstrType

    # psql meta-commands (\\restrict in 2025 releases) are not SQL.
    sql_text = "\n".join(ln for ln in sql_text.splitlines() if not ln.lstrip().startswith("\\"))
    out = []
    for raw in parse_sql(sql_text):
        stmt = raw.stmt
        if not isinstance(stmt, ast.AlterTableStmt):
            continue
        rv = stmt.relation
        child = f"{rv.schemaname or 'public'}.{rv.relname}"
        for cmd in stmt.cmds or ():
            c = getattr(cmd, "def_", None)
            if isinstance(c, ast.Constraint) and c.contype == ConstrType.CONSTR_FOREIGN and c.pktable is not None:
                pk = c.pktable
                out.append(ForeignKey(child, c.conname or "", f"{pk.schemaname or 'public'}.{pk.relname}"))
    return out


class RestorePlan(msgspec.Struct):
    data_tables: list[str]  # tables whose rows are restored, sorted
    schema_only_tables: list[str]  # tables restored empty
    excluded: list[str]  # tables whose data a pattern excluded (restored empty)
    why: dict[str, str]  # data table -> "touched" | "migrations table" | "referenced by x"
    dropped_fks: list[str]  # FK constraints left out: their referenced table has no data
    skipped: list[str] = msgspec.field(default_factory=list)  # other data entries left out (large objects, ...)
    use_list: str = ""


def _data_closure(tables: set[str], touched: Iterable[str], fks: list[ForeignKey], *, migrations_table: str,
                  excluded: Callable[[str], bool], full: bool) -> dict[str, str]:
    """Tables whose rows to restore, with why: touched, the migrations table, and (transitively) what
    their foreign keys reference."""
    refs: dict[str, list[ForeignKey]] = {}
    for fk in fks:
        refs.setdefault(fk.table, []).append(fk)
    why: dict[str, str] = {}
    queue: list[str] = []

    def want(t: str, reason: str) -> None:
        if t in tables and t not in why and not excluded(t):
            why[t] = reason
            queue.append(t)

    if full:
        for t in sorted(tables):
            want(t, "full copy")
    for t in sorted(qualify(x) for x in touched):
        want(t, "touched")
    want(qualify(migrations_table), "migrations table")
    while queue:
        t = queue.pop(0)
        for fk in refs.get(t, ()):
            want(fk.references, f"referenced by {t}")
    return why


def _use_list(entries: list[TocEntry], why: dict[str, str], dropped_keys: set[tuple[str, str]]
              ) -> tuple[list[str], list[str]]:
    """pg_restore's -L lines (left-out entries commented with ';') and the data entries skipped."""
    lines, skipped = [], []
    for e in entries:
        keep = True
        if e.desc == "TABLE DATA":
            keep = e.table in why
        elif e.desc in _SKIPPED_DATA:
            keep = False
            skipped.append(f"{e.desc} {e.table if e.schema != '-' else e.name}")
        elif e.desc == "FK CONSTRAINT":
            keep = (e.schema, e.name) not in dropped_keys
        lines.append(e.line if keep else ";" + e.line)
    return lines, skipped


def plan_restore(entries: list[TocEntry], touched: Iterable[str], fks: list[ForeignKey], *,
                 migrations_table: str, exclude: Iterable[str] = (), full: bool = False) -> RestorePlan:
    """Which table data to restore (see the module docstring) and the `-L` use-list that does it.
    `full` keeps every table's data (patterns still exclude)."""
    tables = {e.table for e in entries if e.desc == "TABLE"}
    with_data = {e.table for e in entries if e.desc == "TABLE DATA"}
    patterns = list(exclude)

    def excluded(t: str) -> bool:
        return any(fnmatch.fnmatchcase(t, p) or fnmatch.fnmatchcase(t.split(".", 1)[1], p) for p in patterns)

    why = _data_closure(tables, touched, fks, migrations_table=migrations_table, excluded=excluded, full=full)
    dropped = sorted(f"{fk.table}.{fk.name}" for fk in fks
                     if fk.table in why and fk.references not in why and fk.references in with_data)
    dropped_keys = {(fk.table.split(".", 1)[0], f"{fk.table.split('.', 1)[1]} {fk.name}") for fk in fks
                    if f"{fk.table}.{fk.name}" in dropped}
    lines, skipped = _use_list(entries, why, dropped_keys)
    return RestorePlan(
        data_tables=sorted(why), schema_only_tables=sorted(tables - set(why)),
        excluded=sorted(t for t in tables if excluded(t)), why=why, dropped_fks=dropped, skipped=skipped,
        use_list="\n".join(lines) + "\n")

