"""SET lock_timeout = 0 (or statement_timeout, RESET, set_config) defeats the engine's lock retries."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.sql.locks import duration_ms, statement_timeout_settings
from toolkit.sql.parse import Statement
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="timeout-disabled",
    severity="error",
    summary="engine timeouts overridden",
    why="The engine sets lock_timeout and statement_timeout so a blocked DDL gives up quickly and is "
        "retried instead of queueing every query behind it; turning them off (0, DEFAULT, RESET) or "
        "raising lock_timeout lets one migration stall all traffic on the table.",
    instead="Leave timeouts to the engine ([engine] lock_timeout_ms / statement_timeout_ms in "
            "migrate-action.toml); batch long backfills instead of lifting statement_timeout.",
)


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    for name, value in statement_timeout_settings(stmt):
        ms = duration_ms(value)
        if value is None:
            yield ctx.finding(RULE, f"{name} reset to the server default, replacing the engine's value")
        elif ms == 0:
            yield ctx.finding(RULE, f"{name} = 0 disables the timeout")
        elif name == "lock_timeout" and ms is not None and ms > ctx.options.lock_timeout_max_ms:
            yield ctx.finding(RULE, f"lock_timeout = {value}: queries can queue behind a blocked lock that "
                                    f"long (the engine's ceiling is {ctx.options.lock_timeout_max_ms} ms)",
                              severity="warning")
