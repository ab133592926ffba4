"""Split a migration file into statements with PostgreSQL's own parser (pglast).

Pure: text in, values out. Everything downstream (engine, locks, lint, plan) works on these
Statement values, never on regexes over SQL.

Memory and time stay linear in the file size: a file over STREAM_CHARS is split with
PostgreSQL's scanner and parsed one statement at a time, and its statements keep no parse tree
(`raw` and `node` are re-parsed from the statement's text when asked for, the last few cached).
"""

from __future__ import annotations

import json
import re
import sys
from array import array
from collections import OrderedDict
from functools import lru_cache
from typing import Any

import msgspec
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

STREAM_CHARS = 1 << 20  # above this a file is parsed statement by statement
# ASTs kept per streamed file, parsed a batch at a time (each parse_sql call costs a fixed ~0.1 ms):
# rules ask for one statement's node many times in a row, and lint walks the file in order twice.
_RECENT_NODES = 256
_BATCH_NODES = 64
_BATCH_CHARS = 1 << 18
_CACHED_CHARS = 1 << 16  # lint parses a rollback twice (coverage, then its own checks): keep small files' parses
_UNSET: Any = object()
# libpg_query's JSON parse trees, decoded to the same dicts and lists as json.loads gives, in half the time.
_decode_json = msgspec.json.Decoder().decode


class SqlSyntaxError(ToolkitError):
    def __init__(self, path: str, line: int, column: int, message: str) -> None:
        super().__init__(f"{path}:{line}:{column}: syntax error: {message}", exit_code=2, path=path, line=line)
        self.column, self.pg_message = column, message


# pglast builds its AST through Node.__setattr__, which re-validates every value the C parser
# produced (4x the cost of the parse itself). That validation is for nodes built by hand; this
# toolkit never builds one, it only reads what the parser made, and those values are already
# typed, except Boolean.boolval, which arrives as an int. So assignment is plain object
# assignment, set once at import (switching per parse would invalidate the attribute caches of
# pglast's ~500 node classes each time). A Python-level wrapper that trusted only the parsing
# thread was tried first: its call per attribute (100,000 on a 342-file set) cost 80 ms of 105.
_object_setattr = object.__setattr__


def _boolean_setattr(self: ast.Boolean, name: str, value: Any) -> None:
    _object_setattr(self, name, bool(value) if name == "boolval" else value)


ast.Node.__setattr__ = _object_setattr  # type: ignore[method-assign,assignment]
ast.Boolean.__setattr__ = _boolean_setattr  # type: ignore[method-assign,assignment]


def _parse_nodes(text: str) -> list[ast.Node]:
    return [rs.stmt for rs in parser.parse_sql(text)]


class _Source:
    """The file's text and its statements' trees: a whole file's pglast ASTs (built with the file,
    or on first use for a data migration parsed into JSON) and JSON trees (on first use); a streamed
    file's, re-parsed per statement and the last few ASTs cached."""

    __slots__ = ("text", "streamed", "statements", "pos", "first", "_nodes", "_recent", "_raws")

    def __init__(self, text: str, streamed: bool, first: int = 0) -> None:
        self.text = text
        self.streamed = streamed
        self.first = first  # the index of its first statement: a Statement built alone keeps its index
        # (start, line, end_line) of each statement: 24 bytes where three int objects take 96
        self.pos = array("q")
        self.statements: tuple[Statement, ...] = ()
        self._nodes: list[ast.Node] | None = None
        self._recent: OrderedDict[int, ast.Node] = OrderedDict()
        self._raws: list[dict[str, Any]] | None = None

    @property
    def has_nodes(self) -> bool:
        """The ASTs of a whole (not streamed) file are built."""
        return self._nodes is not None

    def raw(self, st: Statement) -> dict[str, Any]:
        """The statement's JSON tree: for a whole file, one JSON parse of the file the first time one
        is asked for (the plan's safety classes read every statement's); a streamed file's statement
        is parsed alone each time (no caching)."""
        if self.streamed:
            return _raw_of(st.text)[1]
        if self._raws is None:
            stmts = _decode_json(parser.parse_sql_json(self.text)).get("stmts", [])
            self._raws = [next(iter(rs["stmt"].values())) for rs in stmts]
        return self._raws[st.index - self.first]

    def node(self, st: Statement) -> ast.Node:
        if not self.streamed:
            if self._nodes is None:
                self._nodes = _parse_nodes(self.text)
            return self._nodes[st.index - self.first]
        found = self._recent.get(st.index)
        if found is None:
            self._parse_from(st.index)
            found = self._recent[st.index]
        else:
            self._recent.move_to_end(st.index)
        return found

    def _parse_from(self, index: int) -> None:
        """The ASTs of this statement and the next few, in one parse: callers walk the file in order."""
        batch = [self.statements[index]]
        size = batch[0]._text
        for st in self.statements[index + 1:index + _BATCH_NODES]:
            size += st._text
            if size > _BATCH_CHARS:
                break
            batch.append(st)
        last = batch[-1]
        nodes = _parse_nodes(self.text[batch[0].start:last.start + last._text])
        if len(nodes) != len(batch):  # cannot happen: each parsed alone; stay correct anyway
            batch, nodes = batch[:1], _parse_nodes(batch[0].text)
        for st, node in zip(batch, nodes, strict=True):
            self._recent[st.index] = node
            self._recent.move_to_end(st.index)
        while len(self._recent) > _RECENT_NODES:
            self._recent.popitem(last=False)


def _raw_of(text: str) -> tuple[str, dict[str, Any]]:
    """(node type, JSON body) of a text holding exactly one statement."""
    stmts = _decode_json(parser.parse_sql_json(text)).get("stmts", [])
    if len(stmts) != 1:
        raise ValueError(len(stmts))
    kind, body = next(iter(stmts[0]["stmt"].items()))
    return kind, body


_HUGE_CHARS = 1 << 20  # a statement this long (a multi-row INSERT) is not loaded as Python dicts
_KIND_RE = re.compile(r'\{"version":\d+,"stmts":\[\{"stmt":\{"(\w+)":')
# no_transaction_reason and tx_control read these kinds' trees; they are never huge in practice
_READS_BODY = {"TransactionStmt", "IndexStmt", "DropStmt", "ReindexStmt", "VacuumStmt", "ClusterStmt",
               "AlterTableStmt"}


def _facts_of(text: str) -> tuple[str, dict[str, Any], tuple[str, ...] | None]:
    """(node type, JSON body or {} when it is not needed, relations or None: found when asked for)."""
    if len(text) < _HUGE_CHARS:
        return *_raw_of(text), None
    tree = parser.parse_sql_json(text)
    m = _KIND_RE.match(tree, 0, 200)
    if m is None or m.group(1) in _READS_BODY:
        return *_raw_of(text), None
    # Every dict is reduced to the relations under it as soon as it is decoded: memory stays flat.
    names = json.loads(tree, object_hook=_relations_hook)
    del tree
    if not isinstance(names, _Names) or names.stmts != 1:
        raise ValueError("not one statement")
    return m.group(1), {}, tuple(dict.fromkeys(names))


class _Names(tuple):
    stmts = 0


def _relations_hook(d: dict[str, Any]) -> _Names:
    out: list[str] = []
    if "relname" in d and "relpersistence" in d:
        out.append(f"{d['schemaname']}.{d['relname']}" if d.get("schemaname") else d["relname"])
    for v in d.values():
        if isinstance(v, tuple):
            out.extend(v)
        elif isinstance(v, list):
            for x in v:
                if isinstance(x, tuple):
                    out.extend(x)
    found = _Names(out)
    if "stmts" in d:
        found.stmts = len(d["stmts"])
    return found


def _json_relations(kind: str, body: dict[str, Any]) -> tuple[str, ...]:
    """relations() from the JSON tree: the same names in the same order, without building an AST."""
    seen: dict[str, None] = {}
    stack: list[Any] = [body]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            if "relname" in v and "relpersistence" in v:
                seen.setdefault(f"{v['schemaname']}.{v['relname']}" if v.get("schemaname") else v["relname"], None)
            stack.extend(reversed(v.values()))
        elif isinstance(v, list):
            stack.extend(reversed(v))
    if kind == "DropStmt":
        for obj in body.get("objects", ()):
            items = obj.get("List", {}).get("items") if isinstance(obj, dict) else None
            parts = [p.get("String", {}).get("sval") for p in items] if items else []
            if parts and all(parts):
                seen.setdefault(".".join(parts), None)
    return _shared(tuple(seen))


class Statement:
    """One statement of a file. Immutable; equal when index, text, kind and position are."""

    # A streamed 50 MB file has half a million of these: slots, and no per-statement copy of its text.
    __slots__ = ("index", "kind", "comments", "_text", "_raw", "_src", "_relations", "_tx", "_node")

    index: int  # 0-based position in the file, transaction control included
    kind: str  # the parse node's type: CreateStmt, IndexStmt, TransactionStmt, ...
    comments: tuple[str, ...]  # comments just before it

    def __init__(self, index: int, text: str | None, kind: str, raw: dict[str, Any] | None, start: int = 0,
                 line: int = 1, end_line: int = 1, comments: tuple[str, ...] = (), _src: _Source | None = None,
                 _len: int = 0, _keep_raw: bool = True, _node: ast.Node | None = None) -> None:
        """`text` None: the text is the file's slice [start, start + _len) (streamed files);
        `_keep_raw` False: `raw` is only read here, and re-parsed from the text when asked for;
        `raw` None: the facts come from `_node`, the statement's AST (`raw` is parsed when asked for)."""
        put = _object_setattr
        put(self, "index", index)
        put(self, "kind", kind)
        put(self, "comments", comments)
        if _src is None:
            _src = _Source(text or "", streamed=False, first=index)
        if len(_src.pos) != 3 * (index - _src.first):
            raise ValueError(f"statement {index} of a file must follow statement {index - 1}")
        _src.pos.extend((start, line, end_line))
        put(self, "_text", text if text is not None else _len)  # the text, or its length in the file's text
        put(self, "_raw", raw if _keep_raw else None)
        put(self, "_src", _src)
        put(self, "_relations", None)
        # A whole file's AST, at hand: rules read `node` ~10 times per statement. A streamed file's
        # statements keep none (its ASTs are parsed a few at a time and dropped).
        put(self, "_node", None if _src.streamed else _node)
        if raw is None:
            tx = _TX_KINDS.get(_node.kind.name, "other") if kind == "TransactionStmt" else None
            why = _no_transaction_reason_ast(kind, _node)
        else:
            tx = _TX_KINDS.get(raw.get("kind", ""), "other") if kind == "TransactionStmt" else None
            why = no_transaction_reason(kind, raw)
        put(self, "_tx", (tx, why) if tx or why else None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Statement is immutable: cannot assign {name}")

    @property
    def start(self) -> int:
        """Character offset in the file."""
        return self._src.pos[3 * (self.index - self._src.first)]

    @property
    def line(self) -> int:
        """1-based line of the statement's first character."""
        return self._src.pos[3 * (self.index - self._src.first) + 1]

    @property
    def end_line(self) -> int:
        return self._src.pos[3 * (self.index - self._src.first) + 2]

    @property
    def text(self) -> str:
        """The statement's source text, without the trailing semicolon."""
        if self._text.__class__ is str:
            return self._text
        return self._src.text[self.start:self.start + self._text]

    @property
    def tx_control(self) -> str | None:
        """'begin', 'commit', 'rollback', 'savepoint', ... for transaction control, else None."""
        return self._tx[0] if self._tx else None

    @property
    def non_transactional(self) -> str | None:
        """Why this statement cannot run inside a transaction block, or None if it can."""
        return self._tx[1] if self._tx else None

    @property
    def raw(self) -> dict[str, Any]:
        """The node as libpg_query's JSON (a streamed file's is re-parsed on each use: no caching)."""
        if self._raw is not None:
            return self._raw
        return self._src.raw(self)

    @property
    def node(self) -> ast.Node:
        """The statement's pglast AST node (the RawStmt's stmt)."""
        node = self._node
        if node is None:
            node = self._src.node(self)
            if not self._src.streamed:
                _object_setattr(self, "_node", node)
        return node

    @property
    def relations(self) -> tuple[str, ...]:
        if self._relations is None:
            # From the JSON tree unless the file's ASTs are built already: a streamed file's statements
            # have none at hand, and lint builds none for a file of INSERTs (the same names either way).
            found = _shared(relations(self.node)) if self._src.has_nodes else _json_relations(self.kind, self.raw)
            _object_setattr(self, "_relations", found)
        return self._relations

    def __reduce__(self) -> tuple:
        # pickle/copy: a Statement of its own, with the same values (the file's caches stay behind)
        return (_rebuild, (self.index, self.text, self.kind, self.raw, self.start, self.line, self.end_line,
                           self.comments))

    def __copy__(self) -> Statement:
        return self

    def __deepcopy__(self, memo: dict) -> Statement:
        return self  # immutable

    def _key(self) -> tuple:
        return (self.index, self.text, self.kind, self.start, self.line, self.end_line)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Statement:
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"Statement(index={self.index!r}, text={self.text!r}, kind={self.kind!r}, start={self.start!r}, "
                f"line={self.line!r}, end_line={self.end_line!r})")


def _rebuild(index: int, text: str, kind: str, raw: dict[str, Any], start: int, line: int, end_line: int,
             comments: tuple[str, ...]) -> Statement:
    return Statement(index, text, kind, raw, start, line, end_line, comments)


_shared_tuples: dict[tuple[str, ...], tuple[str, ...]] = {}


def _shared(names: tuple[str, ...]) -> tuple[str, ...]:
    """One tuple per distinct relation list: a million INSERTs into one table hold one ("events",)."""
    if len(_shared_tuples) > 10_000:
        return names
    return _shared_tuples.setdefault(names, names)


class ParsedFile(msgspec.Struct, frozen=True):
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


def _line_col(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def parse(text: str, path: str = "<sql>") -> ParsedFile:
    """Parse a file; a syntax error raises SqlSyntaxError with the file's line and column."""
    if len(text) <= _CACHED_CHARS:
        return _parse_cached(text, path)
    return _parse(text, path)


@lru_cache(maxsize=16)
def _parse_cached(text: str, path: str) -> ParsedFile:
    return _parse(text, path)


def _parse(text: str, path: str, stream: bool | None = None) -> ParsedFile:
    nul = text.find("\0")
    if nul >= 0:
        # PostgreSQL's parser stops at a NUL: what follows it would silently never run.
        line, col = _line_col(text, nul)
        raise ToolkitError(f"{path}:{line}:{col}: NUL character; PostgreSQL would ignore everything after it",
                           exit_code=2, path=path, line=line)
    if stream if stream is not None else len(text) > STREAM_CHARS:
        streamed = _parse_streamed(text, path)
        if streamed is not None:
            return streamed
    if _mostly_inserts(text):
        return _parse_whole_json(text, path)
    return _parse_whole_ast(text, path)


_INSERT_LINE = re.compile(r"^[ \t]*insert[ \t\n]+into\b", re.IGNORECASE | re.MULTILINE)


def _mostly_inserts(text: str) -> bool:
    """A data migration (mostly INSERTs): lint needs no INSERT's tree (locks.py reads its target from
    the JSON facts), and their trees would be most of the time and memory. Other files are parsed
    once into the AST that lint and lock analysis read anyway."""
    if "nsert" not in text and "NSERT" not in text:
        return False
    inserts = len(_INSERT_LINE.findall(text))
    return inserts >= 20 and inserts * 2 >= text.count(";")


_COPY_FROM_STDIN = re.compile(r"\bcopy\b[^;]*\bfrom\s+stdin\b[^;]*;\s*\Z", re.IGNORECASE)


def _psql_hint(text: str, offset: int) -> str:
    """What psql would have read there: files written for `psql -f` are the usual source of these."""
    start = text.rfind("\n", 0, offset) + 1
    if text[start:offset + 1].lstrip().startswith("\\"):
        return ("; a line starting with a backslash is a psql meta-command, not SQL: the server runs the "
                "file's statements, so remove it (\\c, \\set, \\i have no server equivalent)")
    if _COPY_FROM_STDIN.search(text, max(0, start - 4000), start):
        return ("; rows written after COPY ... FROM STDIN are read by psql, not by the server: load them "
                "with INSERT statements instead")
    return ""


def _syntax_error(exc: parser.ParseError, text: str, path: str) -> SqlSyntaxError:
    message, offset = (exc.args + (0,))[:2]
    at = max(0, min(int(offset or 0), len(text)))
    line, col = _line_col(text, at)
    return SqlSyntaxError(path, line, col, str(message) + _psql_hint(text, at))


def _parse_whole_json(text: str, path: str) -> ParsedFile:
    """One parse of the whole file into libpg_query's JSON tree; statements keep theirs, and the AST is
    built only if asked for (a file of INSERTs: their trees would be most of lint's time and memory)."""
    try:
        tree = _decode_json(parser.parse_sql_json(text))
    except parser.ParseError as exc:
        raise _syntax_error(exc, text, path) from None
    # libpg_query's locations are byte offsets into the UTF-8 text.
    data = text.encode("utf-8")
    ascii_only = len(data) == len(text)
    done = [0, 0]  # (byte, char) of the last conversion: statements come in order

    def char_offset(byte_offset: int) -> int:
        if ascii_only:
            return byte_offset
        b, c = done if byte_offset >= done[0] else (0, 0)
        c += len(data[b:byte_offset].decode("utf-8", "ignore"))
        done[:] = byte_offset, c
        return c

    spans = []
    for rs in tree.get("stmts", []):
        b_start = rs.get("stmt_location", 0)
        b_len = rs.get("stmt_len", 0) or (len(data) - b_start)
        kind, body = next(iter(rs["stmt"].items()))
        spans.append((char_offset(b_start), char_offset(b_start + b_len), kind, body, None))
    return _whole_file(text, path, spans)


def _parse_whole_ast(text: str, path: str) -> ParsedFile:
    """One parse of the whole file into pglast's AST, which lint and lock analysis read; the
    statements' facts come from it (their JSON trees are parsed, once per file, only when asked for)."""
    try:
        raws = parser.parse_sql(text)
    except parser.ParseError as exc:
        raise _syntax_error(exc, text, path) from None
    # pglast gives character offsets (libpg_query's are bytes; pglast converts them).
    spans = [(rs.stmt_location or 0, (rs.stmt_location or 0) + rs.stmt_len if rs.stmt_len else len(text),
              type(rs.stmt).__name__, None, rs.stmt) for rs in raws]
    return _whole_file(text, path, spans)


def _whole_file(text: str, path: str, spans: list[tuple[int, int, str, dict[str, Any] | None, ast.Node | None]]
                ) -> ParsedFile:
    """The statements of a whole-file parse from their (start, end, kind, JSON tree, AST) in characters."""
    src = _Source(text, streamed=False)
    statements: list[Statement] = []
    line, pos, prev_end = 1, 0, 0
    for i, (start, end, kind, body, node) in enumerate(spans):
        chunk = text[start:end]
        # stmt_location may point at whitespace before the statement; the line is its first token.
        start += len(chunk) - len(chunk.lstrip())
        chunk = chunk.strip().rstrip(";").rstrip()
        line += text.count("\n", pos, start)
        pos = start
        inner = text.count("\n", start, start + max(len(chunk) - 1, 0))
        statements.append(Statement(i, chunk, sys.intern(kind), body, start, line, line + inner if inner else line,
                                    _gap_comments(text, prev_end, start), src, _node=node))
        prev_end = start + len(chunk)
    src.statements = tuple(statements)
    if spans and spans[0][4] is not None:
        src._nodes = [node for *_, node in spans]  # the AST parse built them all
    return ParsedFile(path=path, text=text, statements=src.statements)


def _parse_streamed(text: str, path: str) -> ParsedFile | None:
    """Split with the scanner, parse each statement alone, keep no tree. None when a piece does not
    parse on its own (a syntax error, or a body the scanner cannot split: BEGIN ATOMIC ... END):
    the whole-file parse then gives the statements or the error's position."""
    bounds = _split(text)
    if bounds is None or not _covers(text, bounds):
        return None
    src = _Source(text, streamed=True)
    statements: list[Statement] = []
    line, pos, prev_end = 1, 0, 0
    for i in range(len(bounds) // 2):
        # The scanner's piece starts with the comments before it; the parser's statement (and so
        # the old whole-file parse) starts at its first token, the comments going to `comments`.
        start, stop = _first_token(text, bounds[2 * i], bounds[2 * i + 1]), bounds[2 * i + 1]
        chunk = text[start:stop].rstrip(";").rstrip()
        try:
            kind, body, rels = _facts_of(chunk)
        except (parser.ParseError, ValueError):
            return None
        line += text.count("\n", pos, start)
        pos = start
        inner = text.count("\n", start, start + max(len(chunk) - 1, 0))
        statements.append(Statement(i, None, sys.intern(kind), body, start, line, line + inner if inner else line,
                                    _gap_comments(text, prev_end, start), src, _len=len(chunk), _keep_raw=False))
        _object_setattr(statements[-1], "_relations", rels)
        prev_end = start + len(chunk)
    src.statements = tuple(statements)
    return ParsedFile(path=path, text=text, statements=src.statements)


_SPLIT_CHARS = 1 << 16  # the C scanner holds ~10x its input until it returns: small chunks


def _split(text: str) -> array | None:
    """[start, stop, start, stop, ...] of the statements (PostgreSQL's scanner), a chunk of the text at
    a time: pglast's split of the whole text holds a UTF-8 copy and a slice object per statement.
    Every piece but a chunk's last ends at a `;` the scanner saw in context, so it is final; the last
    one is split again with the next chunk. A chunk cut inside a string or comment fails to scan: the
    chunk grows. None: the text does not scan (the whole-file parse reports where)."""
    bounds = array("q")
    pos, size = 0, _SPLIT_CHARS
    while pos < len(text):
        end = min(len(text), pos + size)
        try:
            pieces = parser.split(text[pos:end], with_parser=False, only_slices=True)
        except parser.ParseError:
            if end == len(text):
                return None
            size *= 2
            continue
        if end < len(text):
            pieces = pieces[:-1]  # may be cut short by the chunk's end
            if not pieces:
                size *= 2
                continue
        for sl in pieces:
            bounds.append(pos + sl.start)
            bounds.append(pos + sl.stop)
        pos = pos + pieces[-1].stop if end < len(text) else end
        size = _SPLIT_CHARS
    return bounds


_SPACE = " \t\n\r\f\v"


def _covers(text: str, bounds: array) -> bool:
    """Whether the scanner's pieces hold every token of the text: it can leave out a piece it does not
    recognise (`raise 'x';` gives no piece at all), which must not vanish from the statements."""
    edges = [0, *bounds, len(text)]
    for a, b in zip(edges[::2], edges[1::2], strict=True):  # the gaps between pieces
        while (a := _first_token(text, a, b)) < b:
            if text[a] != ";":
                return False
            a += 1
    return True


def _first_token(text: str, pos: int, stop: int) -> int:
    """The offset of the first token at or after pos: past whitespace, -- comments and (nested) /* */."""
    while pos < stop:
        ch = text[pos]
        if ch in _SPACE:
            pos += 1
        elif text.startswith("--", pos):
            ends = [e for e in (text.find("\n", pos, stop), text.find("\r", pos, stop)) if e >= 0]
            pos = min(ends) + 1 if ends else stop
        elif text.startswith("/*", pos):
            depth, pos = 1, pos + 2
            while depth and pos < stop:
                opened, closed = text.find("/*", pos, stop), text.find("*/", pos, stop)
                if closed < 0:
                    return stop
                if 0 <= opened < closed:
                    depth, pos = depth + 1, opened + 2
                else:
                    depth, pos = depth - 1, closed + 2
        else:
            return pos
    return pos


def _gap_comments(text: str, start: int, end: int) -> tuple[str, ...]:
    """The comments between two statements."""
    gap = text[start:end]
    if "--" not in gap and "/*" not in gap:
        return ()
    try:
        tokens = parser.scan(gap)
    except parser.ParseError:
        return ()
    return tuple(gap[t.start:t.end + 1] for t in tokens if t.name in ("SQL_COMMENT", "C_COMMENT"))


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


def _no_transaction_reason_ast(kind: str, node: ast.Node) -> str | None:
    """no_transaction_reason from the statement's AST instead of its JSON tree (the same answers:
    tests/sql/test_parse_ast_fast_path.py compares them on every statement of the real sets)."""
    if kind in _ALWAYS_OUTSIDE:
        return _ALWAYS_OUTSIDE[kind]
    if kind == "IndexStmt" and node.concurrent:
        return "CREATE INDEX CONCURRENTLY"
    if kind == "DropStmt" and node.concurrent:
        return "DROP INDEX CONCURRENTLY"
    if kind == "ReindexStmt" and any(isinstance(p, ast.DefElem) and p.defname == "concurrently"
                                     for p in node.params or ()):
        return "REINDEX CONCURRENTLY"
    if kind == "VacuumStmt" and node.is_vacuumcmd:
        return "VACUUM"
    if kind == "ClusterStmt" and node.relation is None:
        return "CLUSTER (all tables)"
    if kind == "AlterTableStmt":
        for cmd in node.cmds or ():
            part = getattr(cmd, "def_", None)
            if isinstance(part, ast.PartitionCmd) and part.concurrent:
                return "DETACH PARTITION CONCURRENTLY"
    return None


def client_copy(node: ast.Node) -> str | None:
    """'FROM STDIN' / 'TO STDOUT' for a COPY whose rows travel through a client (psql's \\copy),
    which a migration run does not have; None for any other statement."""
    if isinstance(node, ast.CopyStmt) and node.filename is None:
        return "FROM STDIN" if node.is_from else "TO STDOUT"
    return None


def qualified_name(rv: ast.RangeVar) -> str:
    return f"{rv.schemaname}.{rv.relname}" if rv.schemaname else rv.relname


_CHILD_ATTRS: dict[type, tuple[str, ...]] = {}


def _child_attrs(cls: type) -> tuple[str, ...]:
    """The attributes of a node class that can hold nodes (Node*, List*, ValUnion, ...): not its
    strings, flags, enums and locations, which are most of a node's attributes."""
    names = _CHILD_ATTRS.get(cls)
    if names is None:
        slots = cls.__slots__
        if isinstance(slots, dict):
            names = tuple(n for n, info in slots.items() if any(
                t is list or (isinstance(t, type) and issubclass(t, ast.Node))
                for t in (info.py_type if isinstance(info.py_type, tuple) else (info.py_type,))))
        else:  # not described: every attribute
            names = tuple(slots)
        _CHILD_ATTRS[cls] = names
    return names


def tree_nodes(value: Any) -> list[ast.Node]:
    """Every node in a parse tree (a node, or a list/tuple of them), in pre-order.

    One loop with a stack, visiting only the attributes that can hold nodes: the recursive
    generator it replaced was most of the time of lock analysis's expression checks."""
    out: list[ast.Node] = []
    stack = [value]
    pop, push, add = stack.pop, stack.extend, out.append
    child_attrs = _CHILD_ATTRS.get
    while stack:
        v = pop()
        if isinstance(v, ast.Node):
            add(v)
            cls = type(v)
            names = child_attrs(cls) or _child_attrs(cls)
            if len(names) == 1:
                push((getattr(v, names[0]),))
            elif names:
                push([getattr(v, n) for n in reversed(names)])
        elif isinstance(v, tuple | list):
            push(reversed(v))
    return out


def relations(node: ast.Node) -> tuple[str, ...]:
    """Every table/index named in the statement (RangeVar), in order, without repeats.
    The first is the statement's target for DDL (ALTER TABLE t, CREATE INDEX ON t, ...)."""
    seen: dict[str, None] = {}
    for n in tree_nodes(node):
        if isinstance(n, ast.RangeVar):
            seen.setdefault(qualified_name(n), None)
    if isinstance(node, ast.DropStmt):
        for obj in node.objects or ():
            parts = [getattr(p, "sval", None) for p in obj] if isinstance(obj, tuple | list) else []
            if parts and all(parts):
                seen.setdefault(".".join(parts), None)
    return tuple(seen)
