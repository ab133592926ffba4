"""A no-transaction migration that also holds ordinary statements."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.sql.rules.model import FileContext, Finding, Rule

RULE = Rule(
    id="mixed-transaction",
    severity="warning",
    summary="partial apply possible",
    why="A migration with a CONCURRENTLY statement runs statement by statement outside a transaction, "
        "so if a later statement fails the earlier ones stay applied and the migration is left half done.",
    instead="Give each CONCURRENTLY statement a migration of its own (with IF NOT EXISTS / IF EXISTS so "
            "a retry is safe) and keep the other changes in a transactional migration.",
    kind="file",
)


def check_file(ctx: FileContext) -> Iterator[Finding]:
    stmts = [s for s in ctx.parsed.statements if s.tx_control is None]
    no_tx = [s for s in stmts if s.non_transactional]
    if not no_tx or any(s.tx_control for s in ctx.parsed.statements):
        return  # transactional file, or already reported by concurrently-in-transaction
    others = [s for s in stmts if not s.non_transactional and s.kind != "VariableSetStmt"]
    if others or len(no_tx) > 1:
        first = (others or no_tx[1:])[0]
        yield ctx.finding(RULE, f"{len(stmts)} statements run one by one outside a transaction "
                                f"({no_tx[0].non_transactional} at line {no_tx[0].line})", first)
