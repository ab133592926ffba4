"""COPY ... FROM STDIN / TO STDOUT: the rows travel through a client, which a migration run does not have."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.sql.parse import Statement, client_copy
from toolkit.sql.rules.model import Context, Finding, Rule

RULE = Rule(
    id="copy-needs-client",
    severity="error",
    summary="COPY through a client",
    why="COPY ... FROM STDIN and COPY ... TO STDOUT exchange rows with a client program (psql's \\copy). "
        "A migration runs statements only, so `migrate` refuses the file before anything runs.",
    instead="Load rows with INSERT statements (or COPY FROM a file on the database server), and export "
            "data outside the migration.",
)


KINDS = frozenset({"CopyStmt"})  # the only statements check() can report on


def check(stmt: Statement, ctx: Context) -> Iterator[Finding]:
    way = client_copy(stmt.node)
    if way:
        yield ctx.finding(RULE, f"COPY ... {way} needs a client to send or receive the rows; `migrate` refuses it")
