"""The statement-by-statement parse of large files gives the same statements as the whole-file parse,
and keeps memory and time linear in the file size."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pglast import ast

from toolkit.sql import parse as parse_mod
from toolkit.sql.parse import STREAM_CHARS, SqlSyntaxError, parse

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "tests" / "realsets").rglob("*.sql")) + sorted((ROOT / "tests" / "corpus").rglob("*.sql"))


def facts(parsed) -> list[tuple]:
    return [(s.index, s.text, s.kind, s.start, s.line, s.end_line, s.comments, s.tx_control, s.non_transactional,
             s.relations) for s in parsed.statements]


def both(text: str):
    out = []
    for stream in (False, True):
        try:
            out.append(parse_mod._parse(text, "f.sql", stream=stream))
        except SqlSyntaxError as exc:
            out.append(exc.args)
    return out


def test_the_corpus_and_real_sets_are_there():
    assert len(FILES) > 500


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT / "tests")))
def test_streamed_parse_equals_whole_file_parse_on_real_migrations(path):
    whole, streamed = both(path.read_text())
    if isinstance(whole, tuple):  # the corpus has files with syntax errors: the same error, same place
        assert streamed == whole
        return
    assert facts(streamed) == facts(whole)
    for a, b in zip(whole.statements, streamed.statements, strict=True):
        assert type(a.node) is type(b.node)
        # streamed statements take relations from the JSON tree: the AST walk must agree, in order
        assert parse_mod._json_relations(a.kind, a.raw) == parse_mod.relations(a.node)


TRICKY = {
    "comments": "-- head\n/* a /* nested */ b */ SELECT 1; -- tail; with semicolon\n\n/* c */ ;; SELECT 2 ;\n",
    "dollar-quotes": "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN PERFORM 1; RETURN 2; END $$;\n"
                     "DO $body$ BEGIN RAISE NOTICE 'x;y'; END $body$;\nSELECT 'a;b', E'c\\';d';",
    "begin-atomic": "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\n"
                    "CREATE TABLE t (id int);",
    "rule": "CREATE TABLE t (id int); CREATE TABLE u (id int);\n"
            "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO u VALUES (1); INSERT INTO u VALUES (2));",
    "non-ascii": "-- café\nCREATE TABLE ünïcode (naïve text DEFAULT 'ø;x');\nINSERT INTO ünïcode VALUES ('日本;語');\n"
                 "ALTER TABLE ünïcode ADD COLUMN b int;",
    "transactions": "BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nSAVEPOINT s;\nROLLBACK TO s;\nCOMMIT;\n"
                    "VACUUM t;",
    "crlf": "SELECT 1;\r\n-- x\r\nSELECT\r\n  2;\r\n",
}


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_streamed_parse_equals_whole_file_parse_on_tricky_splits(name):
    whole, streamed = both(TRICKY[name])
    assert facts(streamed) == facts(whole)
    assert [s.raw.keys() for s in streamed.statements] == [s.raw.keys() for s in whole.statements]


def test_splitting_a_chunk_at_a_time_gives_the_same_statements(monkeypatch):
    # chunks far smaller than a statement: cut inside strings, comments, dollar quotes and tokens
    monkeypatch.setattr(parse_mod, "_SPLIT_CHARS", 16)
    texts = [*TRICKY.values(), *(p.read_text() for p in FILES[::7])]
    for text in texts:
        whole, streamed = both(text)
        if isinstance(whole, tuple):
            assert streamed == whole
        else:
            assert facts(streamed) == facts(whole)


def test_a_syntax_error_in_a_streamed_file_keeps_its_line_and_column():
    text = "SELECT 1;\n" * 10 + "SELECT 2;\nCREATE TABEL t (id int);\nSELECT 3;\n"
    errors = []
    for stream in (False, True):
        with pytest.raises(SqlSyntaxError) as exc:
            parse_mod._parse(text, "f.sql", stream=stream)
        errors.append((exc.value.line, exc.value.column, exc.value.pg_message))
    assert errors[0] == errors[1]
    assert errors[0][0] == 12


def test_an_unterminated_string_in_a_streamed_file_is_a_syntax_error_on_its_line():
    text = "SELECT 1;\nSELECT 'open\n;\n"
    with pytest.raises(SqlSyntaxError) as exc:
        parse_mod._parse(text, "f.sql", stream=True)
    assert exc.value.line == 2


def test_large_files_are_streamed_and_their_statements_keep_no_tree():
    rows = STREAM_CHARS // 30
    insert = "INSERT INTO events VALUES (0);\n"
    text = "CREATE TABLE events (id bigint);\n" + insert * rows
    assert len(text) > STREAM_CHARS
    parsed = parse(text, "big.sql")
    last = parsed.statements[-1]
    assert last._raw is None and not isinstance(last._text, str)
    assert last.text == "INSERT INTO events VALUES (0)"
    assert last.line == len(parsed.statements)
    assert last.kind == "InsertStmt" and last.relations == ("events",)
    assert isinstance(last.node, ast.InsertStmt)
    assert last.raw["relation"]["relname"] == "events"
    # every statement's relation list is one shared tuple, not a million copies
    assert parsed.statements[5].relations is parsed.statements[6].relations


def test_a_huge_statement_is_not_loaded_as_python_objects(monkeypatch):
    monkeypatch.setattr(parse_mod, "_HUGE_CHARS", 100)
    rows = ",\n".join(f"({i}, 'row {i}')" for i in range(50))
    # parsed only, never sent to a server
    text = ("CREATE TABLE s.events (id int, t text);\nINSERT INTO s.events (id, t) VALUES " + rows + ";\n"  # noqa: S608
            "WITH x AS (SELECT id FROM s.events JOIN other o USING (id)) DELETE FROM s.events WHERE id IN "
            "(SELECT id FROM x) AND t NOT IN (" + ", ".join(repr(str(i)) for i in range(40)) + ");\n"
            "CREATE INDEX CONCURRENTLY i_long_name_for_a_long_statement_so_that_it_counts_as_huge ON s.events "
            "(id, t) WHERE t IS NOT NULL AND id > 0 AND id < 1000000000;")
    whole, streamed = both(text)
    assert facts(streamed) == facts(whole)
    assert streamed.statements[2].relations == ("s.events", "x", "other")  # the CTE is a RangeVar too
    assert streamed.statements[3].non_transactional == "CREATE INDEX CONCURRENTLY"


def test_statements_are_immutable_and_compare_by_value():
    a, b = parse("SELECT 1; SELECT 2;").statements
    with pytest.raises(AttributeError):
        a.text = "DROP TABLE t"
    again = parse_mod._parse("SELECT 1; SELECT 2;", "<sql>", stream=True).statements
    assert (a, b) == again and hash(a) == hash(again[0]) and a != b


@pytest.mark.parametrize("stream", [False, True])
def test_statements_survive_copy_and_pickle(stream):
    import copy
    import pickle
    st = parse_mod._parse("SELECT 1;\nCREATE TABLE s.t (id int);", "<sql>", stream=stream).statements[1]
    for again in (copy.copy(st), copy.deepcopy(st), pickle.loads(pickle.dumps(st))):  # noqa: S301 - our own bytes
        assert again == st
        assert (again.line, again.start, again.relations) == (2, 10, ("s.t",))
        assert isinstance(again.node, ast.CreateStmt)


# The AST against pglast's own validated build: tests/sql/test_parse_ast_fast_path.py.


def _peak_rss_mb(code: str, arg: str) -> float:
    wrapper = textwrap.dedent(f"""
        import resource, subprocess, sys
        subprocess.run([sys.executable, "-c", {code!r}, sys.argv[1]], check=True)
        print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    """)
    out = subprocess.run([sys.executable, "-c", wrapper, arg], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1]) * 1024 / 1e6


def test_peak_memory_of_parsing_a_big_file_is_a_small_multiple_of_its_size(tmp_path):
    path = tmp_path / "big.sql"
    line = "INSERT INTO events (id, kind, payload) VALUES ({i}, 'signup', 'some text payload for row {i}');\n"
    path.write_text("".join(line.format(i=i) for i in range(100_000)))  # ~10 MB
    size_mb = path.stat().st_size / 1e6
    base = _peak_rss_mb("import sys; from toolkit.sql.parse import parse", str(path))
    peak = _peak_rss_mb(
        "import sys; from toolkit.sql.parse import parse\n"
        "p = parse(open(sys.argv[1]).read(), sys.argv[1])\n"
        "assert sum(1 for s in p.statements if s.kind == 'InsertStmt') == 100_000\n"
        "assert all(s.relations == ('events',) for s in p.statements[:2000])", str(path))
    assert peak - base < 5 * size_mb, (base, peak, size_mb)




def test_a_piece_the_scanner_leaves_out_is_not_dropped_from_a_streamed_file():
    # PostgreSQL's scanner split gives no piece for `raise '...';` (found in graph-node's rollbacks):
    # a streamed parse must not turn it into an empty file that the engine would then "apply".
    text = "SELECT 1;\nraise 'This migration is irreversible';\nSELECT 2;\n"
    with pytest.raises(SqlSyntaxError) as streamed:
        parse_mod._parse(text, "f.sql", stream=True)
    with pytest.raises(SqlSyntaxError) as whole:
        parse_mod._parse(text, "f.sql", stream=False)
    assert str(streamed.value) == str(whole.value) and ":2:" in str(streamed.value)
