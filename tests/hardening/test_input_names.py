"""Item 8: a misnamed .sql file is an error in every command (not skipped by some and run by
others), with the right name suggested when it can be guessed."""

from __future__ import annotations

import pytest

from tests.hardening.conftest import catalog, one_error
from toolkit.migrations.files import suggest_name

GOOD = "20240101_000000_good"
STRAYS = {
    "20240102_000000_Add_Col.sql": "20240102_000000_add_col.sql",
    "20240102_000000_add-col.sql": "20240102_000000_add_col.sql",
    "20240102_000000_add col.sql": "20240102_000000_add_col.sql",
    "20240102_000000_add_col.SQL": "20240102_000000_add_col.sql",
    "20240102_1200_add_col.sql": "20240102_120000_add_col.sql",
    "20240102_000000_café.sql": "20240102_000000_cafe.sql",
    "2024012_000000_short.sql": None,
    "20240102_000000_orphan_rollback.sql": None,  # a rollback without its migration
}
COMMANDS = [("migrate", "--env", "dev"), ("status", "--env", "dev"), ("plan", "--env", "dev"), ("lint",),
            ("rollback", "--name", GOOD, "--env", "dev")]


@pytest.mark.parametrize("stray", sorted(STRAYS))
def test_a_stray_sql_file_is_an_error_everywhere(stray, mdir, cli, db):
    (mdir / f"{GOOD}.sql").write_text("CREATE TABLE good (id int);\n")
    (mdir / f"{GOOD}_rollback.sql").write_text("DROP TABLE good;\n")
    (mdir / "README.md").write_text("# migrations\n")
    assert cli("migrate", "--env", "dev").returncode == 0
    (mdir / stray).write_text("CREATE TABLE stray (id int);\n")
    before = catalog(db)
    for args in COMMANDS:
        line = one_error(cli(*args), stray)
        if STRAYS[stray]:
            assert f"rename to {STRAYS[stray]}" in line
        assert catalog(db) == before, args


def test_readme_and_other_files_are_fine(mdir, cli, db):
    (mdir / f"{GOOD}.sql").write_text("CREATE TABLE good (id int);\n")
    (mdir / "README.md").write_text("# notes\n")
    (mdir / "schema.txt").write_text("x\n")
    for args in [("migrate", "--env", "dev"), ("status", "--env", "dev"), ("lint",)]:
        r = cli(*args)
        assert r.returncode == 0, (args, r.stderr)


@pytest.mark.parametrize(("name", "expected"), sorted((k, v) for k, v in STRAYS.items()))
def test_suggested_names(name, expected):
    assert suggest_name(name) == expected
