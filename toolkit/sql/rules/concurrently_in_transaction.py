"""CONCURRENTLY (or another no-transaction statement) in a file with BEGIN/COMMIT."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.sql.rules.model import FileContext, Finding, Rule

RULE = Rule(
    id="concurrently-in-transaction",
    severity="error",
    summary="CONCURRENTLY inside a transaction",
    why="PostgreSQL refuses CREATE/DROP INDEX CONCURRENTLY (and VACUUM, ALTER SYSTEM, ...) inside a "
        "transaction block, so this migration fails at deploy time.",
    instead="Put the CONCURRENTLY statement in a migration of its own without BEGIN/COMMIT; the engine "
            "then runs it outside a transaction.",
    kind="file",
)


def check_file(ctx: FileContext) -> Iterator[Finding]:
    tx = [s for s in ctx.parsed.statements if s.tx_control in ("begin", "commit", "savepoint")]
    if not tx:
        return
    for s in ctx.parsed.statements:
        if s.non_transactional:
            yield ctx.finding(RULE, f"{s.non_transactional} in a file with {tx[0].text.split()[0].upper()} "
                                    f"at line {tx[0].line}", s)
