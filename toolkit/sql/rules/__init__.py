"""Lint rules: one small module per rule, each with its RULE metadata and a `check` function.

A rule module defines `RULE = Rule(...)` and one or both of
    check(stmt: Statement, ctx: Context) -> Iterator[Finding]      called per statement
    check_file(ctx: FileContext) -> Iterator[Finding]               called once per file
and, optionally, KINDS = frozenset({"AlterTableStmt", ...}): the only statement kinds check() can
report on (lint skips calling it for the others; tests/sql/test_rule_kinds.py holds it to that).
Rules only look at values (the parse tree and the lock facts); the report is built from their
findings, never by the rules themselves. Rule, Finding, Context and FileContext live in
rules/model.py: rule modules and rollback_coverage import them from there (this package loads them,
so importing it back would be a cycle); they are re-exported here for everyone else.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from types import ModuleType

import msgspec

from toolkit.sql.parse import Statement

# Re-exported: rules, reports and callers have always imported these from the package.
from toolkit.sql.rules.model import SEVERITIES as SEVERITIES
from toolkit.sql.rules.model import Context as Context
from toolkit.sql.rules.model import FileContext as FileContext
from toolkit.sql.rules.model import Finding as Finding
from toolkit.sql.rules.model import Options as Options
from toolkit.sql.rules.model import Rule as Rule
from toolkit.sql.rules.model import severity_rank as severity_rank


class LoadedRule(msgspec.Struct, frozen=True):
    rule: Rule
    check: Callable[[Statement, Context], Iterator[Finding]] | None
    check_file: Callable[[FileContext], Iterator[Finding]] | None
    # The statement kinds (CreateStmt, ...) check() can report on, from the module's KINDS: lint does
    # not call it for the others. None: any statement.
    kinds: frozenset[str] | None = None


@cache
def all_rules() -> tuple[LoadedRule, ...]:
    """Every rule module in this package, statement rules first, lock-derived ones last."""
    loaded = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        mod: ModuleType = importlib.import_module(f"{__name__}.{info.name}")
        rule = getattr(mod, "RULE", None)
        if isinstance(rule, Rule):
            loaded.append(LoadedRule(rule, getattr(mod, "check", None), getattr(mod, "check_file", None),
                                     getattr(mod, "KINDS", None)))
    order = {"file": 0, "statement": 1, "lock": 2, "rollback": 3}
    return tuple(sorted(loaded, key=lambda r: (order[r.rule.kind], r.rule.id)))


# Findings made outside the per-rule modules (by the linter, the plan and the suppression parser)
# still have their Rule here, so that config, `lint --list-rules`, suppressions and docs share one list.
SYNTAX_RULE = Rule(
    id="syntax-error", severity="error", summary="does not parse",
    why="PostgreSQL's parser rejects this statement, so the migration fails at deploy time.",
    instead="Fix the SQL; run the migration against a scratch database (migrate --env dev) before review.",
    kind="file",
)
EDITED = Rule(
    id="edited-migration", severity="warning", summary="applied migration edited",
    why="A migration that already ran somewhere does not run again there, so an edit to it silently "
        "diverges that environment from a fresh one (and `status` reports a checksum mismatch).",
    instead="Leave applied migrations as they are and add a new migration with the change.",
    kind="file",
)
UNKNOWN_RULE = Rule(
    id="unknown-rule-id", severity="warning", summary="suppression names an unknown rule",
    why="A suppression comment with a misspelt rule id suppresses nothing, so the finding it was meant "
        "for is still reported (or a real one is hidden if the id later exists).",
    instead="Use an id from `lint --list-rules` (or `all`).",
    kind="file",
)


@cache
def registry() -> dict[str, Rule]:
    """Every rule id the linter can report, by id, sorted: per-rule modules, rollback coverage, and
    the findings made elsewhere (syntax errors, edited migrations, unknown suppressions)."""
    from toolkit.sql.rollback_coverage import RULES as ROLLBACK_RULES

    rules = [r.rule for r in all_rules()] + list(ROLLBACK_RULES) + [SYNTAX_RULE, EDITED, UNKNOWN_RULE]
    return {r.id: r for r in sorted(rules, key=lambda r: r.id)}


def rule_ids() -> set[str]:
    return set(registry())


def rule_by_id(rule_id: str) -> Rule | None:
    return registry().get(rule_id)


def closest_rule_id(rule_id: str) -> str | None:
    """The known id nearest to a misspelt one ("prefer-timestamp" -> "prefer-timestamptz")."""
    import difflib

    match = difflib.get_close_matches(rule_id.lower(), list(registry()), n=1, cutoff=0.5)
    return match[0] if match else None


def unknown_rule_message(rule_id: str) -> str:
    near = closest_rule_id(rule_id)
    return f"unknown rule '{rule_id}'" + (f" (did you mean '{near}'?)" if near else "")


def check_rule_ids(ids: Iterable[str], where: str) -> None:
    """Raise a one-line UsageError naming the first unknown id (and the closest known one)."""
    from toolkit.errors import UsageError

    known = rule_ids()
    for rule_id in ids:
        if rule_id.lower() not in known:
            raise UsageError(f"{where}: {unknown_rule_message(rule_id)}",
                             hint="`lint --list-rules` lists the rule ids")
