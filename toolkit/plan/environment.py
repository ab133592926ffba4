"""The plan of one environment from an open connection, as the plan use cases and the deploy
pipeline need it, with the lint settings checks and the exit code they share.

Choosing the source (the database, else git against a base ref) and opening the connection is the
use case's: toolkit.app.plan.plan_for_environment.
"""

from __future__ import annotations

from toolkit.config import Config
from toolkit.errors import UsageError
from toolkit.plan.model import Plan

FAIL_ON_LEVELS = ("error", "warning", "notice", "never")


def exit_code(plan: Plan, fail_on: str) -> int:
    """0 clean, 1 findings at or above fail_on, 2 SQL that does not parse."""
    from toolkit.sql.lint import at_or_above

    if plan.has_syntax_errors:
        return 2
    return 1 if at_or_above(plan.findings, fail_on) else 0


def rule_options(config: Config):
    from toolkit.sql.rules import Options

    return Options(lock_timeout_max_ms=config.engine.lock_timeout_max_ms)


def check_lint_settings(config: Config) -> None:
    from toolkit.sql.rules import check_rule_ids

    if config.lint.fail_on not in FAIL_ON_LEVELS:
        raise UsageError(f"[lint] fail_on = {config.lint.fail_on!r} is not one of: {', '.join(FAIL_ON_LEVELS)}")
    label = config.source.name if config.source else "defaults"
    check_rule_ids(config.lint.disable, f"{label}: [lint] disable")


def plan_from_connection(config: Config, env_name: str, conn) -> Plan:
    """Pending migrations from the database, with the sizes of the tables they touch."""
    from toolkit.plan.build import build_plan, tables_touched
    from toolkit.plan.sources import database_facts, pending_from_database, table_stats

    check_lint_settings(config)
    ps = pending_from_database(config, conn)
    facts = database_facts(conn)
    common = dict(environment=env_name, source=ps.source, history=ps.history, settings=config.lint,
                  options=rule_options(config), server_settings=facts.settings, functions=facts.functions)
    draft = build_plan(ps.pending, check_rollback=False, **common)
    stats = table_stats(conn, tables_touched(draft))
    return build_plan(ps.pending, stats=stats, edited=ps.edited, notes=ps.notes, **common)

