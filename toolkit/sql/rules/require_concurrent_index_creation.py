"""CREATE INDEX without CONCURRENTLY on a table that already exists."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from toolkit.sql.parse import Statement
from toolkit.sql.rules._util import table_name
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="require-concurrent-index-creation",
    severity="error",
    summary="index built while writes wait",
    why="CREATE INDEX takes a SHARE lock, so every INSERT, UPDATE and DELETE on the table waits "
        "until the whole index is built.",
    instead="CREATE INDEX CONCURRENTLY IF NOT EXISTS ... in a migration of its own, without BEGIN/COMMIT "
            "(it cannot run in a transaction); if it fails, DROP INDEX CONCURRENTLY the invalid index and retry.",
    size_sensitive=True,
)


KINDS = frozenset({"IndexStmt"})  # the only statements check() can report on


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    node = stmt.node
    if isinstance(node, ast.IndexStmt) and not node.concurrent:
        table = table_name(node.relation)
        if any(lk.table == table and not lk.new for lk in ctx.facts.locks):
            kind = "UNIQUE INDEX" if node.unique else "INDEX"
            yield ctx.finding(RULE, f"CREATE {kind} {node.idxname or ''} on {table} blocks writes while it builds"
                              .replace("  ", " "), table=table)
