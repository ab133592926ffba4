"""Item 3: a NUL byte, UTF-16 or invalid UTF-8 in a migration is refused before anything runs,
naming the file and the byte offset, by every command."""

from __future__ import annotations

import pytest

from tests.hardening.conftest import catalog, one_error

GOOD = "20240101_000000_good"
BAD = "20240102_000000_bad"
COMMANDS = [("migrate", "--env", "dev"), ("status", "--env", "dev"), ("plan", "--env", "dev"),
            ("lint",), ("rollback", "--name", GOOD, "--env", "dev")]

BAD_FILES = {
    "nul": (b"CREATE TABLE first_half (id int);\n\x00CREATE TABLE second_half (id int);\n", "NUL byte at byte offset 34"),
    "utf16": ("CREATE TABLE wide (id int);\n".encode("utf-16"), "UTF-16"),
    "utf16-be": ("CREATE TABLE wide (id int);\n".encode("utf-16-be"), "UTF-16"),
    "latin1": ("-- caf\xe9\nCREATE TABLE l1 (id int);\n".encode("latin-1"), "not valid UTF-8 at byte offset 6"),
}


def _seed(mdir, cli, db):
    (mdir / f"{GOOD}.sql").write_text("CREATE TABLE good (id int);\n")
    (mdir / f"{GOOD}_rollback.sql").write_text("DROP TABLE good;\n")
    assert cli("migrate", "--env", "dev").returncode == 0


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_bad_bytes_are_refused_by_every_command(kind, mdir, cli, db):
    _seed(mdir, cli, db)
    data, needle = BAD_FILES[kind]
    assert kind != "nul" or data.index(b"\0") == 34
    (mdir / f"{BAD}.sql").write_bytes(data)
    before = catalog(db)
    for args in COMMANDS:
        r = cli(*args)
        one_error(r, f"{BAD}.sql", needle)
        assert catalog(db) == before, args  # nothing ran, nothing was recorded or rolled back


def test_a_bad_rollback_file_is_refused_too(mdir, cli, db):
    _seed(mdir, cli, db)
    (mdir / f"{BAD}.sql").write_text("CREATE TABLE b (id int);\n")
    (mdir / f"{BAD}_rollback.sql").write_bytes(b"DROP TABLE b;\x00\n")
    before = catalog(db)
    one_error(cli("migrate", "--env", "dev"), f"{BAD}_rollback.sql", "NUL byte at byte offset 13")
    assert catalog(db) == before


def test_utf8_bom_and_crlf_are_fine(mdir, cli, db):
    (mdir / f"{GOOD}.sql").write_bytes(b"\xef\xbb\xbfCREATE TABLE good (id int);\r\nCREATE TABLE caf\xc3\xa9 (id int);\r\n")
    r = cli("migrate", "--env", "dev")
    assert r.returncode == 0, r.stderr
    assert db.execute("SELECT to_regclass('good') IS NOT NULL AND to_regclass('café') IS NOT NULL").fetchone()[0]


def test_lint_of_a_named_file_refuses_its_bytes(mdir, run_cli, tmp_path):
    other = tmp_path / "elsewhere.sql"
    other.write_bytes("SELECT 1;\n".encode("utf-16"))
    one_error(run_cli("lint", str(other)), "elsewhere.sql", "UTF-16")


def test_parse_refuses_a_nul_character():
    from toolkit.errors import ToolkitError
    from toolkit.sql.parse import parse

    with pytest.raises(ToolkitError, match=r"x.sql:2:5: NUL character"):
        parse("SELECT 1;\nSEL \x00ECT 2;", "x.sql")
