"""Which table-level locks each statement takes, what they block, and for how long.

Pure: pglast parse trees in, values out. The lock modes follow PostgreSQL's documented table
(https://www.postgresql.org/docs/15/explicit-locking.html) and, for ALTER TABLE, the per-subcommand
levels of `AlterTableGetLockLevel` in tablecmds.c; tests/sql/test_locks_pg.py checks the claims
against `pg_locks` on a real server.

"How long" is the point: a lock that blocks reads or writes is harmless for a catalog-only change and
an outage when the statement rewrites or scans a big table under it. Inside one transaction locks
add up, so a backfill that runs after an ALTER TABLE in the same transaction runs under the ALTER's
ACCESS EXCLUSIVE lock: `analyze_file` tracks those held locks too.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
from msgspec.structs import replace
from pglast import ast
from pglast.enums import AlterTableType as AT
from pglast.enums import ConstrType, ObjectType, ReindexObjectType, VariableSetKind

from toolkit.sql.parse import ParsedFile, SqlSyntaxError, Statement, parse, qualified_name, tree_nodes
from toolkit.sql.plpgsql import Body, body_of, do_statements, function_statements
from toolkit.sql.volatility import function_volatility, volatility

# Weakest to strongest, as in the documentation.
MODES = (
    "ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE",
    "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE",
)
_RANK = {m: i for i, m in enumerate(MODES)}

# Table 13.2, "Conflicting Lock Modes".
CONFLICTS: dict[str, frozenset[str]] = {
    "ACCESS SHARE": frozenset({"ACCESS EXCLUSIVE"}),
    "ROW SHARE": frozenset({"EXCLUSIVE", "ACCESS EXCLUSIVE"}),
    "ROW EXCLUSIVE": frozenset({"SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"}),
    "SHARE UPDATE EXCLUSIVE": frozenset({"SHARE UPDATE EXCLUSIVE", "SHARE", "SHARE ROW EXCLUSIVE",
                                         "EXCLUSIVE", "ACCESS EXCLUSIVE"}),
    "SHARE": frozenset({"ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE",
                        "ACCESS EXCLUSIVE"}),
    "SHARE ROW EXCLUSIVE": frozenset({"ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE",
                                      "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"}),
    "EXCLUSIVE": frozenset({"ROW SHARE", "ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE",
                            "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"}),
    "ACCESS EXCLUSIVE": frozenset(MODES),
}
# pg_locks.mode spelling, e.g. "ShareRowExclusiveLock".
PG_LOCKS_NAME = {m: "".join(w.capitalize() for w in m.split()) + "Lock" for m in MODES}


def stronger(a: str | None, b: str | None) -> str | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if _RANK[a] >= _RANK[b] else b


def blocks(mode: str | None) -> str:
    """What ordinary traffic a lock stops: 'reads and writes', 'writes' or 'nothing'.

    Reads take ACCESS SHARE, writes ROW EXCLUSIVE; anything conflicting with those blocks them.
    """
    if mode is None:
        return "nothing"
    if "ACCESS SHARE" in CONFLICTS[mode]:
        return "reads and writes"
    if "ROW EXCLUSIVE" in CONFLICTS[mode]:
        return "writes"
    return "nothing"


def normalize_table(name: str) -> str:
    return name[len("public."):] if name.startswith("public.") else name


# -- column types -----------------------------------------------------------------------------

_TYPE_ALIASES = {"integer": "int4", "int": "int4", "bigint": "int8", "smallint": "int2",
                 "character varying": "varchar", "decimal": "numeric", "timestamp with time zone":
                 "timestamptz", "float8": "float8", "double precision": "float8"}


class ColumnType(msgspec.Struct, frozen=True):
    name: str  # pg_catalog spelling: int4, varchar, bpchar, text, timestamptz, serial, ...
    mods: tuple[int, ...] = ()
    array: bool = False

    def __str__(self) -> str:
        mods = f"({','.join(map(str, self.mods))})" if self.mods else ""
        return f"{self.name}{mods}{'[]' if self.array else ''}"


def column_type(tn: ast.TypeName) -> ColumnType:
    names = [n.sval for n in tn.names or () if isinstance(n, ast.String)]
    name = names[-1] if names else "?"
    name = _TYPE_ALIASES.get(name, name)
    mods = []
    for m in tn.typmods or ():
        if isinstance(m, ast.A_Const) and isinstance(m.val, ast.Integer):
            mods.append(m.val.ival)
    return ColumnType(name, tuple(mods), bool(tn.arrayBounds))


# Zones with a fixed UTC offset of 0: PostgreSQL 12+ changes timestamp <-> timestamptz without a
# rewrite when the session TimeZone is one of them (TimestampTimestampTzRequiresRewrite).
_UTC_ZONES = {"utc", "etc/utc", "gmt", "etc/gmt", "zulu", "etc/zulu", "uct", "etc/uct", "universal",
              "etc/universal", "gmt0", "etc/gmt0", "etc/gmt+0", "etc/gmt-0", "gmt+0", "gmt-0", "greenwich",
              "etc/greenwich", "0", "+0", "-0", "+00", "+00:00", "00:00", "utc0", "utc+0", "utc-0"}


def timezone_is_utc(value: str | None) -> bool | None:
    """True/False for a known TimeZone setting, None when unknown (not set, or 'default'/'local')."""
    if value is None or value.strip().lower() in ("default", "local", ""):
        return None
    return value.strip().lower() in _UTC_ZONES


def timestamp_zone_change(old: ColumnType, new: ColumnType) -> bool:
    return ({old.name, new.name} == {"timestamp", "timestamptz"} and old.array == new.array
            and (old.mods == new.mods or not new.mods))


def binary_coercible(old: ColumnType, new: ColumnType, *, utc: bool | None = False) -> bool:
    """True when ALTER COLUMN TYPE old -> new needs no rewrite (and no index rebuild) in PostgreSQL.
    `utc`: whether the session TimeZone is UTC (decides timestamp <-> timestamptz)."""
    if old == new:
        return True
    if timestamp_zone_change(old, new):
        return bool(utc)
    if old.array != new.array:
        return False
    o, n = old.name, new.name
    if o in ("varchar", "text") and n == "text":
        return True
    if o in ("varchar", "text") and n == "varchar":
        if not new.mods:
            return True
        return o == "varchar" and bool(old.mods) and new.mods[0] >= old.mods[0]
    if o == n == "numeric":
        if not new.mods:
            return True
        if not old.mods:
            return False
        old_scale = old.mods[1] if len(old.mods) > 1 else 0
        new_scale = new.mods[1] if len(new.mods) > 1 else 0
        return new_scale == old_scale and new.mods[0] >= old.mods[0]
    if o == n == "varbit":
        return not new.mods or (bool(old.mods) and new.mods[0] >= old.mods[0])
    return o == "cidr" and n == "inet"


# -- expressions ------------------------------------------------------------------------------

_walk = tree_nodes  # the name the analysis modules use


def expression_volatility(expr: ast.Node | None,
                          functions: dict[str, str] | None = None) -> tuple[str, str | None]:
    """('volatile' | 'unknown' | 'stable_or_immutable', the function that decided it).
    `functions`: volatility of functions created earlier in the set (Schema.functions)."""
    worst, culprit = "stable_or_immutable", None
    for node in _walk(expr):
        if isinstance(node, ast.FuncCall):
            fname = node.funcname[-1].sval
            v = volatility(fname, functions)
            if v == "volatile":
                return "volatile", fname
            if v == "unknown" and worst != "unknown":
                worst, culprit = "unknown", fname
        elif isinstance(node, ast.SubLink):
            worst, culprit = "unknown", "a subquery"
    return worst, culprit


# -- facts ------------------------------------------------------------------------------------

class TableLock(msgspec.Struct, frozen=True):
    table: str
    mode: str
    action: str  # what takes it, e.g. "ADD COLUMN score", "CREATE INDEX"
    rewrite: bool = False  # rewrites every row (time grows with the table)
    full_scan: bool = False  # reads every row (time grows with the table)
    new: bool = False  # created earlier in this migration (or plan): empty, nobody waits on it
    uncertain: bool = False  # rewrite assumed: the column's current type is not known here
    line: int = 0  # the file line of the statement inside a DO block that takes it; 0: the statement's own
    # Taken to read or write rows (DML, a query): held for as long as the statement runs, which
    # depends on the rows, not on the catalog. Under a stronger lock held since an earlier statement,
    # that is how long traffic waits.
    rows: bool = False

    @property
    def blocks(self) -> str:
        return blocks(self.mode)

    @property
    def slow(self) -> bool:
        return self.rewrite or self.full_scan


class HeldLock(msgspec.Struct, frozen=True):
    mode: str
    line: int  # where this transaction took it
    action: str


class StatementFacts(msgspec.Struct, frozen=True):
    statement: Statement
    locks: tuple[TableLock, ...]
    in_transaction: bool
    # Locks this transaction already holds from earlier statements (table -> strongest held lock).
    held: dict[str, HeldLock] = msgspec.field(default_factory=dict)
    notes: tuple[str, ...] = ()  # facts that are not locks, e.g. "DO block: not analysed"

    def effective_mode(self, table: str) -> str | None:
        own = max((lk.mode for lk in self.locks if lk.table == table), key=_RANK.__getitem__, default=None)
        held = self.held.get(table)
        return stronger(own, held.mode if held else None)

    @property
    def worst(self) -> TableLock | None:
        """The strongest lock on a table that already exists (slow ones first among equals)."""
        real = [lk for lk in self.locks if not lk.new]
        if not real:
            return None
        return max(real, key=lambda lk: (_RANK[lk.mode], lk.slow, lk.rows))


class Schema:
    """What earlier statements said about tables: column types, which tables are new, which index
    belongs to which table, which CHECK (col IS NOT NULL) constraints are validated."""

    def __init__(self) -> None:
        from toolkit.sql.definitions import Definitions  # it builds on this module's helpers

        # Columns' defaults and nullability, indexes, function bodies: what a rollback must restore.
        self.defs = Definitions()
        self.columns: dict[tuple[str, str], ColumnType] = {}
        self.created: set[str] = set()  # created in this migration (or earlier in this plan)
        self.index_table: dict[str, str] = {}
        self.not_null_checks: dict[tuple[str, str], str] = {}  # (table, constraint) -> column
        self.not_null_proven: set[tuple[str, str]] = set()  # (table, column)
        self.added_columns: set[tuple[str, str]] = set()  # added in this migration/plan (all NULL)
        # (table, constraint) -> referenced table: dropping a foreign key (or its table) takes
        # ACCESS EXCLUSIVE on the referenced table too, to remove the key's triggers there.
        self.foreign_keys: dict[tuple[str, str], str] = {}
        self.fk_columns: dict[tuple[str, str], tuple[str, ...]] = {}  # (table, constraint) -> its columns
        self.fk_ref_columns: dict[tuple[str, str], tuple[str, ...]] = {}  # -> the referenced columns
        self.primary_keys: dict[str, tuple[str, ...]] = {}
        # Volatility of functions created by earlier statements (name -> volatile | stable_or_immutable).
        self.functions: dict[str, str] = {}
        # SQL / PL/pgSQL functions created by earlier statements: name -> (CREATE FUNCTION node, its
        # text). Calling one runs its statements: their locks are the call's (read when called).
        self.function_sources: dict[str, tuple[ast.CreateFunctionStmt, str]] = {}
        # View -> the relations its query reads: reading the view locks them too (the rewriter expands it).
        self.view_reads: dict[str, tuple[str, ...]] = {}
        # (table, trigger) -> the function it runs: DROP FUNCTION ... CASCADE drops the trigger, which
        # takes ACCESS EXCLUSIVE on its table.
        self.triggers: dict[tuple[str, str], str] = {}
        # Session settings that change what a statement does (lower-case name -> value). A file's SET
        # changes them for the statements after it; the plan may fill in the server's values (TimeZone)
        # before a file, which the file itself cannot know.
        self.settings: dict[str, str] = {}
        self.server_settings: dict[str, str] = {}  # what RESET returns to; the plan's hook

    def set_server_setting(self, name: str, value: str) -> None:
        """A setting the database session starts with (e.g. TimeZone from SHOW TimeZone)."""
        self.server_settings[name.lower()] = value
        self.settings[name.lower()] = value

    def add_foreign_key(self, table: str, name: str | None, columns: list[str], ref: str,
                        ref_columns: Iterable[ast.Node] | None = ()) -> None:
        name = name or f"{table.split('.')[-1]}_{'_'.join(columns)}_fkey"
        self.foreign_keys[(table, name)] = ref
        self.fk_columns[(table, name)] = tuple(columns)
        cols = tuple(c.sval for c in ref_columns or () if isinstance(c, ast.String))
        self.fk_ref_columns[(table, name)] = cols or self.primary_keys.get(ref, ("id",))

    def referencing(self, table: str) -> list[str]:
        """Tables with a foreign key to `table` (other than itself)."""
        return sorted({t for (t, _), ref in self.foreign_keys.items() if ref == table and t != table})

    def copy_for_next_migration(self, *, keep_created: bool) -> Schema:
        s = Schema()
        s.columns = dict(self.columns)
        s.index_table = dict(self.index_table)
        s.not_null_checks = dict(self.not_null_checks)
        s.not_null_proven = set(self.not_null_proven)
        s.foreign_keys = dict(self.foreign_keys)
        s.fk_columns = dict(self.fk_columns)
        s.fk_ref_columns = dict(self.fk_ref_columns)
        s.primary_keys = dict(self.primary_keys)
        s.functions = dict(self.functions)
        s.function_sources = dict(self.function_sources)
        s.view_reads = dict(self.view_reads)
        s.triggers = dict(self.triggers)
        s.defs = self.defs.copy()
        s.server_settings = dict(self.server_settings)
        s.settings = dict(self.server_settings)  # a file's own SET does not carry to the next file
        if keep_created:
            s.created = set(self.created)
            s.added_columns = set(self.added_columns)
        return s


def _rv(rv: ast.RangeVar) -> str:
    return normalize_table(qualified_name(rv))


def _check_is_not_null(expr: ast.Node | None) -> str | None:
    if isinstance(expr, ast.NullTest) and expr.nulltesttype == 1 and isinstance(expr.arg, ast.ColumnRef):
        f = expr.arg.fields[-1]
        return f.sval if isinstance(f, ast.String) else None
    return None


def _constraints(col: ast.ColumnDef) -> list[ast.Constraint]:
    return [c for c in col.constraints or () if isinstance(c, ast.Constraint)]


def add_column_facts(table: str, col: ast.ColumnDef,
                     functions: dict[str, str] | None = None) -> tuple[bool, bool, list[TableLock], str]:
    """(rewrite, full_scan, extra locks on other tables, reason) for ADD COLUMN."""
    rewrite = scan = False
    # A new column without a default is NULL in every row: PostgreSQL marks its foreign key valid
    # without checking a row (transformAlterTableStmt's skipValidation).
    has_default = any(c.contype in (ConstrType.CONSTR_DEFAULT, ConstrType.CONSTR_IDENTITY,
                                    ConstrType.CONSTR_GENERATED) for c in _constraints(col))
    extra: list[TableLock] = []
    reason = ""
    ctype = column_type(col.typeName) if col.typeName else None
    if ctype and ctype.name in ("serial", "bigserial", "smallserial", "serial4", "serial8", "serial2"):
        rewrite, reason = True, f"{ctype.name} fills every row from a sequence"
    for c in _constraints(col):
        if c.contype == ConstrType.CONSTR_DEFAULT:
            v, fn = expression_volatility(c.raw_expr, functions)
            if v == "volatile":
                rewrite, reason = True, f"volatile default {fn}() is evaluated for every row"
        elif c.contype == ConstrType.CONSTR_IDENTITY:
            rewrite, reason = True, "an identity column fills every row from a sequence"
        elif c.contype == ConstrType.CONSTR_GENERATED:
            rewrite, reason = True, "a stored generated column is computed for every row"
        elif c.contype == ConstrType.CONSTR_CHECK and not c.skip_validation:
            scan = True
        elif c.contype in (ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_UNIQUE):
            scan = True  # builds an index over every row
        elif c.contype == ConstrType.CONSTR_FOREIGN:
            scan = scan or (not c.skip_validation and has_default)
            extra.append(TableLock(_rv(c.pktable), "SHARE ROW EXCLUSIVE", f"REFERENCES from {table}"))
    return rewrite, scan, extra, reason


_SUE_CMDS = {AT.AT_SetStatistics, AT.AT_ClusterOn, AT.AT_DropCluster, AT.AT_SetOptions,
             AT.AT_ResetOptions, AT.AT_ValidateConstraint, AT.AT_AttachPartition,
             AT.AT_DetachPartitionFinalize}
_SRE_CMDS = {AT.AT_EnableTrig, AT.AT_EnableAlwaysTrig, AT.AT_EnableReplicaTrig, AT.AT_EnableTrigAll,
             AT.AT_EnableTrigUser, AT.AT_DisableTrig, AT.AT_DisableTrigAll, AT.AT_DisableTrigUser}
_REWRITE_CMDS = {AT.AT_SetTableSpace: "SET TABLESPACE", AT.AT_SetLogged: "SET LOGGED",
                 AT.AT_SetUnLogged: "SET UNLOGGED", AT.AT_SetAccessMethod: "SET ACCESS METHOD"}
# Reloptions whose change needs ACCESS EXCLUSIVE (the rest take SHARE UPDATE EXCLUSIVE).
_COERCIBLE_TARGETS = {"text", "varchar", "numeric", "varbit", "inet"}
_AE_RELOPTIONS = {"user_catalog_table", "security_barrier", "check_option", "security_invoker"}


class _Sub(msgspec.Struct):
    """One ALTER TABLE subcommand's analysis: the lock it takes and what the handler found."""

    table: str
    cmd: ast.AlterTableCmd
    schema: Schema
    out: list[TableLock]
    mode: str = "ACCESS EXCLUSIVE"
    rewrite: bool = False
    scan: bool = False
    action: str = ""
    uncertain: bool = False

    @property
    def st(self) -> AT:
        return self.cmd.subtype

    @property
    def col(self) -> str:
        return self.cmd.name


def _at_add_column(s: _Sub) -> None:
    if not isinstance(s.cmd.def_, ast.ColumnDef):
        return
    s.action = f"ADD COLUMN {s.cmd.def_.colname}"
    s.rewrite, s.scan, extra, _ = add_column_facts(s.table, s.cmd.def_, s.schema.functions)
    for c in _constraints(s.cmd.def_):
        if c.contype == ConstrType.CONSTR_FOREIGN:
            s.schema.add_foreign_key(s.table, c.conname, [s.cmd.def_.colname], _rv(c.pktable), c.pk_attrs)
    s.out.extend(extra)
    if s.cmd.def_.typeName:
        s.schema.columns[(s.table, s.cmd.def_.colname)] = column_type(s.cmd.def_.typeName)
    s.schema.added_columns.add((s.table, s.cmd.def_.colname))


def _at_alter_column_type(s: _Sub) -> None:
    if not isinstance(s.cmd.def_, ast.ColumnDef):
        return
    new = column_type(s.cmd.def_.typeName)
    old = s.schema.columns.get((s.table, s.col))
    s.action = f"ALTER COLUMN {s.col} TYPE {new}"
    utc = timezone_is_utc(s.schema.settings.get("timezone"))
    s.rewrite = s.cmd.def_.raw_default is not None or old is None or not binary_coercible(old, new, utc=utc)
    # An unknown old type with a target some types coerce to for free: say so, do not assume.
    s.uncertain = old is None and s.cmd.def_.raw_default is None and new.name in _COERCIBLE_TARGETS
    if old is not None and s.cmd.def_.raw_default is None and timestamp_zone_change(old, new) and utc is None:
        s.uncertain = True
        s.action += " (no rewrite if the session TimeZone is UTC; the file does not set it)"
    s.schema.columns[(s.table, s.col)] = new
    # The foreign keys that use the column are re-created, on the tables that hold them.
    for (tb, con), ref in s.schema.foreign_keys.items():
        if tb != s.table and ref == s.table and s.col in s.schema.fk_ref_columns.get((tb, con), ()):
            s.out.append(TableLock(tb, "ACCESS EXCLUSIVE", f"ALTER COLUMN {s.table}.{s.col} TYPE (foreign key {con})"))
        elif tb == s.table and ref != s.table and s.col in s.schema.fk_columns.get((tb, con), ()):
            s.out.append(TableLock(ref, "SHARE ROW EXCLUSIVE", f"ALTER COLUMN {s.col} TYPE (foreign key {con})"))


def _at_set_not_null(s: _Sub) -> None:
    s.action = f"ALTER COLUMN {s.col} SET NOT NULL"
    s.scan = (s.table, s.col) not in s.schema.not_null_proven


def _at_column_default(s: _Sub) -> None:
    s.action = f"ALTER COLUMN {s.col} {'SET' if s.cmd.def_ else 'DROP'} DEFAULT"


def _at_drop_constraint(s: _Sub) -> None:
    s.action = f"DROP CONSTRAINT {s.col}"
    ref = s.schema.foreign_keys.pop((s.table, s.col), None)
    if ref and ref != s.table:
        s.out.append(TableLock(ref, "ACCESS EXCLUSIVE", f"DROP CONSTRAINT {s.col} (foreign key from {s.table})"))


def _at_drop_column(s: _Sub) -> None:
    s.action = f"DROP COLUMN {s.col}"
    s.schema.columns.pop((s.table, s.col), None)
    # Its foreign keys go with it, and their triggers on the referenced s.table.
    for (tb, con) in [k for k in s.schema.foreign_keys if k[0] == s.table and s.col in s.schema.fk_columns.get(k, ())]:
        ref = s.schema.foreign_keys.pop((tb, con))
        if ref != s.table:
            s.out.append(TableLock(ref, "ACCESS EXCLUSIVE", f"DROP COLUMN {s.table}.{s.col} (foreign key {con})"))


def _at_share_update_exclusive(s: _Sub) -> None:
    s.mode = "SHARE UPDATE EXCLUSIVE"
    if s.st == AT.AT_ValidateConstraint:
        s.action, s.scan = f"VALIDATE CONSTRAINT {s.col}", True
        proven = s.schema.not_null_checks.get((s.table, s.col))
        if proven:
            s.schema.not_null_proven.add((s.table, proven))
    elif s.st == AT.AT_AttachPartition and isinstance(s.cmd.def_, ast.PartitionCmd):
        s.action = "ATTACH PARTITION"
        s.out.append(TableLock(_rv(s.cmd.def_.name), "ACCESS EXCLUSIVE", "ATTACH PARTITION", full_scan=True))


def _at_detach_partition(s: _Sub) -> None:
    if not isinstance(s.cmd.def_, ast.PartitionCmd):
        return
    s.action = "DETACH PARTITION"
    if s.cmd.def_.concurrent:
        s.mode = "SHARE UPDATE EXCLUSIVE"
    s.out.append(TableLock(_rv(s.cmd.def_.name), s.mode, "DETACH PARTITION"))


def _at_share_row_exclusive(s: _Sub) -> None:
    s.mode = "SHARE ROW EXCLUSIVE"


def _at_rewrite(s: _Sub) -> None:
    s.action, s.rewrite = _REWRITE_CMDS[s.st], True


def _at_set_rel_options(s: _Sub) -> None:
    names = {d.defname for d in s.cmd.def_ or () if isinstance(d, ast.DefElem)}
    s.mode = "ACCESS EXCLUSIVE" if names & _AE_RELOPTIONS else "SHARE UPDATE EXCLUSIVE"
    s.action = "SET (" + ", ".join(sorted(names)) + ")"


def _at_add_constraint(s: _Sub) -> None:
    if not isinstance(s.cmd.def_, ast.Constraint):
        return
    c = s.cmd.def_
    kind = c.contype
    name = c.conname or ""
    if kind == ConstrType.CONSTR_FOREIGN:
        s.mode = "SHARE ROW EXCLUSIVE"
        s.action = f"ADD FOREIGN KEY {name}".rstrip()
        s.scan = not c.skip_validation
        s.out.append(TableLock(_rv(c.pktable), "SHARE ROW EXCLUSIVE", f"FOREIGN KEY from {s.table}"))
        s.schema.add_foreign_key(s.table, c.conname, [a.sval for a in c.fk_attrs or ()], _rv(c.pktable), c.pk_attrs)
    elif kind == ConstrType.CONSTR_CHECK:
        s.action = f"ADD CHECK {name}".rstrip()
        s.scan = not c.skip_validation
        nn = _check_is_not_null(c.raw_expr)
        if nn:
            if name:
                s.schema.not_null_checks[(s.table, name)] = nn
            if not c.skip_validation:
                s.schema.not_null_proven.add((s.table, nn))
    elif kind in (ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_UNIQUE, ConstrType.CONSTR_EXCLUSION):
        label = {ConstrType.CONSTR_PRIMARY: "PRIMARY KEY", ConstrType.CONSTR_UNIQUE: "UNIQUE",
                 ConstrType.CONSTR_EXCLUSION: "EXCLUDE"}[kind]
        using = bool(c.indexname)
        s.action = f"ADD {label}{' USING INDEX' if using else ''}"
        if kind == ConstrType.CONSTR_PRIMARY and c.keys:
            s.schema.primary_keys[s.table] = tuple(k.sval for k in c.keys)
        s.scan = not using
        if kind == ConstrType.CONSTR_PRIMARY and using:
            # PRIMARY KEY USING INDEX still checks NOT NULL on its columns.
            s.scan = not all((s.table, k.sval) in s.schema.not_null_proven for k in c.keys or ())


_ALTER_TABLE_HANDLERS = {
    AT.AT_AddColumn: _at_add_column,
    AT.AT_AlterColumnType: _at_alter_column_type,
    AT.AT_SetNotNull: _at_set_not_null,
    AT.AT_ColumnDefault: _at_column_default,
    AT.AT_DropConstraint: _at_drop_constraint,
    AT.AT_DropColumn: _at_drop_column,
    **dict.fromkeys(_SUE_CMDS, _at_share_update_exclusive),
    AT.AT_DetachPartition: _at_detach_partition,
    **dict.fromkeys(_SRE_CMDS, _at_share_row_exclusive),
    **dict.fromkeys(_REWRITE_CMDS, _at_rewrite),
    AT.AT_SetRelOptions: _at_set_rel_options,
    AT.AT_ResetRelOptions: _at_set_rel_options,
    AT.AT_AddConstraint: _at_add_constraint,
}


def _alter_index(stmt: ast.AlterTableStmt, schema: Schema) -> list[TableLock]:
    table = _rv(stmt.relation)
    table_of_index = schema.index_table.get(table)
    out = [TableLock(table, "ACCESS EXCLUSIVE", "ALTER INDEX")]
    for cmd in stmt.cmds or ():
        if cmd.subtype in (AT.AT_SetRelOptions, AT.AT_ResetRelOptions, AT.AT_SetStatistics):
            out = [TableLock(table, "SHARE UPDATE EXCLUSIVE", "ALTER INDEX SET")]
    if table_of_index and out[0].mode == "ACCESS EXCLUSIVE":
        out.append(TableLock(table_of_index, "ACCESS EXCLUSIVE", "ALTER INDEX"))
    return out


def _alter_table(stmt: ast.AlterTableStmt, schema: Schema) -> list[TableLock]:
    if stmt.objtype == ObjectType.OBJECT_INDEX:
        return _alter_index(stmt, schema)
    table = _rv(stmt.relation)
    out: list[TableLock] = []
    for cmd in stmt.cmds or ():
        if not isinstance(cmd, ast.AlterTableCmd):
            continue
        s = _Sub(table, cmd, schema, out, action=cmd.subtype.name[3:])
        handler = _ALTER_TABLE_HANDLERS.get(cmd.subtype)
        if handler is not None:
            handler(s)
        out.append(TableLock(table, s.mode, s.action, rewrite=s.rewrite, full_scan=s.scan, uncertain=s.uncertain))
    return out


def _only_new_column_is_null(where: ast.Node, table: str, schema: Schema) -> bool:
    """`WHERE c IS NULL` on a column this migration added matches every row (the runbook's backfill)."""
    col = None
    if isinstance(where, ast.NullTest) and where.nulltesttype == 0 and isinstance(where.arg, ast.ColumnRef):
        f = where.arg.fields[-1]
        col = f.sval if isinstance(f, ast.String) else None
    return col is not None and (table, col) in schema.added_columns


def _index_table(name: str, schema: Schema) -> str | None:
    return schema.index_table.get(name)


class _Ctx(msgspec.Struct):
    """One statement's analysis in progress: what the per-statement handlers add to."""

    stmt: Statement
    schema: Schema
    created_before: set[str]
    locks: list[TableLock] = msgspec.field(default_factory=list)
    notes: list[str] = msgspec.field(default_factory=list)
    depth: int = 0  # inside how many DO blocks / called functions

    def others(self, exclude: set[str], mode: str = "ACCESS SHARE", action: str = "read", *,
               through_views: bool = True, rows: bool = True) -> None:
        """`mode` on every relation the statement names, except `exclude`; and on the relations under
        the views it names (`through_views`: a query expands them; a view's definition does not)."""
        views = self.schema.view_reads
        if not views or not through_views:  # the hot path (a data migration's INSERTs): as before
            for rel in self.stmt.relations:
                t = normalize_table(rel)
                if t not in exclude:
                    self.locks.append(TableLock(t, mode, action, rows=rows))
            return
        seen: set[str] = set()
        todo = [(normalize_table(rel), action) for rel in self.stmt.relations]
        for t, why in todo:  # in the statement's order; a view's tables appended as it is met
            if t in exclude or t in seen:
                continue
            seen.add(t)
            self.locks.append(TableLock(t, mode, why, rows=rows))
            if t in views:
                todo.extend((base, f"{action} (through view {t})") for base in views[t])  # noqa: B909


def _st_select(node, cx: _Ctx) -> None:
    mode = "ROW SHARE" if node.lockingClause else "ACCESS SHARE"
    if node.intoClause is not None:
        target = _rv(node.intoClause.rel)
        cx.others({target}, mode, "SELECT INTO")
        cx.schema.created.add(target)
    else:
        cx.others(set(), mode, "SELECT")
    if cx.schema.function_sources:
        _calls(node, cx)


def _calls(node: ast.Node, cx: _Ctx) -> None:
    """The statements of the functions created earlier that this statement calls (`SELECT f()`)."""
    called: dict[str, None] = {}
    for v in _walk(node):
        if isinstance(v, ast.FuncCall) and v.funcname:
            name = getattr(v.funcname[-1], "sval", "").lower()
            if name in cx.schema.function_sources:
                called.setdefault(name, None)
    for name in called:
        fn, text = cx.schema.function_sources[name]
        _embedded(function_statements(fn, text), f"{name}()", cx)


def _is_catalog(table: str) -> bool:
    # An unqualified pg_* name resolves to pg_catalog first.
    return table.startswith(("pg_catalog.", "information_schema.")) or ("." not in table and table.startswith("pg_"))


_EMBEDDED_DEPTH = 3  # functions calling functions: deeper calls are reported, not followed


def _embedded(body: Body, where: str, cx: _Ctx, *, first_line: int = 0) -> None:
    """The locks of the statements a DO block or a called function runs, as if every branch ran.
    `first_line`: the file line the body starts on (a DO block's), so each lock carries its statement's
    line; 0 (a function defined elsewhere) leaves them at the calling statement's line."""
    if not body.readable:
        cx.notes.append(f"{where}: its body is not SQL or PL/pgSQL that parses here; its locks are not "
                        "analysed; review them by hand")
        return
    if cx.depth >= _EMBEDDED_DEPTH:
        cx.notes.append(f"{where}: called {cx.depth} functions deep; its locks are not analysed")
        return
    for i, text in enumerate(body.statements):
        try:
            inner = parse(text, where).statements
        except SqlSyntaxError:
            cx.notes.append(f"{where}: a statement of its body does not parse on its own; not analysed")
            continue
        lineno = body.line_of(i)
        line = first_line + lineno - 1 if first_line and lineno else 0
        for st in inner:
            if st.tx_control is None:
                locks, notes = statement_locks(st, cx.schema, depth=cx.depth + 1)
                # `IF NOT EXISTS (SELECT FROM pg_class ...)` guards are catalog reads: not a table's lock.
                cx.locks.extend(replace(lk, action=f"{where}: {lk.action}", line=lk.line or line) for lk in locks
                                if not (lk.mode == "ACCESS SHARE" and _is_catalog(lk.table)))
                cx.notes.extend(notes)
    if body.dynamic:
        cx.notes.append(f"{where}: runs dynamic SQL (EXECUTE); what that does is not analysed; review it by hand")


def _insert_locks(cx: _Ctx) -> None:
    # No parse tree needed: an INSERT's target is the first relation it names (INSERTs are most of a
    # data migration's statements, and a 50 MB one's tree takes twenty times its size).
    t = normalize_table(cx.stmt.relations[0])
    cx.locks.append(TableLock(t, "ROW EXCLUSIVE", "INSERT", rows=True))
    cx.others({t})


def _st_update(node, cx: _Ctx) -> None:
    t = _rv(node.relation)
    verb = "UPDATE" if isinstance(node, ast.UpdateStmt) else "DELETE"
    whole = node.whereClause is None or _only_new_column_is_null(node.whereClause, t, cx.schema)
    cx.locks.append(TableLock(t, "ROW EXCLUSIVE", verb, full_scan=whole, rows=True))
    cx.others({t})


def _st_copy(node, cx: _Ctx) -> None:
    """COPY t FROM a server file writes rows (ROW EXCLUSIVE); COPY t / COPY (query) TO reads."""
    if node.relation is not None:
        t = _rv(node.relation)
        cx.locks.append(TableLock(t, "ROW EXCLUSIVE" if node.is_from else "ACCESS SHARE",
                                  "COPY FROM" if node.is_from else "COPY TO", rows=True))
        cx.others({t})
    else:
        cx.others(set(), "ACCESS SHARE", "COPY (query) TO")


def _st_merge(node, cx: _Ctx) -> None:
    t = _rv(node.relation)
    cx.locks.append(TableLock(t, "ROW EXCLUSIVE", "MERGE", rows=True))
    cx.others({t})


def _st_alter_table(node, cx: _Ctx) -> None:
    cx.locks.extend(_alter_table(node, cx.schema))


def _st_rename(node, cx: _Ctx) -> None:
    if node.relation is None:
        return
    t = _rv(node.relation)
    rt = node.renameType
    if rt == ObjectType.OBJECT_INDEX:
        cx.locks.append(TableLock(t, "SHARE UPDATE EXCLUSIVE", "RENAME INDEX"))
        if t in cx.schema.index_table:
            cx.schema.index_table[normalize_table(node.newname)] = cx.schema.index_table.pop(t)
    else:
        what = {ObjectType.OBJECT_COLUMN: f"RENAME COLUMN {node.subname}",
                ObjectType.OBJECT_TABCONSTRAINT: f"RENAME CONSTRAINT {node.subname}"}.get(rt, "RENAME")
        cx.locks.append(TableLock(t, "ACCESS EXCLUSIVE", what))
        if rt == ObjectType.OBJECT_COLUMN:
            old = cx.schema.columns.pop((t, node.subname), None)
            if old:
                cx.schema.columns[(t, node.newname)] = old
        elif rt in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW, ObjectType.OBJECT_MATVIEW):
            new = normalize_table(node.newname)
            for (tb, c) in list(cx.schema.columns):
                if tb == t:
                    cx.schema.columns[(new, c)] = cx.schema.columns.pop((tb, c))
            for (tb, trig) in [k for k in cx.schema.triggers if k[0] == t]:
                cx.schema.triggers[(new, trig)] = cx.schema.triggers.pop((tb, trig))
            if t in cx.schema.created:
                cx.schema.created.add(new)


def _st_index(node, cx: _Ctx) -> None:
    t = _rv(node.relation)
    if node.idxname:
        iname = normalize_table(
            f"{node.relation.schemaname}.{node.idxname}" if node.relation.schemaname else node.idxname)
        cx.schema.index_table[iname] = t
        if t in cx.created_before:
            cx.schema.created.add(iname)  # an index of a new table is new too
    if node.concurrent:
        cx.locks.append(TableLock(t, "SHARE UPDATE EXCLUSIVE", "CREATE INDEX CONCURRENTLY", full_scan=True))
    else:
        cx.locks.append(TableLock(t, "SHARE", "CREATE INDEX", full_scan=True))


def _drop_relations(node, names: list[str], cx: _Ctx) -> None:
    rt = node.removeType
    for n in names:
        cx.locks.append(TableLock(n, "ACCESS EXCLUSIVE", f"DROP {rt.name[7:]}"))
        for k in [k for k in cx.schema.triggers if k[0] == n]:  # its triggers go with it
            del cx.schema.triggers[k]
        for (tb, con), ref in list(cx.schema.foreign_keys.items()):
            if tb == n:
                del cx.schema.foreign_keys[(tb, con)]
                if ref not in names:
                    cx.locks.append(TableLock(ref, "ACCESS EXCLUSIVE", f"DROP TABLE {n} (its foreign key)"))


def _drop_indexes(node, names: list[str], cx: _Ctx) -> None:
    mode = "SHARE UPDATE EXCLUSIVE" if node.concurrent else "ACCESS EXCLUSIVE"
    action = "DROP INDEX CONCURRENTLY" if node.concurrent else "DROP INDEX"
    for n in names:
        cx.locks.append(TableLock(n, mode, action))
        owner = _index_table(n, cx.schema)
        if owner:
            cx.locks.append(TableLock(owner, mode, action))
            if node.behavior == 1:  # CASCADE: the foreign keys that use the index go too
                for ref in cx.schema.referencing(owner):
                    cx.locks.append(TableLock(ref, "ACCESS EXCLUSIVE", f"{action} {n} CASCADE (foreign key)"))


def _drop_table_objects(node, cx: _Ctx) -> None:
    """DROP TRIGGER / POLICY / RULE name ON table: ACCESS EXCLUSIVE on the table."""
    rt = node.removeType
    for obj in node.objects or ():
        parts = [p.sval for p in obj]
        table = normalize_table(".".join(parts[:-1]))
        cx.locks.append(TableLock(table, "ACCESS EXCLUSIVE", f"DROP {rt.name[7:]} {parts[-1]}"))
        if rt == ObjectType.OBJECT_TRIGGER:
            cx.schema.triggers.pop((table, parts[-1]), None)


def _st_drop(node, cx: _Ctx) -> None:
    names = [".".join(p.sval for p in obj) for obj in node.objects or () if isinstance(obj, tuple)]
    names = [normalize_table(n) for n in names]
    rt = node.removeType
    if rt in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW, ObjectType.OBJECT_MATVIEW,
              ObjectType.OBJECT_FOREIGN_TABLE):
        _drop_relations(node, names, cx)
    elif rt == ObjectType.OBJECT_INDEX:
        _drop_indexes(node, names, cx)
    elif rt in (ObjectType.OBJECT_TRIGGER, ObjectType.OBJECT_POLICY, ObjectType.OBJECT_RULE):
        _drop_table_objects(node, cx)
    elif rt in (ObjectType.OBJECT_FUNCTION, ObjectType.OBJECT_PROCEDURE) and node.behavior == 1:  # CASCADE
        _drop_function_cascade(node, cx)


def _st_truncate(node, cx: _Ctx) -> None:
    for rv in node.relations or ():
        cx.locks.append(TableLock(_rv(rv), "ACCESS EXCLUSIVE", "TRUNCATE"))


def _table_element(t: str, elt: ast.Node, cx: _Ctx) -> None:
    """A column or constraint of CREATE TABLE t: what the schema learns, the keys' locks."""
    cons = _constraints(elt) if isinstance(elt, ast.ColumnDef) else [elt]
    if isinstance(elt, ast.ColumnDef) and any(c.contype == ConstrType.CONSTR_PRIMARY for c in cons):
        cx.schema.primary_keys[t] = (elt.colname,)
    elif isinstance(elt, ast.Constraint) and elt.contype == ConstrType.CONSTR_PRIMARY:
        cx.schema.primary_keys[t] = tuple(k.sval for k in elt.keys or ())
    if isinstance(elt, ast.ColumnDef) and elt.typeName:
        cx.schema.columns[(t, elt.colname)] = column_type(elt.typeName)
        if any(c.contype in (ConstrType.CONSTR_NOTNULL, ConstrType.CONSTR_PRIMARY) for c in cons):
            cx.schema.not_null_proven.add((t, elt.colname))
    for c in cons:
        if isinstance(c, ast.Constraint) and c.contype == ConstrType.CONSTR_FOREIGN:
            ref = _rv(c.pktable)
            cols = [elt.colname] if isinstance(elt, ast.ColumnDef) else [a.sval for a in c.fk_attrs or ()]
            cx.schema.add_foreign_key(t, c.conname, cols, ref, c.pk_attrs)
            if ref != t:
                cx.locks.append(TableLock(ref, "SHARE ROW EXCLUSIVE", f"REFERENCES from new table {t}"))


def _st_create(node, cx: _Ctx) -> None:
    t = _rv(node.relation)
    if node.partbound is not None:
        for rv in node.inhRelations or ():
            cx.locks.append(TableLock(_rv(rv), "ACCESS EXCLUSIVE", f"CREATE TABLE {t} PARTITION OF"))
    elif node.inhRelations:
        for rv in node.inhRelations:
            cx.locks.append(TableLock(_rv(rv), "SHARE UPDATE EXCLUSIVE", f"CREATE TABLE {t} INHERITS"))
    for elt in node.tableElts or ():
        _table_element(t, elt, cx)
    cx.locks.append(TableLock(t, "ACCESS EXCLUSIVE", "CREATE TABLE"))
    cx.schema.created.add(t)


def _st_create_table_as(node, cx: _Ctx) -> None:
    t = _rv(node.into.rel)
    cx.others({t}, "ACCESS SHARE", f"read by CREATE {'MATERIALIZED VIEW' if node.objtype == ObjectType.OBJECT_MATVIEW else 'TABLE'} {t} AS")
    cx.locks[:] = [replace(lk, full_scan=True) for lk in cx.locks]
    cx.schema.created.add(t)


def _st_view(node, cx: _Ctx) -> None:
    t = _rv(node.view)
    cx.others({t}, "ACCESS SHARE", f"read by CREATE VIEW {t}", through_views=False, rows=False)
    cx.locks.append(TableLock(t, "ACCESS EXCLUSIVE", "CREATE OR REPLACE VIEW" if node.replace else "CREATE VIEW"))
    cx.schema.created.add(t)
    cx.schema.view_reads[t] = tuple(r for r in (normalize_table(rel) for rel in cx.stmt.relations) if r != t)


def _st_create_trig(node, cx: _Ctx) -> None:
    table = _rv(node.relation)
    cx.locks.append(TableLock(table, "SHARE ROW EXCLUSIVE", f"CREATE TRIGGER {node.trigname}"))
    cx.schema.triggers[(table, node.trigname)] = node.funcname[-1].sval.lower()


def _drop_function_cascade(node, cx: _Ctx) -> None:
    """DROP FUNCTION f CASCADE drops the triggers that run f: ACCESS EXCLUSIVE on each one's table."""
    for obj in node.objects or ():
        if not isinstance(obj, ast.ObjectWithArgs):
            continue
        name = obj.objname[-1].sval.lower()
        for (table, trigger), func in list(cx.schema.triggers.items()):
            if func == name:
                del cx.schema.triggers[(table, trigger)]
                cx.locks.append(TableLock(table, "ACCESS EXCLUSIVE",
                                          f"DROP FUNCTION {name} CASCADE (drops trigger {trigger})"))


def _st_create_policy(node, cx: _Ctx) -> None:
    cx.locks.append(TableLock(_rv(node.table), "ACCESS EXCLUSIVE", "POLICY"))


def _st_rule(node, cx: _Ctx) -> None:
    cx.locks.append(TableLock(_rv(node.relation), "ACCESS EXCLUSIVE", f"CREATE RULE {node.rulename}"))


def _st_create_stats(node, cx: _Ctx) -> None:
    cx.others(set(), "SHARE UPDATE EXCLUSIVE", "CREATE STATISTICS", rows=False)


def _st_comment(node, cx: _Ctx) -> None:
    if node.objtype not in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_COLUMN):
        return
    parts = [p.sval for p in node.object] if isinstance(node.object, tuple) else []
    if node.objtype == ObjectType.OBJECT_COLUMN:
        parts = parts[:-1]
    if parts:
        cx.locks.append(TableLock(normalize_table(".".join(parts)), "SHARE UPDATE EXCLUSIVE", "COMMENT ON"))


def _st_lock(node, cx: _Ctx) -> None:
    mode = MODES[node.mode - 1] if 1 <= node.mode <= 8 else "ACCESS EXCLUSIVE"
    for rv in node.relations or ():
        cx.locks.append(TableLock(_rv(rv), mode, f"LOCK TABLE IN {mode} MODE"))


def _st_reindex(node, cx: _Ctx) -> None:
    if node.relation is None:
        return
    name = _rv(node.relation)
    concurrent = any(isinstance(p, ast.DefElem) and p.defname == "concurrently" for p in node.params or ())
    if node.kind == ReindexObjectType.REINDEX_OBJECT_INDEX:
        owner = _index_table(name, cx.schema)
        if concurrent:
            cx.locks.append(TableLock(name, "SHARE UPDATE EXCLUSIVE", "REINDEX CONCURRENTLY"))
            if owner:
                cx.locks.append(TableLock(owner, "SHARE UPDATE EXCLUSIVE", "REINDEX CONCURRENTLY", full_scan=True))
        else:
            cx.locks.append(TableLock(name, "ACCESS EXCLUSIVE", "REINDEX INDEX", rewrite=True))
            if owner:
                cx.locks.append(TableLock(owner, "SHARE", "REINDEX INDEX", full_scan=True))
    elif node.kind == ReindexObjectType.REINDEX_OBJECT_TABLE:
        if concurrent:
            cx.locks.append(TableLock(name, "SHARE UPDATE EXCLUSIVE", "REINDEX TABLE CONCURRENTLY", full_scan=True))
        else:
            # SHARE on the table, ACCESS EXCLUSIVE on each index: reads that use an index wait.
            cx.locks.append(TableLock(name, "SHARE", "REINDEX TABLE", full_scan=True))
            cx.notes.append(f"REINDEX TABLE {name} also takes ACCESS EXCLUSIVE on each of its indexes")


def _st_cluster(node, cx: _Ctx) -> None:
    if node.relation is None:
        return
    cx.locks.append(TableLock(_rv(node.relation), "ACCESS EXCLUSIVE", "CLUSTER", rewrite=True))


def _st_vacuum(node, cx: _Ctx) -> None:
    opts = {d.defname for d in node.options or () if isinstance(d, ast.DefElem)}
    full = "full" in opts
    for vr in node.rels or ():
        t = _rv(vr.relation)
        if full:
            cx.locks.append(TableLock(t, "ACCESS EXCLUSIVE", "VACUUM FULL", rewrite=True))
        else:
            verb = "VACUUM" if node.is_vacuumcmd else "ANALYZE"
            cx.locks.append(TableLock(t, "SHARE UPDATE EXCLUSIVE", verb, full_scan=node.is_vacuumcmd))


def _st_refresh_mat_view(node, cx: _Ctx) -> None:
    t = _rv(node.relation)
    if node.concurrent:
        cx.locks.append(TableLock(t, "EXCLUSIVE", "REFRESH MATERIALIZED VIEW CONCURRENTLY", full_scan=True))
    else:
        cx.locks.append(TableLock(t, "ACCESS EXCLUSIVE", "REFRESH MATERIALIZED VIEW", rewrite=True))


def _st_do(node, cx: _Ctx) -> None:
    # The file line the body starts on: its statements' locks point at their own lines.
    source, _ = body_of(node.args)
    text = cx.stmt.text
    at = text.find(source) if source else -1
    _embedded(do_statements(node), "DO block", cx,
              first_line=cx.stmt.line + text.count("\n", 0, at) if at >= 0 else 0)


def _st_create_function(node, cx: _Ctx) -> None:
    name = node.funcname[-1].sval.lower()
    cx.schema.functions[name] = function_volatility(node)
    cx.schema.function_sources[name] = (node, cx.stmt.text)


def _st_variable_set(node, cx: _Ctx) -> None:
    _session_setting(node, cx.schema)


_STATEMENT_HANDLERS = {
    ast.SelectStmt: _st_select,
    ast.UpdateStmt: _st_update,
    ast.DeleteStmt: _st_update,
    ast.MergeStmt: _st_merge,
    ast.CopyStmt: _st_copy,
    ast.AlterTableStmt: _st_alter_table,
    ast.RenameStmt: _st_rename,
    ast.IndexStmt: _st_index,
    ast.DropStmt: _st_drop,
    ast.TruncateStmt: _st_truncate,
    ast.CreateStmt: _st_create,
    ast.CreateTableAsStmt: _st_create_table_as,
    ast.ViewStmt: _st_view,
    ast.CreateTrigStmt: _st_create_trig,
    ast.CreatePolicyStmt: _st_create_policy,
    ast.AlterPolicyStmt: _st_create_policy,
    ast.RuleStmt: _st_rule,
    ast.CreateStatsStmt: _st_create_stats,
    ast.CommentStmt: _st_comment,
    ast.LockStmt: _st_lock,
    ast.ReindexStmt: _st_reindex,
    ast.ClusterStmt: _st_cluster,
    ast.VacuumStmt: _st_vacuum,
    ast.RefreshMatViewStmt: _st_refresh_mat_view,
    ast.DoStmt: _st_do,
    ast.CreateFunctionStmt: _st_create_function,
    ast.VariableSetStmt: _st_variable_set,
}


def statement_locks(stmt: Statement, schema: Schema, *, depth: int = 0) -> tuple[list[TableLock], list[str]]:
    """The table-level locks one statement takes, and notes; updates `schema` with what it creates.
    `depth`: inside how many DO blocks / called functions the statement runs."""
    cx = _Ctx(stmt, schema, set(schema.created), depth=depth)
    node = None
    if stmt.kind == "InsertStmt":
        _insert_locks(cx)
    else:
        node = stmt.node
        handler = _STATEMENT_HANDLERS.get(type(node))
        if handler is not None:
            handler(node, cx)
    locks = [replace(lk, new=True) if lk.table in cx.created_before or (node is not None and _creates(node, lk.table))
             else lk for lk in cx.locks]
    return locks, cx.notes


def _session_setting(node: ast.VariableSetStmt, schema: Schema) -> None:
    if node.kind == VariableSetKind.VAR_RESET_ALL:
        schema.settings = dict(schema.server_settings)
        return
    name = (node.name or "").lower()
    if name not in ("timezone",):
        return
    if node.kind in (VariableSetKind.VAR_SET_DEFAULT, VariableSetKind.VAR_RESET):
        if name in schema.server_settings:
            schema.settings[name] = schema.server_settings[name]
        else:
            schema.settings.pop(name, None)
    elif node.kind == VariableSetKind.VAR_SET_VALUE and node.args:
        value = _const_text(node.args[0])
        if value is None:
            schema.settings.pop(name, None)
        else:
            schema.settings[name] = value


def _creates(node: ast.Node, table: str) -> bool:
    if isinstance(node, ast.CreateStmt):
        return _rv(node.relation) == table
    if isinstance(node, ast.ViewStmt):
        return _rv(node.view) == table and not node.replace
    return False


def analyze_file(parsed: ParsedFile, schema: Schema | None = None) -> tuple[StatementFacts, ...]:
    """Lock facts for every statement of one migration file, in order.

    The engine runs a file in one transaction unless it holds a statement PostgreSQL refuses
    inside one (CREATE INDEX CONCURRENTLY, ...); then each statement runs on its own, except
    between the file's own BEGIN and COMMIT.
    """
    schema = schema if schema is not None else Schema()
    engine_tx = not parsed.needs_no_transaction
    depth = 0
    # The locks held before each statement: one dict shared by the statements until it changes (a
    # 50 MB file of INSERTs has half a million statements and one held lock); never mutated once given.
    held: dict[str, HeldLock] = {}
    same: dict[object, object] = {}  # equal lock tuples shared the same way
    out = []
    for stmt in parsed.statements:
        tx = stmt.tx_control
        if tx == "begin":
            depth += 1
        elif tx in ("commit", "rollback"):
            depth = max(0, depth - 1)
            if not engine_tx and depth == 0 and held:
                held = {}
        in_tx = engine_tx or depth > 0 or tx == "commit"
        if tx:
            out.append(StatementFacts(stmt, (), in_tx, held))
            continue
        locks, notes = statement_locks(stmt, schema)
        if schema.defs.follows(stmt.kind):
            schema.defs.apply(stmt.node, stmt.line)
        own = tuple(locks)
        if len(same) < 10_000:
            own = same.setdefault(own, own)
        out.append(StatementFacts(stmt, own, in_tx, held, tuple(notes)))
        if in_tx:
            for lk in locks:
                prev = held.get(lk.table)
                if prev is None or _RANK[lk.mode] > _RANK[prev.mode]:
                    held = {**held, lk.table: HeldLock(lk.mode, stmt.line, lk.action)}
    return tuple(out)


def timeout_settings(node: ast.Node) -> list[tuple[str, str | None]]:
    """(setting, new value or None for reset/default) for lock_timeout/statement_timeout changes,
    whether by SET, RESET or set_config()."""
    watched = ("lock_timeout", "statement_timeout", "idle_in_transaction_session_timeout")
    out: list[tuple[str, str | None]] = []
    if isinstance(node, ast.VariableSetStmt):
        if node.kind == VariableSetKind.VAR_RESET_ALL:
            out.extend((w, None) for w in watched[:2])
        elif node.name in watched:
            if node.kind in (VariableSetKind.VAR_SET_DEFAULT, VariableSetKind.VAR_RESET):
                out.append((node.name, None))
            elif node.kind == VariableSetKind.VAR_SET_VALUE and node.args:
                out.append((node.name, _const_text(node.args[0])))
        return out
    for n in _walk(node):
        if isinstance(n, ast.FuncCall) and n.funcname[-1].sval == "set_config" and len(n.args or ()) >= 2:
            name, value = _const_text(n.args[0]), _const_text(n.args[1])
            if name in watched:
                out.append((name, value))
    return out


def statement_timeout_settings(stmt: Statement) -> list[tuple[str, str | None]]:
    """timeout_settings(stmt.node), without walking the tree of a statement whose text cannot call
    set_config (most of them: the walk was a tenth of lint's time). Unquoted names are case-folded;
    a U&"..." identifier can spell the name with escapes, so its statements are walked."""
    if stmt.kind != "VariableSetStmt":
        text = stmt.text.lower()
        if "set_config" not in text and "u&" not in text:
            return []
    return timeout_settings(stmt.node)


def _const_text(node: ast.Node) -> str | None:
    if isinstance(node, ast.A_Const) and node.val is not None:
        v = node.val
        for attr in ("sval", "ival", "fval"):
            if hasattr(v, attr):
                return str(getattr(v, attr))
    if isinstance(node, ast.TypeCast):
        return _const_text(node.arg)
    return None


def duration_ms(value: str | None) -> float | None:
    """PostgreSQL's duration syntax for timeouts: 0, '5s', '200ms', '1min', '500' (ms)."""
    if value is None:
        return None
    v = value.strip().lower().replace(" ", "")
    units = (("ms", 1), ("us", 0.001), ("min", 60_000), ("s", 1000), ("h", 3_600_000), ("d", 86_400_000))
    for unit, factor in units:
        if v.endswith(unit):
            try:
                return float(v[: -len(unit)]) * factor
            except ValueError:
                return None
    try:
        return float(v)
    except ValueError:
        return None
