"""Files written for `psql -f`: a meta-command line or rows after COPY ... FROM STDIN are not SQL the
server can run. Every command refuses them before anything runs, and the one-line error says why."""

from __future__ import annotations

import pytest

from tests.hardening.conftest import catalog, one_error

GOOD = "20240101_000000_good"
BAD = "20240102_000000_bad"

PSQL_FILES = {
    "copy-from-stdin": ("CREATE TABLE colours (id int, name text);\nCOPY colours (id, name) FROM stdin;\n"
                        "1\tred\n2\tgreen\n\\.\n", ":3:", "COPY ... FROM STDIN are read by psql"),
    "meta-command": ("\\set ON_ERROR_STOP on\nCREATE TABLE colours (id int);\n", ":1:", "psql meta-command"),
    "meta-command-later": ("CREATE TABLE colours (id int);\n  \\connect other\nCREATE TABLE more (id int);\n", ":2:",
                           "psql meta-command"),
}


@pytest.mark.parametrize("kind", sorted(PSQL_FILES))
def test_psql_only_input_is_refused_with_the_reason(kind, mdir, cli, db):
    (mdir / f"{GOOD}.sql").write_text("CREATE TABLE good (id int);\n")
    (mdir / f"{GOOD}_rollback.sql").write_text("DROP TABLE good;\n")
    assert cli("migrate", "--env", "dev").returncode == 0
    text, where, needle = PSQL_FILES[kind]
    (mdir / f"{BAD}.sql").write_text(text)
    (mdir / f"{BAD}_rollback.sql").write_text("DROP TABLE IF EXISTS colours;\n")
    before = catalog(db)
    for args in [("migrate", "--env", "dev"), ("migrate", "--env", "dev", "--dry-run")]:
        r = cli(*args)
        one_error(r, f"{BAD}.sql{where}", needle)
        assert catalog(db) == before, args  # nothing ran, nothing was recorded
    lint = cli("lint", "--fail-on", "error")
    assert lint.returncode != 0 and needle in lint.stdout, lint.stdout


def test_an_ordinary_syntax_error_gets_no_psql_hint(mdir, cli, db):
    (mdir / f"{BAD}.sql").write_text("COPY colours TO stdout;\nCREATE TABLE (id int);\n")
    (mdir / f"{BAD}_rollback.sql").write_text("SELECT 1;\n")
    r = cli("migrate", "--env", "dev")
    one_error(r, f"{BAD}.sql:2:", "syntax error")
    assert "psql" not in r.stderr


@pytest.mark.parametrize("copy", ["COPY colours FROM STDIN;", "COPY colours (id) FROM stdin WITH (FORMAT csv);",
                                  "COPY colours TO STDOUT;"])
def test_a_client_side_copy_is_refused_before_anything_runs(copy, mdir, cli, db):
    # Without the refusal the engine's pipeline got stuck in COPY mode and printed five lines of
    # psycopg errors ("cannot queue commands during COPY") before its own.
    (mdir / f"{GOOD}.sql").write_text("CREATE TABLE good (id int);\n")
    (mdir / f"{GOOD}_rollback.sql").write_text("DROP TABLE good;\n")
    assert cli("migrate", "--env", "dev").returncode == 0
    (mdir / f"{BAD}.sql").write_text(f"CREATE TABLE colours (id int);\n{copy}\n")
    (mdir / f"{BAD}_rollback.sql").write_text("DROP TABLE colours;\n")
    before = catalog(db)
    for args in [("migrate", "--env", "dev"), ("migrate", "--env", "dev", "--dry-run", "--execute")]:
        r = cli(*args)
        one_error(r, f"{BAD}.sql:2:", "needs a client")
        assert "cannot queue" not in r.stderr and r.returncode == 2
        assert catalog(db) == before, args
