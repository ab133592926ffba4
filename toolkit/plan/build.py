"""Build a plan from values: pending migrations (+ the files before them) in, a Plan out. Pure."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from msgspec.structs import replace

from toolkit.config import LintSettings
from toolkit.plan.model import MigrationPlan, PendingMigration, Plan, RollbackSafety
from toolkit.sql.lint import LintOptions, TableStats, lint_text
from toolkit.sql.locks import Schema, analyze_file
from toolkit.sql.parse import ParsedFile, SqlSyntaxError, parse
from toolkit.sql.rules import EDITED as EDITED  # re-exported: callers import it from here
from toolkit.sql.rules import Finding, Options


def schema_from_history(history: Iterable[tuple[str, str]]) -> Schema:
    """What the already-applied migrations declared (column types, indexes, constraints).

    Used to tell a binary-coercible type change from a rewrite, and which table an index belongs to.
    Tables from history are not 'new': they exist and have rows.
    """
    schema = Schema()
    for path, text in history:
        try:
            analyze_file(parse(text, path), schema)
        except SqlSyntaxError:
            continue
    return schema.copy_for_next_migration(keep_created=False)


def build_plan(pending: Sequence[PendingMigration], *, environment: str | None, source: str,
               history: Iterable[tuple[str, str]] = (), settings: LintSettings | None = None,
               stats: Mapping[str, TableStats] | None = None, options: Options | None = None,
               edited: Sequence[PendingMigration] = (), notes: Sequence[str] = (),
               check_rollback: bool = True, carry_new_tables: bool = True,
               server_settings: Mapping[str, str] | None = None,
               functions: Mapping[str, str] | None = None) -> Plan:
    """Lint each pending migration in order against what the earlier ones declared.

    server_settings / functions: what the database says (its TimeZone; the volatility of functions
    that exist there), which wins over what the history files declared.

    With carry_new_tables (the plan case: the pending set runs together, before the code that
    uses it is deployed), a table created by an earlier pending migration is still new and empty.
    """
    opts = LintOptions(settings=settings or LintSettings(), rule_options=options or Options(),
                       stats=dict(stats or {}), check_rollback=check_rollback)
    schema = schema_from_history(history)
    for name, value in (server_settings or {}).items():
        schema.set_server_setting(name, value)
    schema.functions.update(functions or {})
    plans = []
    for m in pending:
        mschema = schema.copy_for_next_migration(keep_created=carry_new_tables)
        report = lint_text(m.text, m.path, schema=mschema, opts=opts, rollback_path=m.rollback_path,
                           rollback_text=m.rollback_text, expected_rollback=m.expected_rollback)
        plans.append(MigrationPlan(m, report))
        schema = mschema
    disabled = set(opts.settings.disable)
    extra = tuple(
        Finding(EDITED.id, EDITED.severity, e.path, 1, f"{e.name} was applied but its file has changed since",
                EDITED.why, EDITED.instead)
        for e in edited if EDITED.id not in disabled
    )
    return Plan(environment, source, tuple(plans), dict(stats or {}), extra, tuple(notes))


def tables_touched(plan: Plan) -> list[str]:
    """Existing tables the plan locks: the ones whose size makes the risk concrete."""
    seen: dict[str, None] = {}
    for m in plan.migrations:
        for sf in m.report.facts:
            for lk in sf.locks:
                if not lk.new:
                    seen.setdefault(lk.table, None)
    return list(seen)


# classify(up, down) -> an object with .name and .reason: toolkit.proof.safety.classify_files, passed
# in by the use case (this module stays below the services).
Classifier = Callable[[ParsedFile, "ParsedFile | None"], Any]


def with_safety(plan: Plan, classify: Classifier, proofs: Mapping[str, Mapping[str, Any]] | None = None) -> Plan:
    """Each migration's rollback safety class, from its parsed files; `proofs` (name -> {"proved",
    "safety_class"}, the JSON of verify-rollbacks) adds whether a round trip proved the rollback, and
    its class wins over the static one (it saw the real catalog)."""
    proofs = proofs or {}
    out = []
    for m in plan.migrations:
        proof = proofs.get(m.name) or {}
        cls_name, reason = proof.get("safety_class"), str(proof.get("safety_reason") or "")
        if not cls_name and m.report.parsed is not None:
            down = None
            if m.migration.rollback_text is not None:
                try:
                    down = parse(m.migration.rollback_text, m.migration.rollback_path or "")
                except SqlSyntaxError:
                    down = None
            if m.migration.rollback_text is None or down is not None:  # a broken rollback has no class
                cls = classify(m.report.parsed, down)
                cls_name, reason = cls.name, cls.reason
        proved = proof.get("proved")
        safety = RollbackSafety(str(cls_name), reason, proved if isinstance(proved, bool) else None) \
            if cls_name else None
        out.append(replace(m, safety=safety))
    return replace(plan, migrations=tuple(out))
