"""Split a migration file into statements with PostgreSQL's own parser (pglast).

Pure: text in, values out. Everything downstream (engine, locks, lint, plan) works on these
Statement values, never on regexes over SQL.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import cached_property

from pglast import ast, parser
from pglast.enums import TransactionStmtKind

from toolkit.errors import ToolkitError

_TX_KINDS = {
    TransactionStmtKind.TRANS_STMT_BEGIN: "begin",
    TransactionStmtKind.TRANS_STMT_START: "begin",
    TransactionStmtKind.TRANS_STMT_COMMIT: "commit",
    TransactionStmtKind.TRANS_STMT_ROLLBACK: "rollback",
    TransactionStmtKind.TRANS_STMT_SAVEPOINT: "savepoint",
    TransactionStmtKind.TRANS_STMT_RELEASE: "release",
    TransactionStmtKind.TRANS_STMT_ROLLBACK_TO: "rollback_to",
    TransactionStmtKind.TRANS_STMT_PREPARE: "prepare",
    TransactionStmtKind.TRANS_STMT_COMMIT_PREPARED: "commit_prepared",
    TransactionStmtKind.TRANS_STMT_ROLLBACK_PREPARED: "rollback_prepared",
}


class SqlSyntaxError(ToolkitError):
    def __init__(self, path: str, line: int, column: int, message: str) -> None:
        super().__init__(f"{path}:{line}:{column}: syntax error: {message}", exit_code=2)
        self.path, self.line, self.column, self.pg_message = path, line, column, message


@dataclass(frozen=True)
class Statement:
    index: int  # 0-based position in the file, transaction control included
    text: str  # the statement's source text, without the trailing semicolon
    node: ast.Node  # the statement's parse tree (the RawStmt's stmt)
    start: int  # character offset in the file
    line: int  # 1-based line of the statement's first character
    end_line: int
    comments: tuple[str, ...] = field(default=(), compare=False)  # comments just before it

    @property
    def kind(self) -> str:
        return type(self.node).__name__

    @property
    def tx_control(self) -> str | None:
        """'begin', 'commit', 'rollback', 'savepoint', ... for transaction control, else None."""
        if isinstance(self.node, ast.TransactionStmt):
            return _TX_KINDS.get(self.node.kind, "other")
        return None

    @cached_property
    def non_transactional(self) -> str | None:
        """Why this statement cannot run inside a transaction block, or None if it can."""
        return no_transaction_reason(self.node)

    @cached_property
    def relations(self) -> tuple[str, ...]:
        return relations(self.node)


@dataclass(frozen=True)
class ParsedFile:
    path: str
    text: str
    statements: tuple[Statement, ...]

    @property
    def body(self) -> tuple[Statement, ...]:
        """The statements without BEGIN/COMMIT (the engine owns the transaction)."""
        return tuple(s for s in self.statements if s.tx_control not in ("begin", "commit"))

    @property
    def needs_no_transaction(self) -> bool:
        return any(s.non_transactional for s in self.statements)


class _Lines:
    def __init__(self, text: str) -> None:
        self.starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def line_col(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


def parse(text: str, path: str = "<sql>") -> ParsedFile:
    """Parse a file; a syntax error raises SqlSyntaxError with the file's line and column."""
    lines = _Lines(text)
    try:
        raw = parser.parse_sql(text)
    except parser.ParseError as exc:
        message, offset = (exc.args + (0,))[:2]
        line, col = lines.line_col(max(0, min(int(offset or 0), len(text))))
        raise SqlSyntaxError(path, line, col, str(message)) from None
    comments = _comments_by_gap(text)
    statements = []
    for i, rs in enumerate(raw):
        start = rs.stmt_location or 0
        length = rs.stmt_len or (len(text) - start)
        chunk = text[start:start + length]
        # stmt_location may point at whitespace before the statement; the line is its first token.
        lead = len(chunk) - len(chunk.lstrip())
        start += lead
        chunk = chunk.strip().rstrip(";").rstrip()
        prev_end = statements[-1].start + len(statements[-1].text) if statements else 0
        statements.append(Statement(
            index=i, text=chunk, node=rs.stmt, start=start,
            line=lines.line_col(start)[0], end_line=lines.line_col(start + max(len(chunk) - 1, 0))[0],
            comments=tuple(c for (pos, c) in comments if prev_end <= pos < start),
        ))
    return ParsedFile(path=path, text=text, statements=tuple(statements))


def _comments_by_gap(text: str) -> list[tuple[int, str]]:
    if "--" not in text and "/*" not in text:
        return []
    try:
        tokens = parser.scan(text)
    except parser.ParseError:
        return []
    return [(t.start, text[t.start:t.end + 1]) for t in tokens if t.name in ("SQL_COMMENT", "C_COMMENT")]


# -- facts from the parse tree ----------------------------------------------------------------

def _has_concurrently_option(params) -> bool:
    for p in params or ():
        if isinstance(p, ast.DefElem) and p.defname == "concurrently":
            return True
    return False


def no_transaction_reason(node: ast.Node) -> str | None:
    """PostgreSQL refuses these inside a transaction block ("cannot run inside a transaction block")."""
    match node:
        case ast.IndexStmt(concurrent=True):
            return "CREATE INDEX CONCURRENTLY"
        case ast.DropStmt(concurrent=True):
            return "DROP INDEX CONCURRENTLY"
        case ast.ReindexStmt() if _has_concurrently_option(node.params):
            return "REINDEX CONCURRENTLY"
        case ast.VacuumStmt(is_vacuumcmd=True):
            return "VACUUM"
        case ast.AlterSystemStmt():
            return "ALTER SYSTEM"
        case ast.CreatedbStmt():
            return "CREATE DATABASE"
        case ast.DropdbStmt():
            return "DROP DATABASE"
        case ast.CreateTableSpaceStmt():
            return "CREATE TABLESPACE"
        case ast.DropTableSpaceStmt():
            return "DROP TABLESPACE"
        case ast.ClusterStmt(relation=None):
            return "CLUSTER (all tables)"
        case ast.CreateSubscriptionStmt() | ast.DropSubscriptionStmt():
            return "CREATE/DROP SUBSCRIPTION"
        case ast.AlterTableStmt():
            for cmd in node.cmds or ():
                if isinstance(cmd, ast.AlterTableCmd) and isinstance(cmd.def_, ast.PartitionCmd) \
                        and cmd.def_.concurrent:
                    return "DETACH PARTITION CONCURRENTLY"
    return None


def qualified_name(rv: ast.RangeVar) -> str:
    return f"{rv.schemaname}.{rv.relname}" if rv.schemaname else rv.relname


def relations(node: ast.Node) -> tuple[str, ...]:
    """Every table/index named in the statement (RangeVar), in order, without repeats.
    The first is the statement's target for DDL (ALTER TABLE t, CREATE INDEX ON t, ...)."""
    seen: dict[str, None] = {}

    def walk(value) -> None:
        if isinstance(value, ast.RangeVar):
            seen.setdefault(qualified_name(value), None)
        if isinstance(value, ast.Node):
            for name in value:  # pglast nodes iterate over their attribute names
                walk(getattr(value, name))
        elif isinstance(value, tuple | list):
            for v in value:
                walk(v)

    walk(node)
    if isinstance(node, ast.DropStmt):
        for obj in node.objects or ():
            parts = [getattr(p, "sval", None) for p in obj] if isinstance(obj, tuple | list) else []
            if parts and all(parts):
                seen.setdefault(".".join(parts), None)
    return tuple(seen)
