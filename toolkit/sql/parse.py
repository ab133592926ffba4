"""Split a migration file into statements with PostgreSQL's own parser (pglast).

Pure: text in, values out. Everything downstream (engine, locks, lint, plan) works on these
Statement values, never on regexes over SQL.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pglast import ast, parser

from toolkit.errors import ToolkitError

_TX_KINDS = {
    "TRANS_STMT_BEGIN": "begin",
    "TRANS_STMT_START": "begin",
    "TRANS_STMT_COMMIT": "commit",
    "TRANS_STMT_ROLLBACK": "rollback",
    "TRANS_STMT_SAVEPOINT": "savepoint",
    "TRANS_STMT_RELEASE": "release",
    "TRANS_STMT_ROLLBACK_TO": "rollback_to",
    "TRANS_STMT_PREPARE": "prepare",
    "TRANS_STMT_COMMIT_PREPARED": "commit_prepared",
    "TRANS_STMT_ROLLBACK_PREPARED": "rollback_prepared",
}


class SqlSyntaxError(ToolkitError):
    def __init__(self, path: str, line: int, column: int, message: str) -> None:
        super().__init__(f"{path}:{line}:{column}: syntax error: {message}", exit_code=2)
        self.path, self.line, self.column, self.pg_message = path, line, column, message


class _Tree:
    """The file's pglast AST, built on first use: the engine only needs the cheap JSON parse tree
    (10x faster to get), lint and lock analysis need the AST."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._nodes: list[ast.Node] | None = None

    def node(self, index: int) -> ast.Node:
        if self._nodes is None:
            self._nodes = [rs.stmt for rs in parser.parse_sql(self.text)]
        return self._nodes[index]


@dataclass(frozen=True)
class Statement:
    index: int  # 0-based position in the file, transaction control included
    text: str  # the statement's source text, without the trailing semicolon
    kind: str  # the parse node's type: CreateStmt, IndexStmt, TransactionStmt, ...
    raw: dict[str, Any] = field(repr=False, compare=False)  # the node as libpg_query's JSON
    start: int = 0  # character offset in the file
    line: int = 1  # 1-based line of the statement's first character
    end_line: int = 1
    comments: tuple[str, ...] = field(default=(), compare=False)  # comments just before it
    _tree: _Tree | None = field(default=None, repr=False, compare=False)

    @cached_property
    def node(self) -> ast.Node:
        """The statement's pglast AST node (the RawStmt's stmt)."""
        return self._tree.node(self.index)

    @property
    def tx_control(self) -> str | None:
        """'begin', 'commit', 'rollback', 'savepoint', ... for transaction control, else None."""
        if self.kind == "TransactionStmt":
            return _TX_KINDS.get(self.raw.get("kind", ""), "other")
        return None

    @cached_property
    def non_transactional(self) -> str | None:
        """Why this statement cannot run inside a transaction block, or None if it can."""
        return no_transaction_reason(self.kind, self.raw)

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
    nul = text.find("\0")
    if nul >= 0:
        # PostgreSQL's parser stops at a NUL: what follows it would silently never run.
        line, col = lines.line_col(nul)
        raise ToolkitError(f"{path}:{line}:{col}: NUL character; PostgreSQL would ignore everything after it",
                           exit_code=2)
    try:
        tree = json.loads(parser.parse_sql_json(text))
    except parser.ParseError as exc:
        message, offset = (exc.args + (0,))[:2]
        line, col = lines.line_col(max(0, min(int(offset or 0), len(text))))
        raise SqlSyntaxError(path, line, col, str(message)) from None
    # libpg_query's locations are byte offsets into the UTF-8 text.
    data = text.encode("utf-8")
    ascii_only = len(data) == len(text)

    def char_offset(byte_offset: int) -> int:
        return byte_offset if ascii_only else len(data[:byte_offset].decode("utf-8", "ignore"))

    comments = _comments_by_gap(text)
    lazy = _Tree(text)
    statements: list[Statement] = []
    for i, rs in enumerate(tree.get("stmts", [])):
        b_start = rs.get("stmt_location", 0)
        b_len = rs.get("stmt_len", 0) or (len(data) - b_start)
        start, end = char_offset(b_start), char_offset(b_start + b_len)
        chunk = text[start:end]
        # stmt_location may point at whitespace before the statement; the line is its first token.
        start += len(chunk) - len(chunk.lstrip())
        chunk = chunk.strip().rstrip(";").rstrip()
        kind, body = next(iter(rs["stmt"].items()))
        prev_end = statements[-1].start + len(statements[-1].text) if statements else 0
        statements.append(Statement(
            index=i, text=chunk, kind=kind, raw=body, start=start,
            line=lines.line_col(start)[0], end_line=lines.line_col(start + max(len(chunk) - 1, 0))[0],
            comments=tuple(c for (pos, c) in comments if prev_end <= pos < start), _tree=lazy,
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

_ALWAYS_OUTSIDE = {
    "AlterSystemStmt": "ALTER SYSTEM",
    "CreatedbStmt": "CREATE DATABASE",
    "DropdbStmt": "DROP DATABASE",
    "CreateTableSpaceStmt": "CREATE TABLESPACE",
    "DropTableSpaceStmt": "DROP TABLESPACE",
    "CreateSubscriptionStmt": "CREATE/DROP SUBSCRIPTION",
    "DropSubscriptionStmt": "CREATE/DROP SUBSCRIPTION",
}


def no_transaction_reason(kind: str, raw: dict[str, Any]) -> str | None:
    """PostgreSQL refuses these inside a transaction block ("cannot run inside a transaction block").
    `kind` and `raw` are the statement's node type and its JSON parse tree."""
    if kind in _ALWAYS_OUTSIDE:
        return _ALWAYS_OUTSIDE[kind]
    if kind == "IndexStmt" and raw.get("concurrent"):
        return "CREATE INDEX CONCURRENTLY"
    if kind == "DropStmt" and raw.get("concurrent"):
        return "DROP INDEX CONCURRENTLY"
    if kind == "ReindexStmt" and any(p.get("DefElem", {}).get("defname") == "concurrently"
                                     for p in raw.get("params", ())):
        return "REINDEX CONCURRENTLY"
    if kind == "VacuumStmt" and raw.get("is_vacuumcmd"):
        return "VACUUM"
    if kind == "ClusterStmt" and not raw.get("relation"):
        return "CLUSTER (all tables)"
    if kind == "AlterTableStmt":
        for cmd in raw.get("cmds", ()):
            part = cmd.get("AlterTableCmd", {}).get("def", {}).get("PartitionCmd")
            if part and part.get("concurrent"):
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
