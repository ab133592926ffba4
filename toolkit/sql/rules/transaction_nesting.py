"""BEGIN inside BEGIN, COMMIT without BEGIN, a BEGIN never committed, or ROLLBACK in a file."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.sql.rules.model import FileContext, Finding, Rule

RULE = Rule(
    id="transaction-nesting",
    severity="error",
    summary="broken BEGIN/COMMIT structure",
    why="The engine wraps each migration in its own transaction; a nested BEGIN, a stray COMMIT, an "
        "unclosed BEGIN or a ROLLBACK would end that transaction early or leave it open, so the engine "
        "refuses the file at deploy time.",
    instead="Keep at most one BEGIN; ... COMMIT; pair around the whole file (the runbook's style), "
            "or none at all.",
    kind="file",
)


def check_file(ctx: FileContext) -> Iterator[Finding]:
    depth, opened = 0, None
    for s in ctx.parsed.statements:
        kind = s.tx_control
        if kind == "begin":
            if depth:
                yield ctx.finding(RULE, f"nested BEGIN: a transaction is already open since line {opened.line}", s)
            depth, opened = depth + 1, opened or s
        elif kind == "commit":
            if not depth:
                yield ctx.finding(RULE, "COMMIT without a BEGIN", s)
            depth, opened = 0, None
        elif kind in ("rollback", "prepare", "commit_prepared", "rollback_prepared", "other"):
            yield ctx.finding(RULE, f"{s.text.split()[0].upper()} in a migration: the engine owns the "
                                    "transaction and rolls back by itself on error", s)
    if depth and opened is not None:
        yield ctx.finding(RULE, "BEGIN is never committed (no COMMIT before the end of the file)", opened)
