"""The SQL statements inside a DO block or a function body, for lock and rewrite analysis.

Migrations often wrap DDL in `DO $$ BEGIN IF NOT EXISTS (...) THEN ALTER TABLE ... END IF; END $$`
or in a function they then call. PostgreSQL's PL/pgSQL parser (libpg_query's, through pglast)
gives each embedded statement's text; they are analysed as if every branch runs, which is what a
reviewer must assume. Dynamic SQL (EXECUTE of a built string) cannot be read: it is reported.
Pure: text in, values out.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
from pglast import ast, parser

# libpg_query's RawParseMode of an embedded PLpgSQL_expr: 0 a whole statement, 2 an expression
# (IF conditions, RETURN values); 3-5 are assignments (`v := ...`).
_STATEMENT, _EXPRESSION = 0, 2
_LANGUAGES = ("plpgsql", "sql")


class Body(msgspec.Struct, frozen=True):
    statements: tuple[str, ...]  # the embedded SQL, in order (a PL/pgSQL statement each; an SQL body whole)
    dynamic: bool = False  # runs EXECUTE of a built string: what that does is not known here
    readable: bool = True  # False: the language is not SQL/PL/pgSQL, or the body did not parse
    # Each statement's line in the body (1 = the line the body starts on); 0 when not known.
    lines: tuple[int, ...] = ()

    def line_of(self, i: int) -> int:
        return self.lines[i] if i < len(self.lines) else 0


def _function_source(body: str) -> str:
    tag = "$migrate_action_body$"
    while tag in body:
        tag = tag[:-1] + "x$"
    return f"CREATE FUNCTION migrate_action_body() RETURNS void LANGUAGE plpgsql AS {tag}{body}{tag}"


def _walk(value: Any, found: list[tuple[str, int]], flags: dict[str, bool], lineno: int = 0) -> None:
    # Recursive, in source order (bodies nest a few levels deep at most); `lineno`: the enclosing
    # PL/pgSQL statement's line in the body.
    if isinstance(value, dict):
        lineno = value.get("lineno", lineno) if isinstance(value.get("lineno"), int) else lineno
        for key, child in value.items():
            if key == "PLpgSQL_expr":
                query, mode = child.get("query") or "", child.get("parseMode", 0)
                if mode == _STATEMENT:
                    found.append((query, lineno))
                elif mode == _EXPRESSION and "select" in query.lower():
                    found.append((f"SELECT {query}", lineno))  # a subquery in a condition reads tables
                continue
            if key in ("PLpgSQL_stmt_dynexecute", "PLpgSQL_stmt_dynfors"):
                flags["dynamic"] = True
            _walk(child, found, flags, lineno)
    elif isinstance(value, list):
        for child in value:
            _walk(child, found, flags, lineno)


def plpgsql_statements(source: str) -> Body:
    """The statements of a PL/pgSQL function, from its whole CREATE FUNCTION text, in source order."""
    try:
        tree = parser.parse_plpgsql_json(source)
    except parser.ParseError:
        return Body((), readable=False)
    found: list[tuple[str, int]] = []
    flags = {"dynamic": False}
    _walk(json.loads(tree), found, flags)
    return Body(tuple(q for q, _ in found), dynamic=flags["dynamic"], lines=tuple(n for _, n in found))


def body_of(options: tuple[ast.Node, ...] | list[ast.Node] | None) -> tuple[str | None, str]:
    """(body text or None, language) from a DO statement's args or a CREATE FUNCTION's options."""
    body, language = None, "plpgsql"  # DO's default language
    for opt in options or ():
        if not isinstance(opt, ast.DefElem):
            continue
        if opt.defname == "as":
            arg = opt.arg
            if isinstance(arg, ast.String):
                body = arg.sval
            elif isinstance(arg, tuple | list) and arg and isinstance(arg[0], ast.String) and len(arg) == 1:
                body = arg[0].sval  # AS 'body' (a C function's AS 'obj', 'symbol' has two)
        elif opt.defname == "language" and isinstance(opt.arg, ast.String):
            language = opt.arg.sval.lower()
    return body, language


def do_statements(node: ast.DoStmt) -> Body:
    """The embedded statements of a DO block."""
    body, language = body_of(node.args)
    if body is None or language != "plpgsql":
        return Body((), readable=False)
    return plpgsql_statements(_function_source(body))


def function_statements(node: ast.CreateFunctionStmt, source: str) -> Body:
    """The embedded statements of an SQL or PL/pgSQL function; `source` is the statement's text."""
    body, language = body_of(node.options)
    if body is None or language not in _LANGUAGES:
        return Body((), readable=False)
    # An SQL body is statements already: the caller parses it whole.
    return Body((body,)) if language == "sql" else plpgsql_statements(source)
