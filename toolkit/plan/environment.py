"""What the plan and lint commands share, pure: the lint settings checks, the rule options, and the
exit code a plan gives. Reading the pending set and the database's facts is
toolkit.migrations.pending's (plan_from_connection); choosing the source is the use case's
(toolkit.app.plan.plan_for_environment).
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
